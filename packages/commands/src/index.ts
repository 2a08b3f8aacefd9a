export * from "./applicants";
export * from "./authorization";
export * from "./dossier-service";
export * from "./ids";
