export * from "./database";
export * from "./migrations";
export * from "./reference-data";
