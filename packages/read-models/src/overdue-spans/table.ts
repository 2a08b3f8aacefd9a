import type { ColumnType } from "kysely";
import { int8, localDate, pgTypesOf, type RowOf, type TableOf, text, uuid } from "../columns";

/**
 * The local days at whose end a dossier counted as "pending overdue" in 06a terms (inclusive; `to_day`
 * null while open). A dossier has at most one span containing any given day.
 */
export const overdueSpanColumns = {
  dossier_id: uuid(),
  from_day: localDate(),
  to_day: localDate().orNull(),
  receiving_unit_id: text(),
  field: text(),
  position: int8(),
};

export type SpanRecord = RowOf<typeof overdueSpanColumns>;
export type OverdueSpansTable = TableOf<typeof overdueSpanColumns> & {
  /** Generated: `daterange(from_day, to_day, '[]')`, GiST-indexed. Never written. */
  days: ColumnType<string, never, never>;
};
export const OVERDUE_SPAN_PG_TYPES = pgTypesOf(overdueSpanColumns);
