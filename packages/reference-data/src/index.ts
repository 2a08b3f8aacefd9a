export * from "./database";
export * from "./migrations";
export * from "./reference-cache";
export * from "./reference-data";
