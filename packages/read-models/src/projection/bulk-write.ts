import { type Kysely, type RawBuilder, sql } from "kysely";
import type { PgType } from "../columns";

export type ColumnTypes<R> = { readonly [K in keyof R & string]: PgType };

export interface BulkUpsert<R> {
  /** Schema-qualified, e.g. `rm_v1.dossiers`. */
  readonly table: string;
  /** Every column written, with its type. */
  readonly columns: ColumnTypes<R>;
  /** The conflict target; omitted: a plain insert. */
  readonly key?: readonly (keyof R & string)[];
  /** What a conflicting row becomes, per non-key column; omitted: the new value (`excluded.column`). */
  readonly merge?: (column: keyof R & string) => RawBuilder<unknown>;
}

/**
 * `INSERT … SELECT … FROM json_to_recordset($1::json) AS t(column type, …) ON CONFLICT …`: the rows travel
 * as ONE JSON parameter, whatever their number, so a batch of a thousand rows is one short statement that
 * Postgres plans at once (a multi-row VALUES would carry tens of thousands of parameters), and turning the
 * rows into that parameter is one native `JSON.stringify` rather than pg's element-by-element array
 * escaping. JSON arrays become Postgres arrays (`text[]`); absent values become NULL. Kysely builds every
 * other statement of this package; this one is the hot path of the projection.
 */
export async function bulkUpsert<R>(
  // biome-ignore lint/suspicious/noExplicitAny: raw statements on the caller's transaction, whatever its table types.
  trx: Kysely<any>,
  spec: BulkUpsert<R>,
  rows: readonly R[],
): Promise<void> {
  if (rows.length === 0) return;
  const names = Object.keys(spec.columns) as (keyof R & string)[];
  const columnList = sql.join(names.map((n) => sql.ref(n)));
  const definitions = sql.join(names.map((n) => sql`${sql.ref(n)} ${sql.raw(spec.columns[n])}`));
  let conflict: RawBuilder<unknown> = sql``;
  if (spec.key !== undefined) {
    const key = spec.key;
    const rest = names.filter((n) => !key.includes(n));
    const set = sql.join(
      rest.map((n) => sql`${sql.ref(n)} = ${spec.merge ? spec.merge(n) : sql.ref(`excluded.${n}`)}`),
    );
    conflict = sql`on conflict (${sql.join(key.map((k) => sql.ref(k)))}) do update set ${set}`;
  }
  await sql`insert into ${sql.table(spec.table)} (${columnList})
    select ${columnList} from json_to_recordset(${JSON.stringify(rows)}::json) as t(${definitions}) ${conflict}`.execute(
    trx,
  );
}
