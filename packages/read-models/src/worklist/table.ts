import type { DossierStatus, ResolutionTimeliness } from "@motcua/domain";
import {
  bool,
  emptyRowOf,
  float8,
  int4,
  int8,
  localDate,
  pgTypesOf,
  type RowOf,
  type TableOf,
  text,
  textArray,
  timestamptz,
  uuid,
} from "../columns";

/**
 * `dossiers`: one row per dossier, what the worklists, the dossier page and the public lookup read.
 * A few columns are the bookkeeping of the other read models (`step_seq`, `deadline_seq`, `pause_seq`,
 * the open spans' first days): they live on this row so one read per dossier loads a batch's state.
 */
export const dossierColumns = {
  dossier_id: uuid(),
  /** Issued at receipt; null while the dossier is only an online submission. */
  code: text().orNull(),
  procedure_id: text(),
  procedure_version: int4(),
  procedure_code: text(),
  field: text(),
  time_limit_value: float8(),
  time_limit_unit: text(),
  supplement_policy: text(),
  /** The domain's status names (`submitted` and `refused` stay outside every statistic). */
  status: text<DossierStatus>("submitted"),
  /** The unit the dossier counts under in every report, wherever it travels. */
  receiving_unit_id: text(),
  current_unit_id: text(),
  units_held: textArray(),
  channel: text().orNull(),
  submitted_at: timestamptz().orNull(),
  received_at: timestamptz().orNull(),
  received_day: localDate().orNull(),
  clock_starts_at: timestamptz().orNull(),
  due_at: timestamptz().orNull(),
  promised_at: timestamptz().orNull(),
  apologies: int4(),
  /** The start of the current pause (supplement or fees), while the clock stands still. */
  paused_at: timestamptz().orNull(),
  supplement_respond_by: timestamptz().orNull(),
  supplement_requests: int4(),
  paused_working_minutes: float8(),
  resolved_at: timestamptz().orNull(),
  outcome: text().orNull(),
  /** As fixed by `DossierResolved`: early, on_time, late. */
  timeliness: text().orNull(),
  returned_at: timestamptz().orNull(),
  return_method: text().orNull(),
  /** Withdrawal, stop or refusal at intake. */
  closed_at: timestamptz().orNull(),
  /** When the dossier left the pending set (resolved, withdrawn or stopped), and its class in 06a. */
  finished_at: timestamptz().orNull(),
  finished_day: localDate().orNull(),
  finish_class: text<ResolutionTimeliness>().orNull(),
  late_for_766: bool().orNull(),
  elapsed_working_minutes: int4().orNull(),
  /** Pending, and an overdue event was recorded for the current due moment. */
  overdue: bool(),
  overdue_recorded_for: timestamptz().orNull(),
  overdue_holding_unit_id: text().orNull(),
  ever_overdue: bool(),
  documents_total: int4(),
  documents_digitized: int4(),
  /** The last holding's seq in `process_steps`. */
  step_seq: int4(),
  /** The last seq in `dossier_deadlines`. */
  deadline_seq: int4(),
  /** The last seq in `dossier_pauses`. */
  pause_seq: int4(),
  /** First day of the dossier's open span in `overdue_spans`, if it has one. */
  overdue_span_from: localDate().orNull(),
  /**
   * First day of the dossier's open span of counting late for Decision 766 while pending (overdue, or
   * asked for supplements more than once), if it has one.
   */
  late766_span_from: localDate().orNull(),
  /** The dossier stream's revision this row reflects. */
  revision: int4(),
  /** The global position of the last event applied to this row. */
  position: int8(),
};

/** A `dossiers` row in memory: instants as ISO strings (+07:00), local dates as `YYYY-MM-DD`. */
export type DossierRecord = RowOf<typeof dossierColumns>;
export type DossiersTable = TableOf<typeof dossierColumns>;
export const DOSSIER_PG_TYPES = pgTypesOf(dossierColumns);
const EMPTY_DOSSIER = emptyRowOf(dossierColumns);
export const emptyDossier = (dossierId: string): DossierRecord => ({
  ...EMPTY_DOSSIER,
  dossier_id: dossierId,
  units_held: [],
});
