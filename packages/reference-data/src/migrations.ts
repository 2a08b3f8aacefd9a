import { type Kysely, sql } from "kysely";

/**
 * Creates the `ref` schema. Idempotent, so every process may run it at start. Written against
 * `Kysely<any>` so it never depends on the application's table types.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations must not import application types
export async function migrateReferenceData(db: Kysely<any>): Promise<void> {
  await sql`CREATE SCHEMA IF NOT EXISTS ref`.execute(db);
  // Serialise concurrent start-ups racing to create the same tables.
  await db.transaction().execute(async (trx) => {
    await sql`SELECT pg_advisory_xact_lock(hashtext('motcua.ref.migrate'))`.execute(trx);
    const s = trx.schema.withSchema("ref");
    await s
      .createTable("units")
      .ifNotExists()
      .addColumn("unit_id", "text", (c) => c.primaryKey())
      .addColumn("code", "text", (c) => c.notNull().unique())
      .addColumn("name", "text", (c) => c.notNull())
      .addColumn("level", "text", (c) => c.notNull())
      .addColumn("parent_id", "text")
      .addColumn("valid_from", "date")
      .addColumn("valid_to", "date")
      .addColumn("successor_id", "text")
      .addColumn("office_hours", "jsonb")
      .addColumn("updated_at", "timestamptz", (c) => c.notNull())
      .execute();
    await s.createIndex("units_parent_idx").ifNotExists().on("units").column("parent_id").execute();
    await s
      .createTable("procedure_versions")
      .ifNotExists()
      .addColumn("procedure_id", "text", (c) => c.notNull())
      .addColumn("version", "integer", (c) => c.notNull())
      .addColumn("definition", "jsonb", (c) => c.notNull())
      .addColumn("created_at", "timestamptz", (c) => c.notNull())
      .addPrimaryKeyConstraint("procedure_versions_pk", ["procedure_id", "version"])
      .execute();
    await s
      .createTable("calendars")
      .ifNotExists()
      .addColumn("year", "integer", (c) => c.primaryKey())
      .addColumn("definition", "jsonb", (c) => c.notNull())
      .addColumn("updated_at", "timestamptz", (c) => c.notNull())
      .execute();
    await s
      .createTable("dossier_code_sequences")
      .ifNotExists()
      .addColumn("unit_id", "text", (c) => c.notNull())
      .addColumn("day", "date", (c) => c.notNull())
      .addColumn("last", "integer", (c) => c.notNull())
      .addPrimaryKeyConstraint("dossier_code_sequences_pk", ["unit_id", "day"])
      .execute();
    await s
      .createTable("changes")
      .ifNotExists()
      .addColumn("change_id", "bigserial", (c) => c.primaryKey())
      .addColumn("at", "timestamptz", (c) => c.notNull())
      .addColumn("actor_id", "text", (c) => c.notNull())
      .addColumn("kind", "text", (c) => c.notNull())
      .addColumn("key", "text", (c) => c.notNull())
      .addColumn("before", "jsonb")
      .addColumn("after", "jsonb", (c) => c.notNull())
      .execute();
  });
}
