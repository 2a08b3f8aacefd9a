import type { Migration } from "kysely";
import * as readModels from "./2026-11-22-1-read-models";
import * as reportCountsOverdue from "./2026-11-22-2-report-counts-overdue";
import * as registry from "./2026-11-22-registry";

/** Migrations of each version's schema, by date: names sort in the order they run. */
export const readModelMigrations: Readonly<Record<string, Migration>> = {
  "2026-11-22-1-read-models": readModels,
  "2026-11-22-2-report-counts-overdue": reportCountsOverdue,
};

/** Migrations of the registry schema `rm_meta`. */
export const registryMigrations: Readonly<Record<string, Migration>> = {
  "2026-11-22-registry": registry,
};
