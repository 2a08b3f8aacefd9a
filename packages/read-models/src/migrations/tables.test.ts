import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Columns, PgType } from "../columns";
import {
  freshVersion,
  openTestDatabase,
  type ReadModelTestDatabase,
} from "../test-support/database.test-support";
import { READ_MODEL_TABLES } from "../test-support/projection-specification.test-support";

let t: ReadModelTestDatabase;
beforeAll(async () => {
  t = await openTestDatabase("migrated_tables");
});
afterAll(async () => {
  await t?.close();
});

/** How `information_schema` names each type a description uses. */
const UDT_NAMES: Record<PgType, string> = {
  uuid: "uuid",
  text: "text",
  "text[]": "_text",
  int4: "int4",
  int8: "int8",
  float8: "float8",
  bool: "bool",
  date: "date",
  timestamptz: "timestamptz",
};

/** Columns the migrations add that the projection never writes. */
const GENERATED: Record<string, readonly string[]> = { overdue_spans: ["days"] };

const described = (columns: Columns) =>
  Object.fromEntries(
    Object.entries(columns).map(([name, c]) => [
      name,
      `${UDT_NAMES[c.pg]}${c.nullable ? " null" : " not null"}`,
    ]),
  );

describe("the migrations", () => {
  it("build every read-model table with exactly the columns, types and nullability its table.ts describes", async () => {
    const schema = "rm_described";
    await freshVersion(t.db, schema, 1);
    const { rows } = await sql<{
      table_name: string;
      column_name: string;
      udt_name: string;
      is_nullable: string;
    }>`
      select table_name, column_name, udt_name, is_nullable from information_schema.columns
      where table_schema = ${schema}`.execute(t.db);
    for (const [table, { columns }] of Object.entries(READ_MODEL_TABLES)) {
      const built = Object.fromEntries(
        rows
          .filter((r) => r.table_name === table && !(GENERATED[table] ?? []).includes(r.column_name))
          .map((r) => [r.column_name, `${r.udt_name}${r.is_nullable === "YES" ? " null" : " not null"}`]),
      );
      expect(built, table).toEqual(described(columns));
    }
  });
});
