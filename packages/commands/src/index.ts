export * from "./dossier-service";
export * from "./ids";
