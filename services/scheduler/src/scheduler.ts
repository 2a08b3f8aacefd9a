import type { KeyObject } from "node:crypto";
import { DossierService } from "@motcua/commands";
import type { EventStore } from "@motcua/event-store";
import {
  CHANNEL_NAMES,
  type ChannelName,
  type ContactResolver,
  countDeadLetters,
  createEventStoreContactResolver,
  createRecordingChannel,
  DEFAULT_ROUTES,
  listDeadLetters,
  type NotificationChannel,
  type NotificationRoutes,
  type OutboxNotice,
  requeueFailed,
} from "@motcua/notifications";
import { type Clock, createStopSignal, type Logger, runWhileLeader, systemClock } from "@motcua/platform";
import { ReferenceCache } from "@motcua/reference-data";
import {
  createTransparencyReactor,
  migrateTransparencyLog,
  type TransparencyStep,
  type TreeHeadPublisher,
} from "@motcua/transparency-log";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import type { Kysely } from "kysely";
import type { Registry } from "prom-client";
import { SCHEDULER_LOCK_KEY } from "./coordination";
import { migrateSchedulerTables, readCheckpoint, type SchedulerDb } from "./database";
import { createDeadlineFiring } from "./deadlines/firing";
import type { DeadlineJobData, NotificationJobData } from "./deadlines/jobs";
import {
  createFeedbackWatcher,
  FEEDBACK_OVERDUE_JOB,
  migrateFeedbackDeadlines,
} from "./feedback/feedback-watcher";
import { createSchedulerMetrics, type SchedulerMetrics } from "./metrics";
import { createDispatcher } from "./notifications/dispatcher";
import { serial } from "./reactor/concurrency";
import { createLogFollower } from "./reactor/follow-log";
import { leadScheduler, type SchedulerRole, SchedulerStatus } from "./reactor/leadership";
import { createRedisJobs } from "./reactor/redis-jobs";
import { createSweep, type SweepResult } from "./reactor/sweep";
import { createSchedulerWorkers } from "./reactor/workers";

export type { SchedulerRole } from "./reactor/leadership";
export type { SweepResult } from "./reactor/sweep";

export interface NotificationOptions {
  /** Record and send notices at all. Default true. */
  readonly enabled?: boolean;
  /** The channels to send through; default a recording channel for each of sms, email and zalo. */
  readonly channels?: readonly NotificationChannel[];
  /** Which channels each recipient kind gets. Default applicants by SMS, units by e-mail. */
  readonly routes?: NotificationRoutes;
  /** Where to reach recipients at send time. Default: applicants' phones from the event store, unit inboxes. */
  readonly contacts?: ContactResolver;
  /** Attempts per notice before it is dead-lettered. Default 6. */
  readonly attempts?: number;
  /** First retry delay; each next one doubles (BullMQ exponential backoff). Default 30 s. */
  readonly backoffMs?: number;
  /** Notices sent at once. Default 4. */
  readonly concurrency?: number;
}

/** The transparency log (Merkle tree over the whole log and its signed heads), run by the active scheduler. */
export interface TransparencyOptions {
  /** The Ed25519 key heads are signed with (`signingKeyFrom(config.checkpointSigningKey)`). */
  readonly signingKey: KeyObject;
  /** AUDIT_CHECKPOINT_INTERVAL: a head at most this often, and only when the log has grown (and daily at 23:59). */
  readonly intervalMs: number;
  /** Where heads are published besides the database (AUDIT_PUBLISH_DIR's directory by default). */
  readonly publisher?: TreeHeadPublisher;
  /** Leaves appended per step. Default 5,000. */
  readonly batchSize?: number;
  /** After the tree has caught up, how long it lets appends gather before its next step. Default 250 ms. */
  readonly coalesceMs?: number;
}

