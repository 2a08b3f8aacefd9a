import type { OutboxRef } from "@motcua/notifications";
import type { Clock, Logger, StopSignal } from "@motcua/platform";
import { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { type DeadlineRow, deadlineRowFrom, type SchedulerDb } from "../database";
import {
  DEADLINE_JOB_KINDS,
  DEADLINE_JOB_OPTIONS,
  DEADLINE_QUEUE,
  type DeadlineJobData,
  deadlineJobId,
  deadlineJobs,
  NOTIFICATION_QUEUE,
  type NotificationJobData,
  notificationJobId,
} from "../deadlines/jobs";
import { inBatches } from "./concurrency";

const RESYNC_PAGE = 2_000;

/** The key whose absence tells the scheduler that Redis lost its data (a flush, a failover without AOF). */
const sentinelKey = (prefix: string) => `${prefix}:${DEADLINE_QUEUE}:scheduler-sentinel`;

export interface RedisJobsDeps {
  readonly db: SchedulerDb;
  readonly redis: Redis;
  readonly prefix: string;
  readonly clock: Clock;
  /** Clock milliseconds per real millisecond. */
  readonly clockRate: number;
  /** Due-soon and due-today jobs besides the overdue one. */
  readonly warnings: boolean;
  /** Attempts per notice, and the first retry delay (doubling). */
  readonly attempts: number;
  readonly backoffMs: number;
  readonly signal: StopSignal;
  readonly logger?: Logger | undefined;
}

/**
 * The scheduler's two BullMQ queues: a delayed job per deadline effect, a job per notice to send. Redis is
 * a transport: every job can be made again from the tables (`resync`, the sweep's pending notices).
 */
export function createRedisJobs(deps: RedisJobsDeps) {
  const { db, redis, prefix, clock, clockRate, signal, logger } = deps;
  const deadlineQueue = new Queue<DeadlineJobData>(DEADLINE_QUEUE, { connection: redis, prefix });
  const notificationQueue = new Queue<NotificationJobData>(NOTIFICATION_QUEUE, { connection: redis, prefix });

  /** Real milliseconds until a clock instant. */
  const realDelay = (at: number) => Math.max(0, Math.ceil((at - clock.now().getTime()) / clockRate));

  /** Hands notices to the notification workers (their job ids make it idempotent). */
  const dispatch = async (refs: readonly OutboxRef[]) => {
    if (refs.length === 0) return;
    await notificationQueue.addBulk(
      refs.map((ref) => ({
        name: "notify",
        data: { outboxId: ref.id },
        opts: {
          jobId: notificationJobId(ref.id, ref.requeues),
          attempts: deps.attempts,
          backoff: { type: "exponential", delay: deps.backoffMs },
          removeOnComplete: { count: 1_000 },
          removeOnFail: { age: 30 * 86_400 },
        },
      })),
    );
  };

  const addDeadlineJobs = async (rows: readonly DeadlineRow[], includeDue: boolean) => {
    const now = clock.now().getTime();
    const jobs = rows.flatMap((row) =>
      deadlineJobs(row, deps.warnings)
        .filter((job) => includeDue || job.at > now)
        .map((job) => ({
          name: job.kind,
          data: { dossierId: row.dossierId, dueAtMs: row.dueAt as number },
          // The new keys first, the shared options spread after them: a spread followed by keys its
          // source lacks costs microseconds a job on Node 20 (#18); DEADLINE_JOB_OPTIONS has neither key.
          opts: {
            jobId: deadlineJobId(job.kind, row.dossierId, row.dueAt as number),
            delay: realDelay(job.at),
            ...DEADLINE_JOB_OPTIONS,
          },
        })),
    );
    for (let i = 0; i < jobs.length; i += 3_000) await deadlineQueue.addBulk(jobs.slice(i, i + 3_000));
  };

  const removeDeadlineJobs = async (deadlines: readonly { dossierId: string; dueAt: number }[]) => {
    const ids = deadlines.flatMap((d) =>
      DEADLINE_JOB_KINDS.map((kind) => deadlineJobId(kind, d.dossierId, d.dueAt)),
    );
    // A job being worked on cannot be removed; it finds its deadline gone and does nothing.
    await inBatches(ids, 200, async (id) => {
      await deadlineQueue.remove(id).catch(() => 0);
    });
  };

  /** Every open deadline's jobs, added again (ids make it idempotent): after Redis lost its data. */
  const resync = async () => {
    let after = "00000000-0000-0000-0000-000000000000";
    let total = 0;
    for (;;) {
      const rows = await db
        .selectFrom("scheduler.deadlines")
        .selectAll()
        .where("dossier_id", ">", after)
        .where("clock_running", "=", true)
        .where("due_at", "is not", null)
        .orderBy("dossier_id")
        .limit(RESYNC_PAGE)
        .execute();
      if (rows.length === 0) break;
      await addDeadlineJobs(rows.map(deadlineRowFrom), false);
      total += rows.length;
      after = rows.at(-1)?.dossier_id ?? after;
      if (rows.length < RESYNC_PAGE || signal.stopped) break;
    }
    await redis.set(sentinelKey(prefix), clock.now().toISOString());
    logger?.info({ deadlines: total }, "deadline jobs scheduled from the deadlines table");
  };

  /** Redis has lost the scheduler's jobs: its sentinel key is gone. */
  const lostItsJobs = async () => (await redis.exists(sentinelKey(prefix))) === 0;

  return {
    deadlineQueue,
    notificationQueue,
    realDelay,
    dispatch,
    addDeadlineJobs,
    removeDeadlineJobs,
    resync,
    lostItsJobs,
    async close() {
      await Promise.all([deadlineQueue.close(), notificationQueue.close()]);
    },
  };
}

export type RedisJobs = ReturnType<typeof createRedisJobs>;
