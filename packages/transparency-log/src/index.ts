export * from "./evidence";
export * from "./merkle";
export * from "./postgres-tree";
export * from "./rederive";
export * from "./signed-head";
export * from "./tree-heads";
