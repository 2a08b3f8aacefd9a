import type { Migration } from "kysely";
import * as readModels from "./2026-11-22-1-read-models";
import * as reportCountsOverdue from "./2026-11-22-2-report-counts-overdue";
import { roomForHotUpdates } from "./2026-11-22-3-room-for-hot-updates";
import * as registry from "./2026-11-22-registry";
import { codeLookup } from "./2026-12-04-1-code-lookup";
import * as late766Spans from "./2026-12-04-2-late-766-spans";
import * as feedback from "./2026-12-05-1-feedback";
import * as dossierRatings from "./2026-12-05-2-dossier-ratings";
import * as indicator766Counts from "./2026-12-05-3-indicator766-counts";
import * as registryDeferredIndexes from "./2026-12-05-registry-deferred-indexes";

/** Migrations of a version's schema, by date: names sort in the order they run. */
export const readModelMigrations = (schema: string): Readonly<Record<string, Migration>> => ({
  "2026-11-22-1-read-models": readModels,
  "2026-11-22-2-report-counts-overdue": reportCountsOverdue,
  "2026-11-22-3-room-for-hot-updates": roomForHotUpdates(schema),
  "2026-12-04-1-code-lookup": codeLookup(schema),
  "2026-12-04-2-late-766-spans": late766Spans,
  "2026-12-05-1-feedback": feedback,
  "2026-12-05-2-dossier-ratings": dossierRatings,
  "2026-12-05-3-indicator766-counts": indicator766Counts,
});

/** Migrations of the registry schema `rm_meta`. */
export const registryMigrations: Readonly<Record<string, Migration>> = {
  "2026-11-22-registry": registry,
  "2026-12-05-registry-deferred-indexes": registryDeferredIndexes,
};
