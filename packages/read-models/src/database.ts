import type { ColumnType, Insertable, Kysely, Selectable, Updateable } from "kysely";

/**
 * The read-model tables of one projection version (every table lives in the version's own Postgres
 * schema, e.g. `rm_v1`). Column types say what the default `pg` driver returns: `timestamptz` and `date`
 * as `Date`, `bigint` and `sum()` as strings. Queries in this package convert at their edge, so callers
 * never see a driver type.
 */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A local calendar date (Asia/Ho_Chi_Minh). Written as `YYYY-MM-DD`; read back only through `::text`. */
export type LocalDateColumn = ColumnType<Date, string, string>;
export type Int8 = ColumnType<string, number | string | bigint, number | string | bigint>;

export interface DossiersTable {
  dossier_id: string;
  /** Issued at receipt; null while the dossier is only an online submission. */
  code: string | null;
  procedure_id: string;
  procedure_version: number;
  procedure_code: string;
  field: string;
  time_limit_value: number;
  time_limit_unit: string;
  supplement_policy: string;
  /** The domain's status names (`submitted` and `refused` stay outside every statistic). */
  status: string;
  /** The unit the dossier counts under in every report, wherever it travels. */
  receiving_unit_id: string;
  current_unit_id: string;
  units_held: string[];
  channel: string | null;
  submitted_at: Timestamp | null;
  received_at: Timestamp | null;
  received_day: LocalDateColumn | null;
  clock_starts_at: Timestamp | null;
  due_at: Timestamp | null;
  promised_at: Timestamp | null;
  apologies: number;
  /** The start of the current pause (supplement or fees), while the clock stands still. */
  paused_at: Timestamp | null;
  supplement_respond_by: Timestamp | null;
  supplement_requests: number;
  paused_working_minutes: number;
  resolved_at: Timestamp | null;
  outcome: string | null;
  /** As fixed by `DossierResolved`: early, on_time, late. */
  timeliness: string | null;
  returned_at: Timestamp | null;
  return_method: string | null;
  /** Withdrawal, stop or refusal at intake. */
  closed_at: Timestamp | null;
  /** When the dossier left the pending set (resolved, withdrawn or stopped), and its class in 06a. */
  finished_at: Timestamp | null;
  finished_day: LocalDateColumn | null;
  finish_class: string | null;
  late_for_766: boolean | null;
  elapsed_working_minutes: number | null;
  /** Pending, and an overdue event was recorded for the current due moment. */
  overdue: boolean;
  overdue_recorded_for: Timestamp | null;
  overdue_holding_unit_id: string | null;
  ever_overdue: boolean;
  documents_total: number;
  documents_digitized: number;
  step_seq: number;
  deadline_seq: number;
  pause_seq: number;
  /** First day of the dossier's open span in `overdue_spans`, if it has one. */
  overdue_span_from: LocalDateColumn | null;
  /**
   * First day of the dossier's open span of counting late for Decision 766 while pending (overdue, or
   * asked for supplements more than once), if it has one.
   */
  late766_span_from: LocalDateColumn | null;
  revision: number;
  position: Int8;
}

/** The process-control slip (phiếu kiểm soát): one row per holding of the dossier by a unit. */
export interface ProcessStepsTable {
  dossier_id: string;
  seq: number;
  unit_id: string;
  kind: string;
  step: string | null;
  reason: string | null;
  from_at: Timestamp;
  to_at: Timestamp | null;
  ended_by: string | null;
  /** The overall legal due moment while the unit held the dossier (moved only by supplements and fees). */
  due_at: Timestamp | null;
  step_due_at: Timestamp | null;
  /** An overdue event named this unit while it held the dossier. */
  overdue_recorded: boolean;
  /** The unit held the dossier past its due moment, or an overdue event named it. */
  late: boolean;
  position: Int8;
}

/** Every legal due moment the dossier has had and from when it held: lets a past report be rebuilt. */
export interface DossierDeadlinesTable {
  dossier_id: string;
  seq: number;
  effective_at: Timestamp;
  due_at: Timestamp | null;
  cause: string;
  position: Int8;
}

/** Clock stops: supplement requests and fee requests, until resumed or until the dossier was closed. */
export interface DossierPausesTable {
  dossier_id: string;
  seq: number;
  kind: string;
  paused_at: Timestamp;
  ended_at: Timestamp | null;
  ended_by: string | null;
  paused_working_minutes: number | null;
  position: Int8;
}

/**
 * The local days at whose end a dossier counted as "pending overdue" in 06a terms (inclusive; `to_day`
 * null while open). A dossier has at most one span containing any given day.
 */
export interface OverdueSpansTable {
  dossier_id: string;
  from_day: LocalDateColumn;
  to_day: LocalDateColumn | null;
  /** Generated: `daterange(from_day, to_day, '[]')`, GiST-indexed. */
  days: ColumnType<string, never, never>;
  receiving_unit_id: string;
  field: string;
  position: Int8;
}

/**
 * Counts per receiving unit, field and local period, at four grains (`d` day, `t` dekad — days 1–10,
 * 11–20, 21–end —, `m` month, `y` year; `period_start` is the bucket's first day), so any date range
 * sums over a few buckets per unit and field.
 * Receptions count on the day of receipt, finishes on the day the dossier left the pending set.
 */
export interface ReportCountsTable {
  receiving_unit_id: string;
  field: string;
  grain: string;
  period_start: LocalDateColumn;
  received_online: number;
  received_direct: number;
  received_postal: number;
  received_digitized: number;
  finished_early: number;
  finished_on_time: number;
  finished_late: number;
  finished_late_766: number;
  resolutions: number;
  resolution_working_minutes: Int8;
  /** Overdue spans beginning on this day (see `overdue_spans`): pending overdue at D = Σ starts − Σ ends up to D. */
  overdue_starts: number;
  /** Overdue spans whose last day was the day before. */
  overdue_ends: number;
  /** Like overdue_starts/ends, for pending dossiers late for Decision 766 (overdue or > 1 supplement request). */
  late766_starts: number;
  late766_ends: number;
  position: Int8;
}

export interface CheckpointsTable {
  partition: number;
  position: Int8;
  updated_at: ColumnType<Date, Date | string | undefined, Date | string>;
}

export interface ProjectionSettingsTable {
  id: ColumnType<number, number | undefined, never>;
  partitions: number;
}

export interface ReadModelDatabase {
  dossiers: DossiersTable;
  process_steps: ProcessStepsTable;
  dossier_deadlines: DossierDeadlinesTable;
  dossier_pauses: DossierPausesTable;
  overdue_spans: OverdueSpansTable;
  report_counts: ReportCountsTable;
  checkpoints: CheckpointsTable;
  projection_settings: ProjectionSettingsTable;
}

export type ReadModelDb = Kysely<ReadModelDatabase>;

export type DossierRow = Selectable<DossiersTable>;
export type NewDossierRow = Insertable<DossiersTable>;
export type DossierRowUpdate = Updateable<DossiersTable>;
export type ProcessStepRow = Selectable<ProcessStepsTable>;
export type NewProcessStepRow = Insertable<ProcessStepsTable>;
export type NewDossierDeadlineRow = Insertable<DossierDeadlinesTable>;
export type NewDossierPauseRow = Insertable<DossierPausesTable>;
export type NewOverdueSpanRow = Insertable<OverdueSpansTable>;
export type ReportCountsRow = Selectable<ReportCountsTable>;
export type NewReportCountsRow = Insertable<ReportCountsTable>;
export type CheckpointRow = Selectable<CheckpointsTable>;
