import { int4, int8, localDate, pgTypesOf, type RowOf, type TableOf, text } from "../columns";

/**
 * What `indicator766_counts` counts per dossier, all under the month the dossier was received in (the
 * portal counts a dossier in the period of its "ngày tiếp nhận"), whenever the fact arrives: a payment
 * in March of a dossier received in January adds to January.
 */
export const indicator766CountColumns = {
  received: int4(),
  received_online: int4(),
  /** Every document scanned at intake (as the 06a's `received_digitized`). */
  received_digitized: int4(),
  /** At least one document reused from digitised data or results already held. */
  received_reused: int4(),
  /** Synchronisations with the national portal recorded (one per dossier). */
  synced: int4(),
  /** Resolutions approving the request: the dossiers that have a result to issue. */
  results: int4(),
  /** Results issued electronically (one per dossier). */
  e_results: int4(),
  /** Requests for fees (each request counts). */
  fee_requests: int4(),
  /** Fee payments recorded, and those made online, and those through the national portal. */
  fees_paid: int4(),
  fees_paid_online: int4(),
  fees_paid_national: int4(),
};

/**
 * `indicator766_counts`: per receiving unit, procedure and month of receipt. Every period the 766 is
 * published for (month, quarter, year) is a whole number of months, so a period is a SUM over at most
 * twelve rows per unit and procedure; the procedure in the key lets the counts of distinct procedures
 * (3.2, P.B) be read from the same rows.
 */
export const indicator766Columns = {
  receiving_unit_id: text(),
  procedure_id: text(),
  /** The first day of the month of receipt. */
  month: localDate(),
  ...indicator766CountColumns,
  position: int8(),
};

export type Indicator766CountColumn = keyof typeof indicator766CountColumns;
export const INDICATOR_766_COUNT_COLUMNS = Object.keys(
  indicator766CountColumns,
) as readonly Indicator766CountColumn[];
export type Indicator766Row = RowOf<typeof indicator766Columns>;
export type Indicator766CountsTable = TableOf<typeof indicator766Columns>;
export const INDICATOR_766_PG_TYPES = pgTypesOf(indicator766Columns);
