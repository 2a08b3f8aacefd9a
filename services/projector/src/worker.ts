import type { Logger } from "@motcua/platform";
import {
  ActiveVersionCache,
  PoisonEventError,
  projectEvents,
  type ReadModelDb,
  ReadModelError,
} from "@motcua/read-models";
import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { sql } from "kysely";
import { recordDeadLetter } from "./dead-letters";
import { PROJECTION_QUEUE, type ProjectionJobData, parseProjectionJobData } from "./job";

/** Read-model errors that no retry can cure: the job goes to the dead letters and its partition halts. */
const UNRECOVERABLE_CODES = new Set([
  "read_models.poison_event",
  "read_models.events_out_of_order",
  "read_models.invariant_broken",
  "read_models.invalid_partition",
  "read_models.invalid_schema_name",
]);

export type JobOutcome =
  /** Applied (events at or below the checkpoint were skipped: duplicates change nothing). */
  | {
      readonly kind: "applied";
      readonly applied: number;
      readonly skipped: number;
      readonly checkpoint: number;
    }
  /** The partition's checkpoint is below the job's start: an earlier job has not been applied yet. */
  | { readonly kind: "early"; readonly checkpoint: number }
  /** For a version that no longer serves (a rebuild replaced it): nothing to do. */
  | { readonly kind: "retired" };

/** A partition's checkpoint, read without a lock (0 when it has no row yet). */
export async function readCheckpoint(db: ReadModelDb, schema: string, partition: number): Promise<number> {
  const { rows } = await sql<{ position: string }>`
    select position from ${sql.table(`${schema}.checkpoints`)} where partition = ${partition}`.execute(db);
  return Number(rows[0]?.position ?? 0);
}

/**
 * Applies one job in one transaction: locks the partition's checkpoint, refuses to run ahead of it (the
 * job arrived early), and otherwise applies the events above it together with the new checkpoint.
 */
export async function applyProjectionJob(
  db: ReadModelDb,
  job: ProjectionJobData,
  versions: ActiveVersionCache = new ActiveVersionCache(db, 0),
): Promise<JobOutcome> {
  if (!(await versions.isActive(job.schema))) return { kind: "retired" };
  const result = await db.transaction().execute((trx) =>
    projectEvents(trx, job.schema, job.partition, job.events, {
      fromPosition: job.fromPosition,
      throughPosition: job.throughPosition,
    }),
  );
  if (result.early) return { kind: "early", checkpoint: result.checkpoint };
  return { kind: "applied", applied: result.applied, skipped: result.skipped, checkpoint: result.checkpoint };
}

export interface ProjectionWorkerOptions {
  readonly db: ReadModelDb;
  /** BullMQ duplicates it for its blocking connection; `maxRetriesPerRequest: null` (platform's createRedis). */
  readonly connection: Redis;
  /** The deployment's REDIS_PREFIX (tests: their own). */
  readonly prefix: string;
  /** Jobs in flight in this process. Default 16. */
  readonly concurrency?: number;
  readonly logger?: Logger;
  /** A job whose worker died is taken up again after this long. Default 30 s (BullMQ's). */
  readonly lockDurationMs?: number;
  readonly stalledIntervalMs?: number;
  /** First delay of a job still early after waiting; doubles per try up to `earlyRetryMaxMs` (2 s). Default 5 ms. */
  readonly earlyRetryMs?: number;
  readonly earlyRetryMaxMs?: number;
  /** How long an early job waits in-process for its predecessor before going to the delayed set. Default 2 s. */
  readonly earlyWaitMs?: number;
  /** How long an idle worker blocks waiting for a job before looking again, in seconds. Default 1. */
  readonly drainDelaySeconds?: number;
}

export interface ProjectionWorker {
  readonly worker: Worker<ProjectionJobData>;
  /** Lets the jobs in flight finish (or, after the grace period, leaves them to be taken up again). */
  close(): Promise<void>;
}

/** Waits after a transient failure (database down, connection lost): capped, never giving up. */
export const transientRetryDelayMs = (attemptsMade: number): number =>
  Math.min(30_000, 100 * 2 ** Math.min(attemptsMade, 10));

