import { sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openTestDatabase, type ReadModelTestDatabase } from "./test-support/database.test-support";
import {
  activateReadModelVersion,
  activeReadModelVersion,
  deferSecondaryIndexes,
  dropReadModelVersion,
  listReadModelVersions,
  migrateReadModels,
  restoreDeferredIndexes,
} from "./versions";

let t: ReadModelTestDatabase;

beforeAll(async () => {
  t = await openTestDatabase("versions");
});
afterAll(async () => {
  await t?.close();
});

const tablesIn = async (schema: string) =>
  (
    await sql<{ table_name: string }>`
      select table_name from information_schema.tables where table_schema = ${schema} order by table_name`.execute(
      t.db,
    )
  ).rows.map((r) => r.table_name);

describe("read-model versions", () => {
  it("creates each version's tables in its own schema, and migrating again changes nothing", async () => {
    expect(await activeReadModelVersion(t.db)).toBeNull();
    await Promise.all([migrateReadModels(t.db, "rm_v1"), migrateReadModels(t.db, "rm_v1")]);
    await migrateReadModels(t.db, "rm_v1");
    await migrateReadModels(t.db, "rm_v2");
    const tables = await tablesIn("rm_v1");
    for (const table of [
      "dossiers",
      "process_steps",
      "dossier_deadlines",
      "dossier_pauses",
      "overdue_spans",
      "report_counts",
      "dossier_ratings",
      "checkpoints",
    ]) {
      expect(tables).toContain(table);
    }
    expect(await tablesIn("rm_v2")).toEqual(tables);
    expect((await listReadModelVersions(t.db)).map((v) => [v.schemaName, v.active])).toEqual([
      ["rm_v1", false],
      ["rm_v2", false],
    ]);
  });

  it("serves one version at a time and switches when told", async () => {
    await activateReadModelVersion(t.db, "rm_v1");
    expect(await activeReadModelVersion(t.db)).toBe("rm_v1");
    await activateReadModelVersion(t.db, "rm_v2");
    expect(await activeReadModelVersion(t.db)).toBe("rm_v2");
    const versions = await listReadModelVersions(t.db);
    expect(versions.filter((v) => v.active).map((v) => v.schemaName)).toEqual(["rm_v2"]);
    expect(versions.find((v) => v.schemaName === "rm_v2")?.activatedAt).not.toBeNull();
    await expect(activateReadModelVersion(t.db, "rm_v9")).rejects.toMatchObject({
      code: "read_models.unknown_version",
    });
  });

  it("drops a retired version but never the one serving", async () => {
    await expect(dropReadModelVersion(t.db, "rm_v2")).rejects.toMatchObject({
      code: "read_models.version_active",
    });
    await dropReadModelVersion(t.db, "rm_v1");
    expect(await tablesIn("rm_v1")).toEqual([]);
    expect((await listReadModelVersions(t.db)).map((v) => v.schemaName)).toEqual(["rm_v2"]);
  });

  it("defers a never-activated version's secondary indexes and builds them back as they were, never a served version's", async () => {
    const indexesOf = async (schema: string) =>
      (
        await sql<{ name: string; definition: string; unique: boolean }>`
          select c.relname as name, replace(pg_get_indexdef(i.indexrelid), ${`${schema}.`}, '') as definition,
            i.indisunique as unique
          from pg_index i join pg_class c on c.oid = i.indexrelid join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = ${schema} order by c.relname`.execute(t.db)
      ).rows;
    await migrateReadModels(t.db, "rm_v5");
    const all = await indexesOf("rm_v5");
    const secondary = all.filter((i) => !i.unique && !i.name.endsWith("_pkey"));
    expect(secondary.map((i) => i.name)).toEqual(
      expect.arrayContaining(["dossiers_due", "dossiers_units_held"]),
    );

    expect(await deferSecondaryIndexes(t.db, "rm_v5")).toBe(secondary.length);
    // Keys and unique constraints stay: the projection's upserts and the code's uniqueness need them.
    expect(await indexesOf("rm_v5")).toEqual(all.filter((i) => !secondary.includes(i)));
    expect(await deferSecondaryIndexes(t.db, "rm_v5")).toBe(0);
    // Migrating (a resumed rebuild does) builds them first; so does activating.
    await migrateReadModels(t.db, "rm_v5");
    expect(await indexesOf("rm_v5")).toEqual(all);
    expect(await deferSecondaryIndexes(t.db, "rm_v5")).toBe(secondary.length);
    const [built, again] = await Promise.all([
      restoreDeferredIndexes(t.db, "rm_v5"),
      restoreDeferredIndexes(t.db, "rm_v5"),
    ]);
    expect(built + again).toBe(secondary.length);
    expect(await indexesOf("rm_v5")).toEqual(all);

    expect(await deferSecondaryIndexes(t.db, "rm_v5")).toBe(secondary.length);
    await activateReadModelVersion(t.db, "rm_v5");
    expect(await indexesOf("rm_v5")).toEqual(all);
    // Active, or once active: never touched.
    expect(await deferSecondaryIndexes(t.db, "rm_v5")).toBe(0);
    await activateReadModelVersion(t.db, "rm_v2");
    expect(await deferSecondaryIndexes(t.db, "rm_v5")).toBe(0);
    expect(await indexesOf("rm_v5")).toEqual(all);
    await dropReadModelVersion(t.db, "rm_v5");
  });

  it("accepts only plain schema names", async () => {
    for (const name of ['rm_v1"; drop table x; --', "RM_V1", "rm_meta", "pg_catalog", ""]) {
      await expect(migrateReadModels(t.db, name), name).rejects.toMatchObject({
        code: "read_models.invalid_schema_name",
      });
    }
  });
});
