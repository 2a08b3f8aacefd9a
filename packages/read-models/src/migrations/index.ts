import type { Migration } from "kysely";
import * as readModels20251122 from "./2025-11-22-read-models";
import * as registry20251122 from "./2025-11-22-registry";

/** Migrations of each version's schema, by date: names sort in the order they run. */
export const readModelMigrations: Readonly<Record<string, Migration>> = {
  "2025-11-22-read-models": readModels20251122,
};

/** Migrations of the registry schema `rm_meta`. */
export const registryMigrations: Readonly<Record<string, Migration>> = {
  "2025-11-22-registry": registry20251122,
};
