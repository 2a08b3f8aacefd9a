import {
  type AnyKysely,
  activateReadModelVersion,
  activeReadModelVersion,
  ensureCheckpoints,
  migrateReadModels,
  type ReadModelDb,
  readModelSchemaName,
  readPosition,
} from "@motcua/read-models";
import { AppError } from "../problem";

/**
 * Makes sure a read-model version exists and is active (the first start of an empty database); the
 * projector and the API both call it, whichever comes first.
 */
export async function ensureActiveReadModel(db: AnyKysely, partitions: number): Promise<string> {
  const active = await activeReadModelVersion(db);
  if (active) return active;
  const schema = readModelSchemaName(1);
  await migrateReadModels(db, schema);
  await ensureCheckpoints(db as ReadModelDb, schema, partitions);
  await activateReadModelVersion(db, schema);
  return (await activeReadModelVersion(db)) ?? schema;
}

/** The active version's schema, looked up at most once a second (a rebuild switches it). */
export class ReadModelAccess {
  private cached: { schema: string; at: number } | null = null;

  constructor(readonly db: ReadModelDb) {}

  async schema(): Promise<string> {
    const now = Date.now();
    if (this.cached && now - this.cached.at < 1_000) return this.cached.schema;
    const schema = await activeReadModelVersion(this.db);
    if (!schema)
      throw new AppError(503, "read_models.not_ready", "The read models are not set up yet; retry shortly", {
        headers: { "retry-after": "1" },
      });
    this.cached = { schema, at: now };
    return schema;
  }

  /** The global position every read answers: every event at or below it is reflected. */
  async position(): Promise<number> {
    return readPosition(this.db, await this.schema());
  }
}
