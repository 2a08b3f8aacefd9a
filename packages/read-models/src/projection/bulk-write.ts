import { type Kysely, type RawBuilder, sql } from "kysely";

/** A column's Postgres type, as the element type of the array it travels in. */
export type PgType =
  | "uuid"
  | "text"
  | "text[]"
  | "int4"
  | "int8"
  | "float8"
  | "bool"
  | "date"
  | "timestamptz";

export type ColumnTypes<R> = { readonly [K in keyof R & string]: PgType };

export interface BulkUpsert<R> {
  /** Schema-qualified, e.g. `rm_v1.dossiers`. */
  readonly table: string;
  /** Every column written, with its type: rows travel as one array per column. */
  readonly columns: ColumnTypes<R>;
  /** The conflict target; omitted: a plain insert. */
  readonly key?: readonly (keyof R & string)[];
  /** What a conflicting row becomes, per non-key column; omitted: the new value (`excluded.column`). */
  readonly merge?: (column: keyof R & string) => RawBuilder<unknown>;
}

/** `{"a","b"}`: a text[] value written as one text element, since arrays of arrays do not unnest row by row. */
const textArrayLiteral = (values: readonly string[]) =>
  `{${values.map((v) => `"${v.replace(/\\/g, "\\\\").replace(/"/g, '\\"')}"`).join(",")}}`;

/**
 * `INSERT … SELECT … FROM unnest($1::type[], $2::type[], …) ON CONFLICT …`: one parameter per column
 * whatever the number of rows, so a batch of a thousand rows is one short statement that Postgres plans
 * at once, where a multi-row VALUES would carry tens of thousands of parameters. Kysely builds every
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
  const arrays = names.map((name) =>
    spec.columns[name] === "text[]"
      ? rows.map((r) => textArrayLiteral(r[name] as readonly string[]))
      : rows.map((r) => (r[name] === undefined ? null : r[name])),
  );
  const columnList = sql.join(names.map((n) => sql.ref(n)));
  const selectList = sql.join(
    names.map((n) => (spec.columns[n] === "text[]" ? sql`${sql.ref(n)}::text[]` : sql.ref(n))),
  );
  const unnested = sql.join(
    names.map((n, i) => {
      const type = spec.columns[n] === "text[]" ? "text" : spec.columns[n];
      return sql`${arrays[i]}::${sql.raw(type)}[]`;
    }),
  );
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
    select ${selectList} from unnest(${unnested}) as t(${columnList}) ${conflict}`.execute(trx);
}
