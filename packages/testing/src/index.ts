export * from "./decider-specification";
export * from "./postgres";
export * from "./redis";