export interface SchedulerOptions {
  readonly store: EventStore;
  /**
   * The deployment's database: reference data, and the scheduler's own `scheduler` schema. The active
   * scheduler holds its lock on one of this pool's connections for as long as it leads: build the pool
   * with platform's `createPostgresPool`, whose checked-out clients report a lost server to their holder
   * instead of crashing the process.
   */
  // biome-ignore lint/suspicious/noExplicitAny: callers hand over whichever typed Kysely they hold on that database
  readonly db: Kysely<any>;
  readonly redis: Redis;
  /** BullMQ key prefix (REDIS_PREFIX); tests pass their own. */
  readonly prefix: string;
  /** Where "now" comes from: every decision and every BullMQ delay is computed from it. */
  readonly clock?: Clock;
  /**
   * Clock milliseconds per real millisecond: 1 for the system clock (default); a simulation's compressed
   * clock says how fast it runs, so that a deadline 1 clock-hour away is a job 3.6 real seconds away at 1000.
   */
  readonly clockRate?: number;
  readonly logger?: Logger;
  /** The dossier service whose `markOverdue` the watcher calls; built from `subjectSecret` when absent. */
  readonly service?: DossierService;
  /** The vault master key, when no `service` is given. */
  readonly subjectSecret?: Buffer;
  /** RATING_CODE_SECRET: the "result ready" notice then carries the dossier's rating code. */
  readonly ratingCodeSecret?: Buffer;
  /** Real milliseconds between sweeps. Default 60,000. */
  readonly sweepIntervalMs?: number;
  /** How often an idle watcher looks for new events. Default 250 ms. */
  readonly pollIntervalMs?: number;
  /** Events read per page of the log. Default 1,000. */
  readonly pageSize?: number;
  /** A standby tries to become active this often. Default 2 s. */
  readonly standbyRetryMs?: number;
  /** While a rebuild runs, the scheduler asks this often whether it may resume. Default 5 s. */
  readonly rebuildRetryMs?: number;
  /** How often the active scheduler looks for a rebuild waiting to start. Default 1 s. */
  readonly rebuildCheckMs?: number;
  /** Deadline jobs handled at once. Default 8. */
  readonly deadlineConcurrency?: number;
  /** Run the BullMQ workers in this process. Default true. */
  readonly workers?: boolean;
  /**
   * Events that happened longer ago than this (clock time) when the watcher reads them — an imported
   * history, an admin's back-dated correction — record no notices; the watcher's own overdue events
   * always do. Default 24 hours.
   */
  readonly noticeHorizonMs?: number;
  /** Due-soon and due-today warnings. Default true; off leaves only the overdue deadline (the benchmark). */
  readonly warnings?: boolean;
  readonly notifications?: NotificationOptions;
  /** Register the metrics here (e.g. the API's registry); default a registry of the scheduler's own. */
  readonly registry?: Registry;
  /** Keep the transparency log; off when absent. */
  readonly transparency?: TransparencyOptions;
}

export interface SchedulerState {
  readonly role: SchedulerRole;
  /** The log position the watcher has applied. */
  readonly position: number;
  /** True while a read-model rebuild holds the scheduler off. */
  readonly pausedForRebuild: boolean;
}

export interface Scheduler {
  readonly state: SchedulerState;
  readonly metrics: SchedulerMetrics;
  readonly registry: Registry;
  readonly service: DossierService;
  readonly channels: ReadonlyMap<ChannelName, NotificationChannel>;
  readonly deadlineQueue: Queue<DeadlineJobData>;
  readonly notificationQueue: Queue<NotificationJobData>;
  /** Resolves once this process is the active scheduler. */
  whenActive(): Promise<void>;
  /**
   * Resolves once this process is the active scheduler and has done its start-up work: caught up with the
   * log and swept once. From then on it sweeps by itself only every `sweepIntervalMs` (and after a
   * rebuild), so a caller driving a manual clock owns every later sweep. Waits for a rebuild running at
   * start to end.
   */
  whenReady(): Promise<void>;
  /** Applies the log up to its current head; answers the position reached. Only on the active scheduler. */
  catchUp(): Promise<number>;
  /** Does at once what the periodic sweep does: every effect whose moment has come on the clock. */
  sweep(): Promise<SweepResult>;
  /** Notices whose every attempt failed. */
  deadLetters(limit?: number): Promise<OutboxNotice[]>;
  /** Puts failed notices (all, or these ids) back in the queue; answers how many. */
  requeueFailed(ids?: readonly number[]): Promise<number>;
  /**
   * Appends the next batch of the log to the transparency tree and signs a head if one is due. Only on the
   * active scheduler, and only when it keeps the transparency log.
   */
  transparencyStep(): Promise<TransparencyStep>;
  /** Stops following, sweeping and working (active jobs finish), and steps down for a standby. */
  stop(): Promise<void>;
}

