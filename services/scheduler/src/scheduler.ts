import type { KeyObject } from "node:crypto";
import { DossierService, toDomainEvent } from "@motcua/commands";
import type { EventStore, RecordedEvent } from "@motcua/event-store";
import {
  CHANNEL_NAMES,
  type ChannelName,
  type ContactResolver,
  countDeadLetters,
  createEventStoreContactResolver,
  createRecordingChannel,
  DEFAULT_ROUTES,
  listDeadLetters,
  markAttemptFailed,
  type NoticeToRecord,
  type NotificationChannel,
  type NotificationRoutes,
  type OutboxNotice,
  type OutboxRef,
  pendingOutbox,
  recordNotices,
  redactContact,
  requeueFailed,
} from "@motcua/notifications";
import { type Clock, createStopSignal, type Logger, systemClock } from "@motcua/platform";
import {
  createTransparencyReactor,
  migrateTransparencyLog,
  type TransparencyStep,
  type TreeHeadPublisher,
} from "@motcua/transparency-log";
import { DelayedError, type Job, Queue, UnrecoverableError, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { type Kysely, sql } from "kysely";
import type { Registry } from "prom-client";
import { RebuildGate, SCHEDULER_LOCK_KEY } from "./coordination";
import {
  advanceCheckpoint,
  type DeadlineRow,
  deadlineRowFrom,
  loadDeadlineRows,
  migrateSchedulerTables,
  readCheckpoint,
  type SchedulerDb,
  saveDeadlineRows,
} from "./database";
import { createDeadlineFiring, type FiringResult } from "./deadlines/firing";
import { activeDeadline, foldDeadline, unitsMentioned } from "./deadlines/fold";
import {
  DEADLINE_JOB_KINDS,
  DEADLINE_JOB_OPTIONS,
  DEADLINE_QUEUE,
  type DeadlineJobData,
  type DeadlineJobKind,
  deadlineJobId,
  deadlineJobs,
  NOTIFICATION_QUEUE,
  type NotificationJobData,
  notificationJobId,
} from "./deadlines/jobs";
import { createSchedulerMetrics, type SchedulerMetrics } from "./metrics";
import { createDispatcher } from "./notifications/dispatcher";
import { ReferenceCache } from "./reference-cache";

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

export type SchedulerRole = "starting" | "standby" | "active" | "stopped";

export interface SchedulerState {
  readonly role: SchedulerRole;
  /** The log position the watcher has applied. */
  readonly position: number;
  /** True while a read-model rebuild holds the scheduler off. */
  readonly pausedForRebuild: boolean;
}

export interface SweepResult {
  /** Overdue events this sweep appended. */
  readonly overdue: number;
  /** Due-soon and due-today warnings this sweep recorded. */
  readonly warnings: number;
  /** Pending notices handed to the dispatcher again. */
  readonly notices: number;
  /** True when a rebuild held the sweep off (nothing was done). */
  readonly paused: boolean;
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

class CheckpointMovedError extends Error {
  constructor() {
    super("another watcher moved the checkpoint");
    this.name = "CheckpointMovedError";
  }
}

const DOSSIER_STREAM_PREFIX = "dossier-";
const RESYNC_PAGE = 2_000;
const SWEEP_BATCH = 500;
const HEARTBEAT_MS = 5_000;

/** The key whose absence tells the scheduler that Redis lost its data (a flush, a failover without AOF). */
const sentinelKey = (prefix: string) => `${prefix}:${DEADLINE_QUEUE}:scheduler-sentinel`;

/** Runs one task at a time, in call order. */
function serial() {
  let tail: Promise<unknown> = Promise.resolve();
  return <T>(task: () => Promise<T>): Promise<T> => {
    const run = tail.then(task, task);
    tail = run.catch(() => {});
    return run;
  };
}

async function inBatches<T>(items: readonly T[], size: number, each: (item: T) => Promise<void>) {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(each));
}

/**
 * The deadline watcher and the notification dispatcher, as one reactor on the event log. Only one
 * process per deployment is active (a Postgres advisory lock); the others stand by until it stops.
 */
export async function startScheduler(options: SchedulerOptions): Promise<Scheduler> {
  const { store, redis, prefix, logger } = options;
  const db = options.db as SchedulerDb;
  const clock = options.clock ?? systemClock;
  const clockRate = options.clockRate ?? 1;
  if (!(clockRate > 0)) throw new RangeError("clockRate must be a positive number");
  const sweepIntervalMs = options.sweepIntervalMs ?? 60_000;
  const pollIntervalMs = options.pollIntervalMs ?? 250;
  const pageSize = options.pageSize ?? 1_000;
  const standbyRetryMs = options.standbyRetryMs ?? 2_000;
  const rebuildRetryMs = options.rebuildRetryMs ?? 5_000;
  const rebuildCheckMs = options.rebuildCheckMs ?? 1_000;
  const noticeHorizonMs = options.noticeHorizonMs ?? 86_400_000;
  const runWorkers = options.workers ?? true;
  const warningsOn = options.warnings ?? true;
  const n = options.notifications ?? {};
  const notify = n.enabled ?? true;
  const routes = notify ? (n.routes ?? DEFAULT_ROUTES) : null;
  const attempts = n.attempts ?? 6;
  const backoffMs = n.backoffMs ?? 30_000;

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
  const reference = new ReferenceCache(db);
  const deadlineQueue = new Queue<DeadlineJobData>(DEADLINE_QUEUE, { connection: redis, prefix });
  const notificationQueue = new Queue<NotificationJobData>(NOTIFICATION_QUEUE, { connection: redis, prefix });

  /** Real milliseconds until a clock instant. */
  const realDelay = (at: number) => Math.max(0, Math.ceil((at - clock.now().getTime()) / clockRate));

  const dispatch = async (refs: readonly OutboxRef[]) => {
    if (refs.length === 0) return;
    await notificationQueue.addBulk(
      refs.map((ref) => ({
        name: "notify",
        data: { outboxId: ref.id },
        opts: {
          jobId: notificationJobId(ref.id, ref.requeues),
          attempts,
          backoff: { type: "exponential", delay: backoffMs },
          removeOnComplete: { count: 1_000 },
          removeOnFail: { age: 30 * 86_400 },
        },
      })),
    );
  };

  let gate: RebuildGate | null = null;
  const gateOpen = () => gate?.open === true;
  const firing = createDeadlineFiring({ db, service, clock, reference, metrics, routes, dispatch, gateOpen });
  const dispatcher = createDispatcher({ db, clock, channels, contacts, metrics, logger, gateOpen });

  let role: SchedulerRole = "starting";
  let position = await readCheckpoint(db);
  let pausedForRebuild = false;
  const signal = createStopSignal();
  const exclusive = serial();
  let activeWaiters: (() => void)[] = [];
  /** Whether the active scheduler has done its start-up catch-up and sweep. */
  let ready = false;
  let readyWaiters: (() => void)[] = [];

  const setPaused = (paused: boolean) => {
    if (paused !== pausedForRebuild) {
      logger?.info(
        paused ? "a read-model rebuild is running: the scheduler waits" : "rebuild over: scheduler resumes",
      );
    }
    pausedForRebuild = paused;
    metrics.pausedForRebuild.set(paused ? 1 : 0);
  };

  const nap = signal.nap;

  // ── deadline jobs ───────────────────────────────────────────────────────────────────────────────────

  const addDeadlineJobs = async (rows: readonly DeadlineRow[], includeDue: boolean) => {
    const now = clock.now().getTime();
    const jobs = rows.flatMap((row) =>
      deadlineJobs(row, warningsOn)
        .filter((job) => includeDue || job.at > now)
        .map((job) => ({
          name: job.kind,
          data: { dossierId: row.dossierId, dueAtMs: row.dueAt as number },
          opts: {
            ...DEADLINE_JOB_OPTIONS,
            jobId: deadlineJobId(job.kind, row.dossierId, row.dueAt as number),
            delay: realDelay(job.at),
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

  // ── following the log ───────────────────────────────────────────────────────────────────────────────

  const idOf = (event: RecordedEvent) => event.streamId.slice(DOSSIER_STREAM_PREFIX.length);

  const isNews = (event: RecordedEvent, now: number) =>
    (event.type === "DossierBecameOverdue" && event.metadata.actor.role === "system") ||
    now - Date.parse(event.metadata.occurredAt) <= noticeHorizonMs;

  /** One page of the log applied: rows, notices and checkpoint in one transaction, then Redis. */
  const followOnce = async (): Promise<{ events: number; caughtUp: boolean; paused: boolean }> => {
    if (!gateOpen()) return { events: 0, caughtUp: true, paused: true };
    const from = await readCheckpoint(db);
    const head = await store.headPosition();
    if (head <= from) {
      position = from;
      return { events: 0, caughtUp: true, paused: false };
    }
    const page: RecordedEvent[] = [];
    for await (const event of store.readAll({
      fromPosition: from,
      maxCount: pageSize,
      filter: { streamPrefix: DOSSIER_STREAM_PREFIX },
      personalData: "omit", // the watcher reads a phone number only when it sends, from the dossier's stream
    }))
      page.push(event);
    const full = page.length >= pageSize;
    // A short page holds everything up to the head read before it; a full one only up to its last event.
    const through = full ? (page.at(-1)?.position ?? from) : Math.max(head, page.at(-1)?.position ?? from);
    if (through <= from) return { events: 0, caughtUp: true, paused: false };
    const dossierIds = [...new Set(page.map(idOf))];

    const domainEvents = page.map(toDomainEvent);
    // Units the page's events name, looked up before the transaction (which then seldom needs a second
    // connection); the rows' own units were looked up when the rows were made, unless by another process.
    const units = new Set<string>();
    for (const event of domainEvents) for (const unit of unitsMentioned(null, event)) units.add(unit);
    await reference.load(units);

    let before = new Map<string, DeadlineRow>();
    const after = new Map<string, DeadlineRow | null>();
    let written: OutboxRef[] = [];
    await db.transaction().execute(async (trx) => {
      before = await loadDeadlineRows(trx, dossierIds, true);
      const rowUnits = [...before.values()].flatMap((row) => [row.receivingUnitId, row.holdingUnitId]);
      const unknown = reference.unknown(rowUnits);
      if (unknown.length > 0) await reference.load(unknown);
      const now = clock.now().getTime();
      const notices: NoticeToRecord[] = [];
      domainEvents.forEach((event, i) => {
        const recorded = page[i] as RecordedEvent;
        const dossierId = idOf(recorded);
        const current = after.has(dossierId)
          ? (after.get(dossierId) ?? null)
          : (before.get(dossierId) ?? null);
        const folded = foldDeadline(
          current,
          event,
          { dossierId, position: recorded.position, eventId: recorded.eventId },
          reference,
        );
        after.set(dossierId, folded.row);
        if (routes !== null && isNews(recorded, now)) notices.push(...folded.notices);
      });
      const open: DeadlineRow[] = [];
      const closed: string[] = [];
      for (const [dossierId, row] of after) {
        if (row !== null) open.push(row);
        else if (before.has(dossierId)) closed.push(dossierId);
      }
      await saveDeadlineRows(trx, open, closed);
      if (routes !== null) written = await recordNotices(trx, notices, routes, clock.now());
      if (!(await advanceCheckpoint(trx, from, through))) throw new CheckpointMovedError();
    });
    position = through;
    metrics.checkpoint.set(through);
    for (const ref of written) metrics.noticesRecorded.inc({ kind: ref.kind });

    // Redis follows the committed rows. A crash before this point leaves jobs missing, never wrong:
    // the sweep finds what is owed from the table.
    const moved: { dossierId: string; dueAt: number }[] = [];
    const toSchedule: DeadlineRow[] = [];
    for (const [dossierId, row] of after) {
      const old = activeDeadline(before.get(dossierId) ?? null);
      const now = activeDeadline(row);
      if (old !== null && old !== now) moved.push({ dossierId, dueAt: old });
      if (row !== null && now !== null && now !== old) toSchedule.push(row);
    }
    await removeDeadlineJobs(moved);
    // While catching up, effects already due wait for the sweep at the end: the dossier may close a page later.
    await addDeadlineJobs(toSchedule, !full);
    await dispatch(written);
    return { events: page.length, caughtUp: !full, paused: false };
  };

  // ── the sweep ───────────────────────────────────────────────────────────────────────────────────────

  const sweepOnce = async (): Promise<SweepResult> => {
    if (!gateOpen()) return { overdue: 0, warnings: 0, notices: 0, paused: true };
    if ((await redis.exists(sentinelKey(prefix))) === 0) {
      logger?.warn("Redis has lost the scheduler's jobs (its sentinel key is gone): scheduling them again");
      await resync();
    }
    let overdue = 0;
    let warnings = 0;
    let failures = 0;
    let lastFailure: Error | null = null;
    const owed = async (kind: DeadlineJobKind, column: "due_at" | "due_soon_at" | "due_today_at") => {
      const marker = { due_at: "overdue_for", due_soon_at: "due_soon_for", due_today_at: "due_today_for" }[
        column
      ];
      // Keyset pages: an overdue row keeps matching until the watcher reads its event back (after the sweep).
      let after: { at: Date; dossierId: string } | null = null;
      for (;;) {
        const now = clock.now();
        const { rows } = await sql<{ dossier_id: string; due_at: Date; moment: Date }>`
          select dossier_id, due_at, ${sql.ref(column)} as moment from scheduler.deadlines
          where clock_running and ${sql.ref(column)} <= ${now}
            and ${sql.ref(marker)} is distinct from due_at
            ${after === null ? sql`` : sql`and (${sql.ref(column)}, dossier_id) > (${after.at}, ${after.dossierId})`}
          order by ${sql.ref(column)}, dossier_id
          limit ${SWEEP_BATCH}`.execute(db);
        if (rows.length === 0) return;
        let paused = false;
        await inBatches(rows, 8, async (row) => {
          let result: FiringResult;
          try {
            result = await firing.fire(kind, row.dossier_id, row.due_at.getTime(), "sweep");
          } catch (error) {
            // One dossier's failure (a database hiccup) must not stop the sweep; the next one retries it.
            metrics.firings.inc({ kind, source: "sweep", outcome: "error" });
            failures++;
            lastFailure = error instanceof Error ? error : new Error(String(error));
            return;
          }
          if (result.outcome === "recorded") {
            if (kind === "overdue") overdue++;
            else warnings++;
          }
          if (result.outcome === "paused") paused = true;
        });
        const last = rows.at(-1) as { dossier_id: string; moment: Date };
        after = { at: last.moment, dossierId: last.dossier_id };
        if (paused || signal.stopped || rows.length < SWEEP_BATCH) return;
      }
    };
    await owed("overdue", "due_at");
    if (warningsOn) {
      await owed("due-soon", "due_soon_at");
      await owed("due-today", "due_today_at");
    }
    if (failures > 0 && lastFailure !== null) {
      const err = lastFailure as Error;
      logger?.warn(
        { failures, err: { name: err.name, message: err.message } },
        "sweep: some deadlines failed; next sweep retries them",
      );
    }
    const pending = routes === null ? [] : await pendingOutbox(db, 5_000);
    await dispatch(pending);
    return { overdue, warnings, notices: pending.length, paused: false };
  };

  // ── workers ─────────────────────────────────────────────────────────────────────────────────────────

  let workers: Worker[] = [];

  const startWorkers = () => {
    if (!runWorkers) return;
    const deadlineWorker = new Worker<DeadlineJobData>(
      DEADLINE_QUEUE,
      async (job: Job<DeadlineJobData>, token?: string) => {
        const kind = job.name as DeadlineJobKind;
        const result = await firing.fire(kind, job.data.dossierId, job.data.dueAtMs, "job");
        if (result.outcome === "paused" || result.outcome === "not_yet") {
          // Early on the scheduler's clock (clocks differ by a few ms) or held off by a rebuild: wait again.
          const wait = result.outcome === "paused" ? rebuildRetryMs : Math.max(1, realDelay(result.at));
          await job.moveToDelayed(Date.now() + wait, token);
          throw new DelayedError();
        }
      },
      { connection: redis, prefix, concurrency: options.deadlineConcurrency ?? 8 },
    );
    const notificationWorker = new Worker<NotificationJobData>(
      NOTIFICATION_QUEUE,
      async (job: Job<NotificationJobData>, token?: string) => {
        const result = await dispatcher.dispatch(job.data.outboxId, {
          made: job.attemptsMade,
          allowed: job.opts.attempts ?? 1,
        });
        if (result.outcome === "paused") {
          await job.moveToDelayed(Date.now() + rebuildRetryMs, token);
          throw new DelayedError();
        }
        if (result.outcome === "failed") {
          throw result.retryable ? result.error : new UnrecoverableError(result.error.message);
        }
      },
      { connection: redis, prefix, concurrency: n.concurrency ?? 4 },
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

  const pauseWorkers = async () => {
    // Waits for the jobs being worked on.
    await Promise.all(workers.map((w) => w.pause()));
  };

  const resumeWorkers = () => {
    for (const w of workers) w.resume();
  };

  const stopWorkers = async () => {
    const closing = workers;
    workers = [];
    await Promise.all(closing.map((w) => w.close()));
  };

  // ── leadership ──────────────────────────────────────────────────────────────────────────────────────

  /** Everything the active scheduler does, on the connection that holds the lock. */
  // biome-ignore lint/suspicious/noExplicitAny: the lock connection is used for raw statements only
  const lead = async (conn: Kysely<any>) => {
    const myGate = new RebuildGate(conn);
    gate = myGate;
    startWorkers();
    try {
      if (!(await myGate.tryOpen())) {
        await pauseWorkers();
        setPaused(true);
      }
      if ((await redis.exists(sentinelKey(prefix))) === 0) await exclusive(resync);
      role = "active";
      leading = true;
      failuresInARow = 0;
      metrics.active.set(1);
      logger?.info({ position }, "scheduler active");
      for (const resolve of activeWaiters) resolve();
      activeWaiters = [];
      let lastSweep = 0;
      let lastBeat = Date.now();
      let lastGateCheck = Date.now();
      let sweepOwed = true;
      while (!signal.stopped) {
        const now = Date.now();
        if (now - lastBeat >= HEARTBEAT_MS) {
          await sql`select 1`.execute(conn); // throws when the lock's session is gone
          lastBeat = now;
        }
        if (now - lastGateCheck >= (myGate.open ? rebuildCheckMs : rebuildRetryMs)) {
          lastGateCheck = now;
          if (myGate.open) {
            if (await myGate.rebuildWaiting()) {
              // Nothing new starts; the sweep or page in hand and the jobs being worked on finish first.
              await exclusive(() =>
                myGate.letRebuildIn(async () => {
                  await pauseWorkers();
                  setPaused(true);
                }),
              );
            }
          } else if (await myGate.tryOpen()) {
            resumeWorkers();
            setPaused(false);
            sweepOwed = true;
          }
        }
        if (!myGate.open) {
          await nap(Math.min(rebuildRetryMs, pollIntervalMs * 4));
          continue;
        }
        const step = await exclusive(followOnce);
        // The tree follows the whole log on its own position; a failure here must not stop the deadlines.
        const treeStep = transparency
          ? await exclusive(transparency.step).catch((error: unknown) => {
              const err = error instanceof Error ? error : new Error(String(error));
              logger?.warn({ err: { name: err.name, message: err.message } }, "transparency log step failed");
              return { appended: 0, signed: null };
            })
          : null;
        if (step.events > 0 && !step.caughtUp) sweepOwed = true;
        if (!step.caughtUp) continue;
        if (sweepOwed || Date.now() - lastSweep >= sweepIntervalMs) {
          await exclusive(sweepOnce);
          lastSweep = Date.now();
          sweepOwed = false;
          if (!ready) {
            ready = true;
            for (const resolve of readyWaiters) resolve();
            readyWaiters = [];
          }
        }
        if (step.events === 0 && (treeStep?.appended ?? 0) === 0) await nap(pollIntervalMs);
      }
    } finally {
      myGate.lost();
      gate = null;
      ready = false;
      role = signal.stopped ? "stopped" : "standby";
      metrics.active.set(0);
      await stopWorkers();
    }
  };

  /**
   * Attempts that failed in a row (the database away, the lock's session killed by a restart): the wait
   * before the next doubles from 1 s to 15 s, so a long outage costs a retry now and then, not a storm.
   */
  let failuresInARow = 0;
  /** This process became active in the current attempt (its failure then means leadership was lost). */
  let leading = false;
  const done = (async () => {
    while (!signal.stopped) {
      const outcome = await db
        .connection()
        .execute(async (conn) => {
          const { rows } = await sql<{ locked: boolean }>`
            select pg_try_advisory_lock(hashtext(${SCHEDULER_LOCK_KEY})) as locked`.execute(conn);
          if (!rows[0]?.locked) return "standby" as const;
          try {
            await lead(conn);
          } finally {
            await sql`select pg_advisory_unlock(hashtext(${SCHEDULER_LOCK_KEY}))`
              .execute(conn)
              .catch(() => {});
          }
          return "led" as const;
        })
        .catch((error: unknown) => {
          const err = error instanceof Error ? error : new Error(String(error));
          logger?.error(
            { err: { name: err.name, message: err.message }, attempt: failuresInARow + 1 },
            leading
              ? "scheduler lost its database session: leadership released, reconnecting"
              : "scheduler failed; starting over",
          );
          return "failed" as const;
        });
      leading = false;
      if (signal.stopped) break;
      if (outcome === "standby" && role !== "standby")
        logger?.info("scheduler on standby: another holds the lock");
      role = "standby";
      if (outcome === "failed") {
        await nap(Math.min(15_000, 1_000 * 2 ** Math.min(failuresInARow, 4)));
        failuresInARow += 1;
      } else {
        failuresInARow = 0;
        await nap(standbyRetryMs);
      }
    }
    role = "stopped";
  })();

  const requireActive = () => {
    if (role !== "active" || signal.stopped) throw new NotActiveError();
  };

  return {
    get state(): SchedulerState {
      return { role, position, pausedForRebuild };
    },
    metrics,
    registry: metrics.registry,
    service,
    channels,
    deadlineQueue,
    notificationQueue,
    whenActive() {
      if (role === "active") return Promise.resolve();
      return new Promise<void>((resolve) => activeWaiters.push(resolve));
    },
    whenReady() {
      if (role === "active" && ready) return Promise.resolve();
      return new Promise<void>((resolve) => readyWaiters.push(resolve));
    },
    async catchUp() {
      requireActive();
      return exclusive(async () => {
        for (;;) {
          const step = await followOnce();
          if (step.caughtUp) return position;
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
      await dispatch(refs);
      return refs.length;
    },
    async stop() {
      if (signal.stopped) return done;
      signal.stop();
      await done;
      await Promise.all([deadlineQueue.close(), notificationQueue.close()]);
    },
  };
}
