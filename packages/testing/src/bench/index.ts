export * from "./cost";
export * from "./cpu";
export * from "./results";
export * from "./stats";
