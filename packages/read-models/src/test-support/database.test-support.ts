import { createTestDatabase, type Random, type TestDatabase } from "@motcua/testing";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import type { ReadModelDb } from "../database";
import type { ProjectableEvent } from "../events";
import { partitionOf } from "../partition";
import { ensureCheckpoints } from "../projection/checkpoints";
import { projectEvents } from "../projection/project-events";
import { migrateReadModels } from "../versions";

export interface ReadModelTestDatabase {
  readonly db: ReadModelDb;
  readonly database: TestDatabase;
  close(): Promise<void>;
}

/** A throw-away database for one test file, with a Kysely on it; `close` drops it. */
export async function openTestDatabase(label: string): Promise<ReadModelTestDatabase> {
  const database = await createTestDatabase(label);
  const db: ReadModelDb = new Kysely({
    dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: database.url, max: 4 }) }),
  });
  return {
    db,
    database,
    async close() {
      await db.destroy();
      await database.drop();
    },
  };
}

/** Migrates a fresh version schema and declares its partitions. */
export async function freshVersion(db: ReadModelDb, schema: string, partitions: number): Promise<void> {
  await migrateReadModels(db, schema);
  await ensureCheckpoints(db, schema, partitions);
}

export interface FeedOptions {
  readonly partitions: number;
  /** Largest batch a job carries. */
  readonly batchSize: number;
  /** When given, partitions take turns at random and batch sizes vary, like independent workers. */
  readonly random?: Random;
}

/**
 * Feeds a log to a version the way the projector does: events grouped by partition (in log order
 * within each), each batch applied in its own transaction. Returns the batches, for replaying.
 */
export async function feed(
  db: ReadModelDb,
  schema: string,
  events: readonly ProjectableEvent[],
  options: FeedOptions,
): Promise<{ partition: number; events: ProjectableEvent[] }[]> {
  const queues = Array.from({ length: options.partitions }, () => [] as ProjectableEvent[]);
  for (const e of events) queues[partitionOf(e.streamId, options.partitions)]?.push(e);
  const batches: { partition: number; events: ProjectableEvent[] }[] = [];
  const cursors = queues.map(() => 0);
  const rng = options.random;
  for (;;) {
    const open = queues.map((q, p) => ((cursors[p] as number) < q.length ? p : -1)).filter((p) => p >= 0);
    if (open.length === 0) break;
    const partition = rng ? rng.pick(open) : (open[0] as number);
    const size = rng ? rng.int(1, options.batchSize) : options.batchSize;
    const from = cursors[partition] as number;
    const batch = (queues[partition] as ProjectableEvent[]).slice(from, from + size);
    cursors[partition] = from + batch.length;
    batches.push({ partition, events: batch });
  }
  for (const batch of batches) {
    await db.transaction().execute((trx) => projectEvents(trx, schema, batch.partition, batch.events));
  }
  // The feeder tells idle partitions how far the log goes, so the read position can reach its end.
  const last = events[events.length - 1]?.position ?? 0;
  for (let partition = 0; partition < options.partitions; partition++) {
    await db
      .transaction()
      .execute((trx) => projectEvents(trx, schema, partition, [], { throughPosition: last }));
  }
  return batches;
}