export class NotActiveError extends Error {
  constructor() {
    super("this scheduler is not the deployment's active one (another holds the lock, or it has stopped)");
    this.name = "NotActiveError";
  }
}

/**
 * The deadline watcher and the notification dispatcher, as one reactor on the event log. Only one
 * process per deployment is active (a Postgres advisory lock); the others stand by until it stops.
 * Its parts, in `reactor/`: the leadership (what the active one does), following the log, the sweep,
 * the Redis jobs and the workers.
 */
export async function startScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const { store, redis, prefix, logger } = options;
  const db = options.db as SchedulerDb;
  const clock = options.clock ?? systemClock;
  const clockRate = options.clockRate ?? 1;
  if (!(clockRate > 0)) throw new RangeError("clockRate must be a positive number");
  const n = options.notifications ?? {};
  const notify = n.enabled ?? true;
  const routes = notify ? (n.routes ?? DEFAULT_ROUTES) : null;
  const rebuildRetryMs = options.rebuildRetryMs ?? 5_000;

  let service = options.service;
  if (service === undefined) {
    if (options.subjectSecret === undefined) {
      throw new TypeError("startScheduler needs a `service` or the `subjectSecret` to build one");
    }
    service = new DossierService({ store, db, subjectSecret: options.subjectSecret, now: () => clock.now() });
  }

  const channels = new Map<ChannelName, NotificationChannel>();
  for (const channel of n.channels ?? CHANNEL_NAMES.map((name) => createRecordingChannel(name, { logger })))
    channels.set(channel.name, channel);
  const contacts = n.contacts ?? createEventStoreContactResolver(store);

  await migrateSchedulerTables(db);
  await migrateFeedbackDeadlines(db);
  const transparencyOptions = options.transparency;
  if (transparencyOptions) await migrateTransparencyLog(db);
  const transparency = transparencyOptions
    ? createTransparencyReactor({
        db,
        store,
        signingKey: transparencyOptions.signingKey,
        intervalMs: transparencyOptions.intervalMs,
        now: () => clock.now(),
        ...(transparencyOptions.publisher ? { publisher: transparencyOptions.publisher } : {}),
        ...(transparencyOptions.batchSize ? { batchSize: transparencyOptions.batchSize } : {}),
        ...(transparencyOptions.coalesceMs !== undefined
          ? { coalesceMs: transparencyOptions.coalesceMs }
          : {}),
        onSigned: (head, reason) =>
          logger?.info(
            { treeSize: head.checkpoint.treeSize, position: head.checkpoint.position, reason },
            "transparency log: tree head signed",
          ),
        onPublishFailed: (error) =>
          logger?.warn(
            { err: { name: error.name, message: error.message } },
            "transparency log: publishing a signed head failed; it is stored and served, the next head is published",
          ),
      })
    : null;
  const metrics = createSchedulerMetrics(options.registry, () => countDeadLetters(db));
  // A page of the log or a sweep asks for the same few units thousands of times; a minute is fresh enough.
  const reference = new ReferenceCache(db, { ttlMs: 60_000 });
  const signal = createStopSignal();
  const exclusive = serial();
  const status = new SchedulerStatus(metrics, logger);
  const gateOpen = status.gateOpen;

  const jobs = createRedisJobs({
    db,
    redis,
    prefix,
    clock,
    clockRate,
    warnings: options.warnings ?? true,
    attempts: n.attempts ?? 6,
    backoffMs: n.backoffMs ?? 30_000,
    signal,
    logger,
  });
  const firing = createDeadlineFiring({
    db,
    service,
    clock,
    reference,
    metrics,
    routes,
    dispatch: jobs.dispatch,
    gateOpen,
  });
  // Feedback deadlines: their own streams, rows and checkpoint; their jobs in the same deadline queue.
  const feedbackWatcher = createFeedbackWatcher({
    store,
    db,
    clock,
    commands: () => (service as DossierService).deps,
    deadlineQueue: jobs.deadlineQueue,
    realDelay: jobs.realDelay,
    pageSize: options.pageSize ?? 1_000,
    gateOpen,
    logger,
  });
  const deadlineFiring: typeof firing = {
    async fire(kind, id, dueAtMs, source) {
      if ((kind as string) !== FEEDBACK_OVERDUE_JOB) return firing.fire(kind, id, dueAtMs, source);
      const result = await feedbackWatcher.fire(id, dueAtMs);
      metrics.firings.inc({ kind: FEEDBACK_OVERDUE_JOB, source, outcome: result.outcome });
      return result;
    },
  };
  const dispatcher = createDispatcher({ db, clock, channels, contacts, metrics, logger, gateOpen });
  const dossierFollower = createLogFollower(
    {
      store,
      db,
      clock,
      reference,
      metrics,
      routes,
      noticeHorizonMs: options.noticeHorizonMs ?? 86_400_000,
      pageSize: options.pageSize ?? 1_000,
      gateOpen,
      jobs,
      ratingCodeSecret: options.ratingCodeSecret,
    },
    await readCheckpoint(db),
  );
  const follower: typeof dossierFollower = {
    get position() {
      return dossierFollower.position;
    },
    async followOnce() {
      const dossiers = await dossierFollower.followOnce();
      const feedback = await feedbackWatcher.followOnce();
      return {
        events: dossiers.events + feedback.events,
        caughtUp: dossiers.caughtUp && feedback.caughtUp,
        paused: dossiers.paused,
      };
    },
  };
  const sweepDossiers = createSweep({
    db,
    clock,
    firing,
    metrics,
    routes,
    warnings: options.warnings ?? true,
    gateOpen,
    jobs,
    signal,
    logger,
  });
  const sweepOnce = async (): Promise<SweepResult> => {
    const swept = await sweepDossiers();
    return swept.paused ? swept : { ...swept, overdue: swept.overdue + (await feedbackWatcher.sweep()) };
  };
  const workers = createSchedulerWorkers({
    db,
    redis,
    prefix,
    enabled: options.workers ?? true,
    firing: deadlineFiring,
    dispatcher,
    realDelay: jobs.realDelay,
    rebuildRetryMs,
    deadlineConcurrency: options.deadlineConcurrency ?? 8,
    notificationConcurrency: n.concurrency ?? 4,
    logger,
  });

  const done = runWhileLeader(
    SCHEDULER_LOCK_KEY,
    leadScheduler({
      status,
      signal,
      exclusive,
      workers,
      jobs,
      follower,
      sweepOnce,
      transparency,
      metrics,
      logger,
      pollIntervalMs: options.pollIntervalMs ?? 250,
      sweepIntervalMs: options.sweepIntervalMs ?? 60_000,
      rebuildRetryMs,
      rebuildCheckMs: options.rebuildCheckMs ?? 1_000,
    }),
    {
      db,
      signal,
      standbyRetryMs: options.standbyRetryMs ?? 2_000,
      onStandby: () => {
        if (status.role !== "standby") logger?.info("scheduler on standby: another holds the lock");
        status.role = "standby";
      },
      onFailure: (err, { attempt, wasLeading }) => {
        logger?.error(
          { err: { name: err.name, message: err.message }, attempt },
          wasLeading
            ? "scheduler lost its database session: leadership released, reconnecting"
            : "scheduler failed; starting over",
        );
        if (!signal.stopped) status.role = "standby";
      },
    },
  ).then(() => {
    status.role = "stopped";
  });

  const requireActive = () => {
    if (status.role !== "active" || signal.stopped) throw new NotActiveError();
  };

  return {
    get state(): SchedulerState {
      return { role: status.role, position: follower.position, pausedForRebuild: status.pausedForRebuild };
    },
    metrics,
    registry: metrics.registry,
    service,
    channels,
    deadlineQueue: jobs.deadlineQueue,
    notificationQueue: jobs.notificationQueue,
    whenActive: () => status.whenActive(),
    whenReady: () => status.whenReady(),
    async catchUp() {
      requireActive();
      return exclusive(async () => {
        for (;;) {
          const step = await follower.followOnce();
          if (step.caughtUp) return follower.position;
        }
      });
    },
    async sweep() {
      requireActive();
      return exclusive(sweepOnce);
    },
    async transparencyStep() {
      requireActive();
      if (!transparency) throw new TypeError("this scheduler does not keep the transparency log");
      return exclusive(transparency.step);
    },
    deadLetters: (limit) => listDeadLetters(db, limit),
    async requeueFailed(ids) {
      const refs = await requeueFailed(db, ids);
      await jobs.dispatch(refs);
      return refs.length;
    },
    async stop() {
      if (signal.stopped) return done;
      signal.stop();
      await done;
      await jobs.close();
    },
  };
}
