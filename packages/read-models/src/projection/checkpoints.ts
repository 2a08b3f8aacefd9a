import { sql } from "kysely";
import type { ReadModelDb } from "../database";
import { ReadModelError } from "../errors";
import { assertSchemaName } from "../schema-name";

export interface PartitionCheckpoint {
  readonly partition: number;
  /** Every event of this partition at or below this position is applied. */
  readonly position: number;
}

/**
 * Declares how many partitions feed this read-model version and gives each a checkpoint row (at 0 if
 * new). The projector calls it once at start; a version's partition count never changes (changing it
 * means a rebuild into a new version), so a different count is refused.
 */
export async function ensureCheckpoints(db: ReadModelDb, schema: string, partitions: number): Promise<void> {
  assertSchemaName(schema);
  if (!Number.isSafeInteger(partitions) || partitions < 1) {
    throw new ReadModelError(
      "read_models.invalid_partition",
      "the partition count must be a whole number ≥ 1",
    );
  }
  const s = db.withSchema(schema);
  await s
    .insertInto("projection_settings")
    .values({ partitions })
    .onConflict((oc) => oc.column("id").doNothing())
    .execute();
  const settings = await s.selectFrom("projection_settings").select("partitions").executeTakeFirstOrThrow();
  if (settings.partitions !== partitions) {
    throw new ReadModelError(
      "read_models.partition_count_changed",
      `${schema} is fed by ${settings.partitions} partitions, not ${partitions}; rebuild into a new version to change it`,
    );
  }
  await s
    .insertInto("checkpoints")
    .values(Array.from({ length: partitions }, (_, partition) => ({ partition, position: 0 })))
    .onConflict((oc) => oc.column("partition").doNothing())
    .execute();
}

export async function readCheckpoints(db: ReadModelDb, schema: string): Promise<PartitionCheckpoint[]> {
  assertSchemaName(schema);
  const rows = await db
    .withSchema(schema)
    .selectFrom("checkpoints")
    .select(["partition", "position"])
    .orderBy("partition")
    .execute();
  return rows.map((r) => ({ partition: r.partition, position: Number(r.position) }));
}

/**
 * The global position the read models reflect: every event at or below it is applied. It is the lowest
 * checkpoint over the declared partitions (a partition without a row counts as 0). A partition's
 * checkpoint covers positions that held none of its events once the feeder says so (`throughPosition`),
 * so idle partitions do not hold it back. Before `ensureCheckpoints` declared the partitions it is 0:
 * without knowing them, nothing can be promised.
 */
export async function readPosition(db: ReadModelDb, schema: string): Promise<number> {
  assertSchemaName(schema);
  // One round trip (the API asks before every read, the freshness bench every 2 ms).
  const { rows } = await sql<{ partitions: number; found: string; position: string | null }>`
    select s.partitions, count(c.partition) as found, min(c.position) as position
    from ${sql.table(`${schema}.projection_settings`)} s
    left join ${sql.table(`${schema}.checkpoints`)} c on c.partition < s.partitions
    group by s.partitions`.execute(db);
  const row = rows[0];
  if (row === undefined || Number(row.found) < row.partitions) return 0;
  return Number(row.position ?? 0);
}
