import { type ColumnType, sql } from "kysely";
import { isoOrNull } from "./local-time";

/**
 * A read-model table is described once, as an object of columns; everything else about the table is
 * derived from that description: the row the projection keeps in memory (`RowOf`), the Kysely table
 * type (`TableOf`), the Postgres types the bulk write declares (`pgTypesOf`), the empty row
 * (`emptyRowOf`) and the conversion of a row read back from Postgres (`rowFromDb`). A test checks the
 * migrations built the tables these descriptions say.
 */

/** A column's Postgres type, as `json_to_recordset` reads it out of the rows' JSON. */
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

/**
 * Instants as `Date` when read, `Date` or ISO string when written. Column types say what the default
 * `pg` driver returns: queries convert at their edge, so callers never see a driver type.
 */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A local calendar date (Asia/Ho_Chi_Minh). Written as `YYYY-MM-DD`; read back only through `::text`. */
export type LocalDateColumn = ColumnType<Date, string, string>;
export type Int8 = ColumnType<string, number | string | bigint, number | string | bigint>;

/**
 * One column: its Postgres type, whether it may be null, its value in the projection's memory
 * (`Value`: instants as ISO strings in +07:00, local dates as `YYYY-MM-DD`), and its Kysely type.
 */
export interface Column<Value, Kysely, Nullable extends boolean> {
  readonly pg: PgType;
  readonly nullable: Nullable;
  /** The value of a fresh row; null for nullable columns. */
  readonly empty: Value | null;
  /** Type-level only. */
  readonly _value?: Value;
  readonly _kysely?: Kysely;
}

// biome-ignore lint/suspicious/noExplicitAny: a description holds columns of every value type.
export type Columns = Readonly<Record<string, Column<any, any, boolean>>>;

export interface NotNullColumn<Value, Kysely> extends Column<Value, Kysely, false> {
  /** The same column, nullable. */
  orNull(): Column<Value, Kysely, true>;
}

function define<Value, Kysely = Value>(pg: PgType, empty: Value): NotNullColumn<Value, Kysely> {
  return { pg, nullable: false, empty, orNull: () => ({ pg, nullable: true, empty: null }) };
}

export const uuid = () => define<string>("uuid", "");
/** Text, optionally narrowed to a union (a status, a kind), with the value a fresh row holds. */
export const text = <T extends string = string>(empty = "" as T) => define<T>("text", empty);
export const textArray = () => define<string[]>("text[]", []);
export const int4 = () => define<number>("int4", 0);
export const int8 = () => define<number, Int8>("int8", 0);
export const float8 = () => define<number>("float8", 0);
export const bool = () => define<boolean>("bool", false);
export const localDate = () => define<string, LocalDateColumn>("date", "");
export const timestamptz = () => define<string, Timestamp>("timestamptz", "");

// biome-ignore lint/suspicious/noExplicitAny: matches any column.
type AnyColumn = Column<any, any, boolean>;
type ValueOf<C> = C extends Column<infer V, unknown, infer N> ? (N extends true ? V | null : V) : never;
type KyselyOf<C> = C extends Column<unknown, infer K, infer N> ? (N extends true ? K | null : K) : never;

/** The row as the projection holds it in memory and hands it to the bulk write. */
export type RowOf<D extends Columns> = { -readonly [K in keyof D]: ValueOf<D[K]> };
/** The Kysely table type. */
export type TableOf<D extends Columns> = { [K in keyof D]: KyselyOf<D[K]> };

/** The Postgres type of every column, in the description's order. */
export const pgTypesOf = <D extends Columns>(description: D): { readonly [K in keyof D & string]: PgType } =>
  Object.fromEntries(Object.entries(description).map(([name, c]) => [name, c.pg])) as {
    [K in keyof D & string]: PgType;
  };

/** A fresh row: nulls, zeros, false, empty lists, and each text column's own empty value. */
export const emptyRowOf = <D extends Columns>(description: D): RowOf<D> =>
  Object.fromEntries(
    Object.entries(description).map(([name, c]) => [name, Array.isArray(c.empty) ? [] : c.empty]),
  ) as RowOf<D>;

/**
 * The select list reading a row back as the projection holds it: local dates through `::text` (the
 * driver would turn them into midnight in the server's zone); `rowFromDb` does the rest.
 */
export const selectionOf = (description: Columns) =>
  Object.entries(description).map(([name, c]) =>
    c.pg === "date" ? sql<string | null>`${sql.ref(name)}::text`.as(name) : sql.ref(name).as(name),
  );

/** Instants become ISO strings in +07:00 and bigints numbers, as the projection compares them. */
export function rowFromDb<D extends Columns>(description: D, stored: Record<string, unknown>): RowOf<D> {
  const row: Record<string, unknown> = {};
  for (const [name, c] of Object.entries(description) as [string, AnyColumn][]) {
    const value = stored[name];
    row[name] =
      c.pg === "timestamptz"
        ? isoOrNull(value as Date | null)
        : c.pg === "int8" && value !== null
          ? Number(value)
          : value;
  }
  return row as RowOf<D>;
}
