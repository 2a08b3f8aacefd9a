import { sql } from "kysely";
import type { ReadModelDb } from "../database";
import { assertSchemaName } from "../schema-name";
import { INDICATOR_766_COUNT_COLUMNS, type Indicator766CountColumn } from "./table";

export type Indicator766Sums = Record<Indicator766CountColumn, number>;

/** One receiving unit's 766 counts over whole months, and the procedures some of them concern. */
export interface UnitIndicator766Counts {
  readonly unitId: string;
  readonly sums: Indicator766Sums;
  /** Procedures with an online receipt in the period (3.2). */
  readonly onlineProcedures: readonly string[];
  /** Procedures with fees requested or paid in the period (P.B's denominator). */
  readonly feeProcedures: readonly string[];
  /** Procedures with a fee paid online in the period (P.B's numerator). */
  readonly paidOnlineProcedures: readonly string[];
}

export const zeroSums = (): Indicator766Sums =>
  Object.fromEntries(INDICATOR_766_COUNT_COLUMNS.map((c) => [c, 0])) as Indicator766Sums;

/**
 * The 766 counts of each unit of `unitIds` for dossiers received in the months from `fromMonth` to
 * `toMonth` (first days of months, both included), in one statement: the rows of a unit and procedure
 * are summed first, then each unit's sums and procedure lists are gathered. Units with no row are
 * absent.
 */
export async function indicator766Counts(
  db: ReadModelDb,
  schema: string,
  unitIds: readonly string[],
  fromMonth: string,
  toMonth: string,
): Promise<UnitIndicator766Counts[]> {
  if (unitIds.length === 0) return [];
  const units = [...new Set(unitIds)];
  const table = sql.table(`${assertSchemaName(schema)}.indicator766_counts`);
  const columns = INDICATOR_766_COUNT_COLUMNS.map((c) => sql.ref(c));
  const { rows } = await sql<Record<string, unknown>>`
    with per_procedure as (
      select receiving_unit_id, procedure_id,
        ${sql.join(columns.map((c, i) => sql`sum(${c})::int as ${sql.ref(INDICATOR_766_COUNT_COLUMNS[i] as string)}`))}
      from ${table}
      where receiving_unit_id in (select unnest(${sql.val(units)}::text[]))
        and month between ${fromMonth}::date and ${toMonth}::date
      group by receiving_unit_id, procedure_id
    )
    select receiving_unit_id,
      ${sql.join(columns.map((c, i) => sql`sum(${c})::int as ${sql.ref(INDICATOR_766_COUNT_COLUMNS[i] as string)}`))},
      coalesce(array_agg(procedure_id) filter (where received_online > 0), '{}') as online_procedures,
      coalesce(array_agg(procedure_id) filter (where fee_requests > 0 or fees_paid > 0), '{}') as fee_procedures,
      coalesce(array_agg(procedure_id) filter (where fees_paid_online > 0), '{}') as paid_online_procedures
    from per_procedure
    group by receiving_unit_id`.execute(db);
  return rows.map((row) => ({
    unitId: String(row.receiving_unit_id),
    sums: Object.fromEntries(
      INDICATOR_766_COUNT_COLUMNS.map((c) => [c, Number(row[c] ?? 0)]),
    ) as Indicator766Sums,
    onlineProcedures: row.online_procedures as string[],
    feeProcedures: row.fee_procedures as string[],
    paidOnlineProcedures: row.paid_online_procedures as string[],
  }));
}
