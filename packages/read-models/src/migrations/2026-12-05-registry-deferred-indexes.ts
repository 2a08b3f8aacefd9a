import type { Kysely } from "kysely";

/**
 * The secondary indexes a rebuild dropped from a version nobody reads yet, to build them once it is
 * filled (`deferSecondaryIndexes` in `versions.ts`): recorded here, so a rebuild that stops half-way leaves them known.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("deferred_indexes")
    .addColumn("schema_name", "text", (c) => c.notNull())
    .addColumn("index_name", "text", (c) => c.notNull())
    .addColumn("definition", "text", (c) => c.notNull())
    .addPrimaryKeyConstraint("deferred_indexes_pkey", ["schema_name", "index_name"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("deferred_indexes").ifExists().execute();
}
