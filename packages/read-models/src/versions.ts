import { type Generated, type Kysely, type Migration, Migrator, sql } from "kysely";
import { ReadModelError } from "./errors";
import { readModelMigrations, registryMigrations } from "./migrations";
import { assertSchemaName } from "./schema-name";

// biome-ignore lint/suspicious/noExplicitAny: migrations and the registry run on an untyped Kysely by design.
export type AnyKysely = Kysely<any>;

/** Where the registry of read-model versions lives. */
export const REGISTRY_SCHEMA = "rm_meta";

interface RegistryDatabase {
  versions: {
    schema_name: string;
    created_at: Generated<Date>;
    activated_at: Date | null;
    active: Generated<boolean>;
  };
  deferred_indexes: {
    schema_name: string;
    index_name: string;
    definition: string;
  };
}

export interface ReadModelVersion {
  readonly schemaName: string;
  readonly createdAt: string;
  readonly activatedAt: string | null;
  readonly active: boolean;
}

async function migrateSchema(db: AnyKysely, schema: string, migrations: Readonly<Record<string, Migration>>) {
  const migrator = new Migrator({
    db: db.withSchema(schema),
    provider: { getMigrations: async () => ({ ...migrations }) },
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === "Error")?.migrationName;
    throw new ReadModelError(
      "read_models.migration_failed",
      `migrating schema ${schema}${failed ? ` failed at ${failed}` : ""}: ${
        error instanceof Error ? error.message : String(error)
      }`,
    );
  }
}

const registry = (db: AnyKysely) => (db as Kysely<RegistryDatabase>).withSchema(REGISTRY_SCHEMA);

/**
 * Creates (or brings up to date) the read-model tables of one projection version in their own schema,
 * and lists the version in the registry, inactive until `activateReadModelVersion`. Idempotent and safe
 * to run from several processes at once (the migrator takes a lock).
 */
export async function migrateReadModels(db: AnyKysely, schema: string): Promise<void> {
  assertSchemaName(schema);
  await migrateSchema(db, REGISTRY_SCHEMA, registryMigrations);
  // A migration meets the indexes it was written against, even in a rebuild's version that dropped them.
  await restoreDeferredIndexes(db, schema);
  await migrateSchema(db, schema, readModelMigrations(schema));
  await registry(db)
    .insertInto("versions")
    .values({ schema_name: schema })
    .onConflict((oc) => oc.column("schema_name").doNothing())
    .execute();
}

/** Makes `schema` the version that queries read; the previous one stays until dropped. */
export async function activateReadModelVersion(db: AnyKysely, schema: string): Promise<void> {
  assertSchemaName(schema);
  // Never serve a version without its indexes (a rebuild builds them itself before it activates).
  await restoreDeferredIndexes(db, schema);
  await db.transaction().execute(async (trx) => {
    const known = await registry(trx)
      .selectFrom("versions")
      .select("schema_name")
      .where("schema_name", "=", schema)
      .forUpdate()
      .executeTakeFirst();
    if (!known) {
      throw new ReadModelError(
        "read_models.unknown_version",
        `read-model version ${schema} was never migrated; run migrateReadModels first`,
      );
    }
    await registry(trx)
      .updateTable("versions")
      .set({ active: false })
      .where("active", "=", true)
      .where("schema_name", "<>", schema)
      .execute();
    await registry(trx)
      .updateTable("versions")
      .set({ active: true, activated_at: new Date() })
      .where("schema_name", "=", schema)
      .where("active", "=", false)
      .execute();
  });
}

/** The schema queries should read, or null before any version was activated. */
export async function activeReadModelVersion(db: AnyKysely): Promise<string | null> {
  try {
    const row = await registry(db)
      .selectFrom("versions")
      .select("schema_name")
      .where("active", "=", true)
      .executeTakeFirst();
    return row?.schema_name ?? null;
  } catch (error) {
    // 42P01: the registry does not exist yet, so nothing is active.
    if ((error as { code?: string }).code === "42P01") return null;
    throw error;
  }
}

