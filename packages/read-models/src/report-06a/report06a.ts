import type { ExpressionBuilder } from "kysely";
import { sql } from "kysely";
import type { ReadModelDatabase, ReadModelDb } from "../database";
import { ReadModelInvariantError } from "../errors";
import { type Period, parsePeriod } from "../period";
import { assertSchemaName } from "../schema-name";
import { type BucketSelection, COUNT_COLUMNS, type CountColumn, prefixBuckets } from "./table";

/** The counts of Biểu II.06a, numbered as on the form. */
export interface Report06aCounts {
  /** (3) = (4) + (5) + (6) = (7) + (11) */
  readonly received: number;
  /** (4) received online in the period */
  readonly receivedOnline: number;
  /** (5) received directly or by post in the period */
  readonly receivedDirect: number;
  /** (6) received before `from` and still pending at its start */
  readonly carriedOver: number;
  /** (7) = (8) + (9) + (10): finished in the period */
  readonly resolved: number;
  readonly resolvedEarly: number;
  readonly resolvedOnTime: number;
  readonly resolvedLate: number;
  /** (11) = (12) + (13): pending at the end of `to` */
  readonly pending: number;
  readonly pendingInTime: number;
  readonly pendingOverdue: number;
}

export interface Report06aRow extends Report06aCounts {
  readonly field: string;
}

export interface Report06a {
  readonly from: string;
  readonly to: string;
  readonly total: Report06aCounts;
  /** One row per field (lĩnh vực) with any count, in the field's alphabetical order. */
  readonly rows: readonly Report06aRow[];
}

export interface ReportQuery {
  /** Receiving units, subunits already resolved by the caller. */
  readonly unitIds: readonly string[];
  /** Local dates (Asia/Ho_Chi_Minh), both days included. */
  readonly from: string;
  readonly to: string;
}

