import { type Generated, type Kysely, type Migration, Migrator } from "kysely";
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
    await registry(trx).deleteFrom("versions").where("schema_name", "=", schema).execute();
  });
}
