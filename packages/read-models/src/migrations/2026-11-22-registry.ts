import { type Kysely, sql } from "kysely";

/** The registry of read-model versions (schema `rm_meta`): which versions exist and which one serves. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("versions")
    .addColumn("schema_name", "text", (c) => c.primaryKey())
    .addColumn("created_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .addColumn("activated_at", "timestamptz")
    .addColumn("active", "boolean", (c) => c.notNull().defaultTo(false))
    .execute();
  // At most one version serves at a time.
  await db.schema
    .createIndex("versions_one_active")
    .on("versions")
    .column("active")
    .unique()
    .where(sql.ref("active"), "=", true)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("versions").ifExists().execute();
}