export async function listReadModelVersions(db: AnyKysely): Promise<ReadModelVersion[]> {
  const rows = await registry(db).selectFrom("versions").selectAll().orderBy("created_at").execute();
  return rows.map((r) => ({
    schemaName: r.schema_name,
    createdAt: new Date(r.created_at).toISOString(),
    activatedAt: r.activated_at === null ? null : new Date(r.activated_at).toISOString(),
    active: r.active,
  }));
}

/** Drops a version's schema and its registry entry: refused for the active version. */
export async function dropReadModelVersion(db: AnyKysely, schema: string): Promise<void> {
  assertSchemaName(schema);
  await db.transaction().execute(async (trx) => {
    const row = await registry(trx)
      .selectFrom("versions")
      .select("active")
      .where("schema_name", "=", schema)
      .forUpdate()
      .executeTakeFirst();
    if (row?.active) {
      throw new ReadModelError(
        "read_models.version_active",
        `read-model version ${schema} is active; activate another version before dropping it`,
      );
    }
    await trx.schema.dropSchema(schema).ifExists().cascade().execute();
    await registry(trx).deleteFrom("deferred_indexes").where("schema_name", "=", schema).execute();
    await registry(trx).deleteFrom("versions").where("schema_name", "=", schema).execute();
  });
}

/**
 * For a rebuild into a version nobody reads yet (never activated): drops its tables' secondary indexes
 * — neither unique nor primary keys, which the projection's upserts and the constraints need — and
 * records their definitions, so the fill maintains only the keys and the indexes are built once from
 * the filled tables by `restoreDeferredIndexes` (one sort per index instead of an index entry per row
 * version written). Does nothing to a version that is or was active. Answers how many were dropped.
 */
export async function deferSecondaryIndexes(db: AnyKysely, schema: string): Promise<number> {
  assertSchemaName(schema);
  return db.transaction().execute(async (trx) => {
    const version = await registry(trx)
      .selectFrom("versions")
      .select(["active", "activated_at"])
      .where("schema_name", "=", schema)
      .forUpdate()
      .executeTakeFirst();
    if (version === undefined || version.active || version.activated_at !== null) return 0;
    const { rows } = await sql<{ name: string; definition: string }>`
      select c.relname as name, pg_get_indexdef(i.indexrelid) as definition
      from pg_index i
      join pg_class c on c.oid = i.indexrelid
      join pg_namespace n on n.oid = c.relnamespace
      where n.nspname = ${schema} and not i.indisunique and not i.indisprimary and not i.indisexclusion
        and not exists (select 1 from pg_constraint k where k.conindid = i.indexrelid)
      order by c.relname`.execute(trx);
    if (rows.length === 0) return 0;
    await registry(trx)
      .insertInto("deferred_indexes")
      .values(rows.map((r) => ({ schema_name: schema, index_name: r.name, definition: r.definition })))
      .onConflict((oc) => oc.columns(["schema_name", "index_name"]).doNothing())
      .execute();
    for (const { name } of rows) await sql`drop index ${sql.table(`${schema}.${name}`)}`.execute(trx);
    return rows.length;
  });
}

/**
 * Builds the indexes `deferSecondaryIndexes` dropped from `schema`, each in a transaction that also
 * strikes it from the record (so two callers build each once). Nothing to do answers 0 at the cost of
 * one query.
 */
export async function restoreDeferredIndexes(db: AnyKysely, schema: string): Promise<number> {
  assertSchemaName(schema);
  const names = await registry(db)
    .selectFrom("deferred_indexes")
    .select("index_name")
    .where("schema_name", "=", schema)
    .orderBy("index_name")
    .execute()
    .catch((error: { code?: string }) => {
      // 42P01: the registry does not exist yet (or predates the record), so nothing was deferred.
      if (error.code === "42P01") return [];
      throw error;
    });
  let built = 0;
  for (const { index_name } of names) {
    built += await db.transaction().execute(async (trx) => {
      const row = await registry(trx)
        .deleteFrom("deferred_indexes")
        .where("schema_name", "=", schema)
        .where("index_name", "=", index_name)
        .returning("definition")
        .executeTakeFirst();
      if (row === undefined) return 0;
      const definition = row.definition.replace(/^CREATE INDEX /, "CREATE INDEX IF NOT EXISTS ");
      await sql.raw(definition).execute(trx);
      return 1;
    });
  }
  return built;
}
