import { markAttemptFailed, redactContact } from "@motcua/notifications";
import type { Logger } from "@motcua/platform";
import { DelayedError, type Job, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import type { SchedulerDb } from "../database";
import type { DeadlineFiring } from "../deadlines/firing";
import {
  DEADLINE_QUEUE,
  type DeadlineJobData,
  type DeadlineJobKind,
  NOTIFICATION_QUEUE,
  type NotificationJobData,
} from "../deadlines/jobs";
import type { Dispatcher } from "../notifications/dispatcher";

export interface SchedulerWorkersDeps {
  readonly db: SchedulerDb;
  readonly redis: Redis;
  readonly prefix: string;
  /** Run the workers in this process at all. */
  readonly enabled: boolean;
  readonly firing: DeadlineFiring;
  readonly dispatcher: Dispatcher;
  /** Real milliseconds until a clock instant. */
  readonly realDelay: (at: number) => number;
  /** A job held off by a rebuild waits this long before it is tried again. */
  readonly rebuildRetryMs: number;
  readonly deadlineConcurrency: number;
  readonly notificationConcurrency: number;
  readonly logger?: Logger | undefined;
}

/**
 * The deadline and notification workers: they run only on the active scheduler (started when it leads,
 * closed when it steps down) and pause while a rebuild runs.
 */
export function createSchedulerWorkers(deps: SchedulerWorkersDeps) {
  const { db, redis, prefix, firing, dispatcher, logger } = deps;
  let workers: Worker[] = [];

  const start = () => {
    if (!deps.enabled) return;
    const deadlineWorker = new Worker<DeadlineJobData>(
      DEADLINE_QUEUE,
      async (job: Job<DeadlineJobData>, token?: string) => {
        const kind = job.name as DeadlineJobKind;
        const result = await firing.fire(kind, job.data.dossierId, job.data.dueAtMs, "job");
        if (result.outcome === "paused" || result.outcome === "not_yet") {
          // Early on the scheduler's clock (clocks differ by a few ms) or held off by a rebuild: wait again.
          const wait =
            result.outcome === "paused" ? deps.rebuildRetryMs : Math.max(1, deps.realDelay(result.at));
          await job.moveToDelayed(Date.now() + wait, token);
          throw new DelayedError();
        }
      },
      { connection: redis, prefix, concurrency: deps.deadlineConcurrency },
    );
    const notificationWorker = new Worker<NotificationJobData>(
      NOTIFICATION_QUEUE,
      async (job: Job<NotificationJobData>, token?: string) => {
        const result = await dispatcher.dispatch(job.data.outboxId, {
          made: job.attemptsMade,
          allowed: job.opts.attempts ?? 1,
        });
        if (result.outcome === "paused") {
          await job.moveToDelayed(Date.now() + deps.rebuildRetryMs, token);
          throw new DelayedError();
        }
        if (result.outcome === "failed") {
          throw result.retryable ? result.error : new UnrecoverableError(result.error.message);
        }
      },
      { connection: redis, prefix, concurrency: deps.notificationConcurrency },
    );
    for (const worker of [deadlineWorker, notificationWorker]) {
      worker.on("error", (error) =>
        logger?.warn({ err: { name: error.name, message: error.message } }, "scheduler worker error"),
      );
    }
    deadlineWorker.on("failed", (job, error) => {
      if (error instanceof DelayedError || error.name === "DelayedError") return;
      logger?.warn(
        {
          jobId: job?.id,
          attemptsMade: job?.attemptsMade,
          err: { name: error.name, message: error.message },
        },
        "deadline job failed; it is retried, and the sweep catches it otherwise",
      );
    });
    notificationWorker.on("failed", (job, error) => {
      if (!job || error.name === "DelayedError" || job.attemptsMade < (job.opts.attempts ?? 1)) return;
      // The last attempt failed before the channel was reached (the database, say): the notice must still
      // land in the dead-letter list rather than stay pending behind a failed job.
      markAttemptFailed(db, job.data.outboxId, `${error.name}: ${redactContact(error.message)}`, true).catch(
        () => {},
      );
    });
    workers = [deadlineWorker, notificationWorker];
  };

  return {
    start,
    /** Waits for the jobs being worked on. */
    async pause() {
      await Promise.all(workers.map((w) => w.pause()));
    },
    resume() {
      for (const w of workers) w.resume();
    },
    async stop() {
      const closing = workers;
      workers = [];
      await Promise.all(closing.map((w) => w.close()));
    },
  };
}

export type SchedulerWorkers = ReturnType<typeof createSchedulerWorkers>;
