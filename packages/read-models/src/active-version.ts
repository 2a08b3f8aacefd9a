import type { ReadModelDb } from "./database";
import { ensureCheckpoints } from "./projection/checkpoints";
import { readModelSchemaName } from "./schema-name";
import {
  type AnyKysely,
  activateReadModelVersion,
  activeReadModelVersion,
  listReadModelVersions,
  migrateReadModels,
} from "./versions";

/**
 * The active version, remembered for `ttlMs` (default 1 s): a read or a projection job asks thousands of
 * times a second, a rebuild switches it seldom. The one cache over `activeReadModelVersion`, used by the
 * API's reads and the projector's workers.
 */
export class ActiveVersionCache {
  private value: { schema: string; at: number } | null = null;

  constructor(
    private readonly db: AnyKysely,
    private readonly ttlMs = 1_000,
  ) {}

  private fresh(): { schema: string; at: number } | null {
    return this.value !== null && Date.now() - this.value.at < this.ttlMs ? this.value : null;
  }

  /** The active version, or null before any was activated (looked up again on every call until then). */
  async current(): Promise<string | null> {
    const cached = this.fresh();
    if (cached) return cached.schema;
    const at = Date.now();
    const schema = await activeReadModelVersion(this.db);
    this.value = schema === null ? null : { schema, at };
    return schema;
  }

  /** Whether `schema` is the active version; a question about any other version asks the database again. */
  async isActive(schema: string): Promise<boolean> {
    if (this.fresh()?.schema === schema) return true;
    this.value = null;
    return (await this.current()) === schema;
  }
}

/**
 * The active version, making the first one on a deployment's first start (empty; the feeder fills it from
 * position 0). Null while versions exist but none is active: the first rebuild is under way and will
 * activate its own. The projector and the API both call it, whichever starts first.
 */
export async function ensureActiveReadModelVersion(
  db: AnyKysely,
  partitions: number,
): Promise<string | null> {
  const active = await activeReadModelVersion(db);
  if (active !== null) return active;
  const versions = await listReadModelVersions(db).catch(() => []);
  if (versions.length > 0) return null;
  const first = readModelSchemaName(1);
  await migrateReadModels(db, first);
  await ensureCheckpoints(db as ReadModelDb, first, partitions);
  await activateReadModelVersion(db, first);
  return activeReadModelVersion(db);
}
