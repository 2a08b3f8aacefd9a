import type { ColumnType, Kysely, Selectable } from "kysely";
import type { DossierPausesTable } from "./clock-pauses/table";
import type { Int8 } from "./columns";
import type { DossierDeadlinesTable } from "./deadline-history/table";
import type { FeedbackTable } from "./feedback/table";
import type { Indicator766CountsTable } from "./indicators-766/table";
import type { OverdueSpansTable } from "./overdue-spans/table";
import type { ProcessStepsTable } from "./process-steps/table";
import type { DossierRatingsTable } from "./ratings/table";
import type { ReportCountsTable } from "./report-06a/table";
import type { DossiersTable } from "./worklist/table";

export type { Int8, LocalDateColumn, Timestamp } from "./columns";
export type {
  DossierDeadlinesTable,
  DossierPausesTable,
  DossierRatingsTable,
  DossiersTable,
  FeedbackTable,
  Indicator766CountsTable,
  OverdueSpansTable,
  ProcessStepsTable,
  ReportCountsTable,
};

/** The projection's own bookkeeping: how far each partition has been applied. */
export interface CheckpointsTable {
  partition: number;
  position: Int8;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ProjectionSettingsTable {
  id: ColumnType<number, number | undefined, never>;
  partitions: number;
}

/**
 * The read-model tables of one projection version (every table lives in the version's own Postgres
 * schema, e.g. `rm_v1`). Each read model's table is described once, in its folder's `table.ts`.
 */
export interface ReadModelDatabase {
  dossiers: DossiersTable;
  process_steps: ProcessStepsTable;
  dossier_deadlines: DossierDeadlinesTable;
  dossier_pauses: DossierPausesTable;
  overdue_spans: OverdueSpansTable;
  report_counts: ReportCountsTable;
  feedback: FeedbackTable;
  dossier_ratings: DossierRatingsTable;
  indicator766_counts: Indicator766CountsTable;
  checkpoints: CheckpointsTable;
  projection_settings: ProjectionSettingsTable;
}

export type ReadModelDb = Kysely<ReadModelDatabase>;

export type DossierRow = Selectable<DossiersTable>;
