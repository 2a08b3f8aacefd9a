import type { EventStore } from "@motcua/event-store";
import type { Logger } from "@motcua/platform";
import { activeReadModelVersion, type ReadModelDb, readPosition } from "@motcua/read-models";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { migrateProjectorTables } from "./dead-letters";
import { type Feeder, type FeederOptions, PROJECTION_JOB_OPTIONS, startFeeder } from "./feeder";
import { PROJECTION_QUEUE, type ProjectionJobData } from "./job";
import {
  type JobOutcome,
  type ProjectionWorker,
  type ProjectionWorkerOptions,
  startProjectionWorker,
} from "./worker";

/** The projection queue of a deployment (`prefix` = REDIS_PREFIX), as the feeder, workers and bull-board see it. */
export function createProjectionQueue(connection: Redis, prefix: string): Queue<ProjectionJobData> {
  return new Queue<ProjectionJobData>(PROJECTION_QUEUE, {
    connection,
    prefix,
    defaultJobOptions: PROJECTION_JOB_OPTIONS,
  });
}

export interface ProjectorOptions {
  readonly store: EventStore;
  /** The read models' database. */
  readonly db: ReadModelDb;
  /** Its URL, for the feeder's lock connection. */
  readonly databaseUrl: string;
  /** `maxRetriesPerRequest: null` (platform's createRedis). */
  readonly redis: Redis;
  readonly prefix: string;
  readonly partitions: number;
  readonly logger?: Logger;
  /** Run a feeder (it stands by while another holds the lock). Default true. */
  readonly feeder?: boolean;
  /** Run workers in this process. Default true. */
  readonly worker?: boolean;
  /** Jobs in flight in this process. Default 16. */
  readonly concurrency?: number;
  readonly feederOptions?: Partial<
    Omit<FeederOptions, "store" | "db" | "databaseUrl" | "queue" | "partitions" | "logger">
  >;
  readonly workerOptions?: Partial<Omit<ProjectionWorkerOptions, "db" | "connection" | "prefix" | "logger">>;
}

export interface Projector {
  readonly queue: Queue<ProjectionJobData>;
  readonly feeder: Feeder | null;
  readonly worker: ProjectionWorker | null;
  /** Resolves once the active version's read position has reached `position`. */
  caughtUp(position: number, options?: { timeoutMs?: number; pollMs?: number }): Promise<void>;
  /** Graceful: workers finish their jobs, the feeder stops and releases its lock. */
  stop(): Promise<void>;
}

/** Waits until the active read-model version reflects every event up to `position`. */
export async function waitForReadPosition(
  db: ReadModelDb,
  position: number,
  options: { timeoutMs?: number; pollMs?: number } = {},
): Promise<void> {
  const deadline = Date.now() + (options.timeoutMs ?? 60_000);
  let reached = 0;
  for (;;) {
    const schema = await activeReadModelVersion(db);
    if (schema !== null) {
      reached = await readPosition(db, schema);
      if (reached >= position) return;
    }
    if (Date.now() > deadline) {
      throw new Error(`the read models reached position ${reached}, not ${position}, in time`);
    }
    await new Promise((resolve) => setTimeout(resolve, options.pollMs ?? 20));
  }
}

/** The feeder and the workers in this process, as `pnpm projector`, `pnpm start` and the tests run them. */
export async function startProjector(options: ProjectorOptions): Promise<Projector> {
  await migrateProjectorTables(options.db);
  const queue = createProjectionQueue(options.redis, options.prefix);
  const worker =
    options.worker === false
      ? null
      : startProjectionWorker({
          db: options.db,
          connection: options.redis,
          prefix: options.prefix,
          ...(options.concurrency === undefined ? {} : { concurrency: options.concurrency }),
          ...(options.logger === undefined ? {} : { logger: options.logger }),
          ...options.workerOptions,
        });
  const feeder =
    options.feeder === false
      ? null
      : startFeeder({
          store: options.store,
          db: options.db,
          databaseUrl: options.databaseUrl,
          queue,
          partitions: options.partitions,
          ...(options.logger === undefined ? {} : { logger: options.logger }),
          ...options.feederOptions,
        });
  // The feeder hears of the jobs applied here at once (a worker elsewhere: at its next look).
  if (feeder && worker) {
    worker.worker.on("completed", (job, outcome: JobOutcome | undefined) => {
      if (outcome?.kind === "applied")
        feeder.applied(job.data.schema, job.data.partition, outcome.checkpoint);
    });
  }
  return {
    queue,
    feeder,
    worker,
    caughtUp: (position, waitOptions = {}) => waitForReadPosition(options.db, position, waitOptions),
    async stop() {
      await Promise.all([feeder?.stop(), worker?.close()]);
      await queue.close();
    },
  };
}