/** The counts summed over the period itself (C(to + 1) − C(from)); the span counts are read at its edges. */
export const IN_PERIOD = [
  "received_online",
  "received_direct",
  "received_postal",
  "received_digitized",
  "finished_early",
  "finished_on_time",
  "finished_late",
  "finished_late_766",
  "resolutions",
  "resolution_working_minutes",
] as const satisfies readonly CountColumn[];
type InPeriod = (typeof IN_PERIOD)[number];

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}`
  ? `${Head}${Capitalize<Camel<Tail>>}`
  : S;
const camel = <S extends string>(s: S) => s.replace(/_(.)/g, (_, c: string) => c.toUpperCase()) as Camel<S>;

/** Everything the report and the indicators need for one field, read in one statement (one snapshot). */
export type FieldFigures = { readonly field: string } & { readonly [C in InPeriod as Camel<C>]: number } & {
  /** Received before `from` and still pending at its start. */
  readonly carriedOver: number;
  readonly pendingOverdue: number;
  /** Pending at the end of `to` and late for Decision 766: overdue, or asked for supplements more than once. */
  readonly pendingLate766: number;
};

const localDate = (date: string) => sql<Date>`${date}::date`;

/** The condition selecting one group of buckets (the 766's progress figures read the same buckets). */
export const selects = (eb: ExpressionBuilder<ReadModelDatabase, "report_counts">, b: BucketSelection) =>
  "before" in b
    ? eb.and([eb("grain", "=", "y"), eb("period_start", "<", localDate(b.before))])
    : eb.and([eb("grain", "=", b.grain), eb("period_start", "in", b.starts.map(localDate))]);

/**
 * A bucket's sign in one prefix sum (+1, −1, or 0 when the prefix does not take it): the buckets of one
 * prefix are distinct, so each bucket has one sign in it (or none).
 */
export const bucketWeight = (
  eb: ExpressionBuilder<ReadModelDatabase, "report_counts">,
  selections: readonly BucketSelection[],
) =>
  sql<number>`case ${sql.join(
    selections.map((b) => sql`when ${selects(eb, b)} then ${sql.lit(b.sign)}`),
    sql` `,
  )} else 0 end`;

/** The rows of these receiving units: a semi-join on the list, not `= any(...)` in every bucket condition. */
export const ofUnits = (units: readonly string[]) =>
  sql<boolean>`receiving_unit_id in (select unnest(${sql.val(units)}::text[]))`;

/**
 * Reads the figures per field for receiving units over a period, from `report_counts` alone, in one
 * statement (one snapshot). Every figure is a difference of prefix sums: with C(x) the sum of the
 * buckets before day x, what happened in the period is C(to + 1) − C(from); what was carried over is
 * what was received before `from` less what finished before it, C(from); the dossiers pending overdue at
 * the end of `to` are the overdue spans begun by then less those ended by then, C(to + 1).
 */
export async function periodFigures(
  db: ReadModelDb,
  schema: string,
  unitIds: readonly string[],
  period: Period,
): Promise<FieldFigures[]> {
  return readPeriodFigures(db, schema, unitIds, period, false);
}

/**
 * `periodFigures` per receiving unit and field, in one statement: the figures of many units (a
 * province's communes for a ranking or a map) without a statement per unit.
 */
export async function periodFiguresByUnit(
  db: ReadModelDb,
  schema: string,
  unitIds: readonly string[],
  period: Period,
): Promise<(FieldFigures & { readonly unitId: string })[]> {
  return readPeriodFigures(db, schema, unitIds, period, true) as Promise<
    (FieldFigures & { readonly unitId: string })[]
  >;
}

async function readPeriodFigures(
  db: ReadModelDb,
  schema: string,
  unitIds: readonly string[],
  period: Period,
  byUnit: boolean,
): Promise<(FieldFigures & { readonly unitId?: string })[]> {
  if (unitIds.length === 0) return [];
  const units = [...new Set(unitIds)];
  const atFrom = prefixBuckets(period.from);
  const atEnd = prefixBuckets(period.toExclusive);
  const rows = await db
    .withSchema(assertSchemaName(schema))
    .with("selected", (qb) =>
      qb
        .selectFrom("report_counts")
        .where(ofUnits(units))
        .where((eb) => eb.or([...atFrom, ...atEnd].map((b) => selects(eb, b))))
        .select((eb) => [
          "field",
          "receiving_unit_id",
          ...COUNT_COLUMNS,
          bucketWeight(eb, atFrom).as("at_from"),
          bucketWeight(eb, atEnd).as("at_end"),
        ]),
    )
    .selectFrom("selected")
    .select(() => {
      const inPeriod = (column: string) => sql<string>`sum(${sql.ref(column)} * (at_end - at_from))`;
      return [
        // Byte order is enough to group by (rows are sorted for display later), and much cheaper.
        sql<string>`field collate "C"`.as("field"),
        (byUnit ? sql<string>`receiving_unit_id` : sql<string>`null`).as("unit_id"),
        ...IN_PERIOD.map((column) => inPeriod(column).as(column)),
        sql<string>`sum((received_online + received_direct + received_postal - finished_early - finished_on_time - finished_late) * at_from)`.as(
          "carried_over",
        ),
        sql<string>`sum((overdue_starts - overdue_ends) * at_end)`.as("pending_overdue"),
        sql<string>`sum((late766_starts - late766_ends) * at_end)`.as("pending_late_766"),
      ];
    })
    .groupBy(byUnit ? [sql`field collate "C"`, sql`receiving_unit_id`] : [sql`field collate "C"`])
    .execute();
  const n = (v: string | number | null | undefined) => (v === null || v === undefined ? 0 : Number(v));
  return (rows as Record<string, string | number | null>[]).map(
    (r) =>
      ({
        field: String(r.field),
        ...(byUnit ? { unitId: String(r.unit_id) } : {}),
        ...Object.fromEntries(IN_PERIOD.map((column) => [camel(column), n(r[column])])),
        carriedOver: n(r.carried_over),
        pendingOverdue: n(r.pending_overdue),
        pendingLate766: n(r.pending_late_766),
      }) as FieldFigures,
  );
}

const ZERO: Report06aCounts = {
  received: 0,
  receivedOnline: 0,
  receivedDirect: 0,
  carriedOver: 0,
  resolved: 0,
  resolvedEarly: 0,
  resolvedOnTime: 0,
  resolvedLate: 0,
  pending: 0,
  pendingInTime: 0,
  pendingOverdue: 0,
};

/** The 06a's counts in the form's order: the one list an answer's shape is built from (the API's schema). */
export const REPORT_06A_COUNT_KEYS = Object.keys(ZERO) as readonly (keyof Report06aCounts)[];

export function countsOf(f: FieldFigures): Report06aCounts {
  const receivedOnline = f.receivedOnline;
  const receivedDirect = f.receivedDirect + f.receivedPostal;
  const received = f.carriedOver + receivedOnline + receivedDirect;
  const resolved = f.finishedEarly + f.finishedOnTime + f.finishedLate;
  const pending = received - resolved;
  const pendingInTime = pending - f.pendingOverdue;
  if (f.carriedOver < 0 || pending < 0 || pendingInTime < 0) {
    throw new ReadModelInvariantError(
      `06a figures for field "${f.field}" contradict themselves (carried over ${f.carriedOver}, pending ${pending}, overdue ${f.pendingOverdue})`,
    );
  }
  return {
    received,
    receivedOnline,
    receivedDirect,
    carriedOver: f.carriedOver,
    resolved,
    resolvedEarly: f.finishedEarly,
    resolvedOnTime: f.finishedOnTime,
    resolvedLate: f.finishedLate,
    pending,
    pendingInTime,
    pendingOverdue: f.pendingOverdue,
  };
}

export function addCounts(a: Report06aCounts, b: Report06aCounts): Report06aCounts {
  return Object.fromEntries(REPORT_06A_COUNT_KEYS.map((k) => [k, a[k] + b[k]])) as unknown as Report06aCounts;
}

const isEmpty = (c: Report06aCounts) => c.received === 0 && c.resolved === 0 && c.pending === 0;

/**
 * Biểu II.06a for the dossiers received by `unitIds`, per field and in total, as it read at the end of
 * `to` (see README.md for every count and the choices made where the texts leave room).
 */
export async function report06a(db: ReadModelDb, schema: string, query: ReportQuery): Promise<Report06a> {
  const period = parsePeriod(query.from, query.to);
  const figures = await periodFigures(db, schema, query.unitIds, period);
  const rows = figures
    .map((f) => ({ field: f.field, ...countsOf(f) }))
    .filter((r) => !isEmpty(r))
    .sort(
      (a, b) => a.field.localeCompare(b.field, "vi") || (a.field < b.field ? -1 : a.field > b.field ? 1 : 0),
    );
  const total = rows.reduce<Report06aCounts>(
    (sum, { field: _field, ...counts }) => addCounts(sum, counts),
    ZERO,
  );
  return { from: period.from, to: period.to, total, rows };
}