export function startProjectionWorker(options: ProjectionWorkerOptions): ProjectionWorker {
  const { db, logger } = options;
  const versions = new ActiveVersionCache(db);
  const earlyBase = options.earlyRetryMs ?? 5;
  const earlyMax = options.earlyRetryMaxMs ?? 2_000;
  const earlyWaitMs = options.earlyWaitMs ?? 2_000;
  let closing = false;

  const processor = async (job: Job<ProjectionJobData>, token?: string) => {
    const data = parseProjectionJobData(job.data);
    if (data === null) {
      await deadLetter(job, null, "projector.malformed_job", "the job's data is not a projection job");
      throw new UnrecoverableError("malformed projection job");
    }
    let outcome: JobOutcome;
    try {
      outcome = await applyProjectionJob(db, data, versions);
      // Most early jobs are early by a moment: the job before them is being applied right now. Waiting
      // here (checking without a lock) is far cheaper than a round through the delayed set, and keeps
      // this job at the front. A job that keeps arriving early (its predecessor died with a worker and
      // waits for BullMQ to take it up again) stops waiting in-process after a few tries.
      if (outcome.kind === "early" && job.attemptsStarted <= 3) {
        const deadline = Date.now() + earlyWaitMs;
        let pause = 5;
        while (outcome.kind === "early" && Date.now() < deadline && !closing) {
          await new Promise((resolve) => setTimeout(resolve, pause));
          pause = Math.min(20, pause * 2);
          if ((await readCheckpoint(db, data.schema, data.partition)) >= data.fromPosition) {
            outcome = await applyProjectionJob(db, data, versions);
          }
        }
      }
    } catch (error) {
      if (error instanceof ReadModelError && UNRECOVERABLE_CODES.has(error.code)) {
        await deadLetter(
          job,
          data,
          error.code,
          error.message,
          error instanceof PoisonEventError ? error : null,
        );
        logger?.error(
          { jobId: job.id, schema: data.schema, partition: data.partition, code: error.code },
          "projection job failed for good: partition halted until replayed",
        );
        throw new UnrecoverableError(error.message);
      }
      throw error;
    }
    logger?.debug(
      { jobId: job.id, outcome: outcome.kind, attemptsStarted: job.attemptsStarted },
      "projection job",
    );
    if (outcome.kind === "early") {
      const tries = Math.max(0, job.attemptsStarted - 1);
      const wait = Math.min(earlyMax, earlyBase * 2 ** Math.min(tries, 20));
      await job.moveToDelayed(Date.now() + wait, token);
      throw new DelayedError();
    }
    return outcome;
  };

  const deadLetter = async (
    job: Job,
    data: ProjectionJobData | null,
    code: string,
    message: string,
    poison: PoisonEventError | null = null,
  ) => {
    await recordDeadLetter(db, {
      schema: data?.schema ?? "unknown",
      partition: data?.partition ?? -1,
      jobId: String(job.id),
      fromPosition: data?.fromPosition ?? 0,
      throughPosition: data?.throughPosition ?? 0,
      eventPosition: poison?.event.position ?? null,
      eventType: poison?.event.type ?? null,
      streamId: poison?.event.streamId ?? null,
      errorCode: code,
      errorMessage: message,
    });
  };

  const worker = new Worker<ProjectionJobData>(PROJECTION_QUEUE, processor, {
    connection: options.connection,
    prefix: options.prefix,
    concurrency: options.concurrency ?? 16,
    drainDelay: options.drainDelaySeconds ?? 1,
    // Jobs are idempotent: one whose worker died may be taken up any number of times.
    maxStalledCount: 1_000_000,
    ...(options.lockDurationMs === undefined ? {} : { lockDuration: options.lockDurationMs }),
    ...(options.stalledIntervalMs === undefined ? {} : { stalledInterval: options.stalledIntervalMs }),
    settings: { backoffStrategy: (attemptsMade: number) => transientRetryDelayMs(attemptsMade) },
  });
  worker.on("error", (error) => {
    logger?.warn({ err: { name: error.name, message: error.message } }, "projection worker error");
  });
  worker.on("failed", (job, error) => {
    if (error instanceof UnrecoverableError || error.name === "UnrecoverableError") return;
    logger?.warn(
      { jobId: job?.id, attemptsMade: job?.attemptsMade, err: { name: error.name, message: error.message } },
      "projection job will be retried",
    );
  });

  return {
    worker,
    async close() {
      closing = true;
      await worker.close();
    },
  };
}
