import { int4, int8, localDate, pgTypesOf, type RowOf, type TableOf, text } from "../columns";
import type { Grain } from "./buckets";

/**
 * What `report_counts` counts per bucket. Receptions count on the day of receipt, finishes on the day
 * the dossier left the pending set.
 */
export const countColumns = {
  received_online: int4(),
  received_direct: int4(),
  received_postal: int4(),
  received_digitized: int4(),
  finished_early: int4(),
  finished_on_time: int4(),
  finished_late: int4(),
  finished_late_766: int4(),
  resolutions: int4(),
  resolution_working_minutes: int8(),
  /** Overdue spans beginning on this day (see `overdue_spans`): pending overdue at D = Σ starts − Σ ends up to D. */
  overdue_starts: int4(),
  /** Overdue spans whose last day was the day before. */
  overdue_ends: int4(),
  /** Like overdue_starts/ends, for pending dossiers late for Decision 766 (overdue or > 1 supplement request). */
  late766_starts: int4(),
  late766_ends: int4(),
};

/**
 * `report_counts`: counts per receiving unit, field and local period, at four grains (`d` day, `t`
 * dekad — days 1–10, 11–20, 21–end —, `m` month, `y` year; `period_start` is the bucket's first day),
 * so any date range sums over a few buckets per unit and field.
 */
export const reportCountColumns = {
  receiving_unit_id: text(),
  field: text(),
  grain: text<Grain>("d"),
  period_start: localDate(),
  ...countColumns,
  position: int8(),
};

export type CountColumn = keyof typeof countColumns;
export const COUNT_COLUMNS = Object.keys(countColumns) as readonly CountColumn[];
export type CountBucket = RowOf<typeof reportCountColumns>;
export type ReportCountsTable = TableOf<typeof reportCountColumns>;
export const REPORT_COUNT_PG_TYPES = pgTypesOf(reportCountColumns);
