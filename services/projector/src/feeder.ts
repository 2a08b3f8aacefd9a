import type { EventStore, ProjectionEvent } from "@motcua/event-store";
import {
  createPostgresPool,
  createStopSignal,
  type LeaderTerm,
  type Logger,
  runWhileLeader,
} from "@motcua/platform";
import {
  activeReadModelVersion,
  ensureActiveReadModelVersion,
  ensureCheckpoints,
  migrateReadModels,
  partitionOf,
  type ReadModelDb,
  readCheckpoints,
} from "@motcua/read-models";
import type { JobsOptions, Queue } from "bullmq";
import { Kysely, PostgresDialect, sql } from "kysely";
import { haltedPartitions } from "./dead-letters";
import {
  type JobEvent,
  type ProjectionJobData,
  projectionJobId,
  projectionJobPriority,
  readForProjection,
  toJobEvent,
} from "./job";

/** One feeder per deployment: whoever holds this session-level advisory lock feeds; the others stand by. */
export const FEEDER_LOCK_KEY = "motcua.projector.feeder";

/**
 * How jobs are added: retried without end on transient errors (capped backoff), removed once applied —
 * the checkpoint remembers what was done, and Redis keeps no copy of the log. A failed job stays (with
 * no personal data in it) as the dead letter an operator replays.
 */
export const PROJECTION_JOB_OPTIONS: JobsOptions = {
  attempts: 1_000_000,
  backoff: { type: "capped" },
  removeOnComplete: true,
  removeOnFail: false,
};

export const DEFAULT_FEEDER_PAGE_SIZE = 10_000;

export interface FeederOptions {
  readonly store: EventStore;
  readonly db: ReadModelDb;
  /** The read models' database: the feeder holds its advisory lock on a connection of its own. */
  readonly databaseUrl: string;
  readonly queue: Queue<ProjectionJobData>;
  readonly partitions: number;
  readonly logger?: Logger;
  /**
   * Events read per page (one job per partition per page). Default 10,000: when the feeder is behind, big
   * pages mean few large batches (the projection's cost is per statement more than per row); when it is
   * not, a page holds just what arrived since the last look.
   */
  readonly pageSize?: number;
  /**
   * How often the feeder asks for the head while jobs are in flight, or always when the store cannot
   * say when events are appended. Default 25 ms.
   */
  readonly pollIntervalMs?: number;
  /**
   * How often a feeder with nothing in flight asks for the head when the store wakes it on appends
   * (`onAppended`: Postgres LISTEN/NOTIFY) — the fallback for a lost wake-up. Default 250 ms.
   */
  readonly idlePollMs?: number;
  /**
   * An idle partition (no new events, its last job applied) is told how far the log goes at most this
   * often. Default 0: every round — the feeder moves idle partitions' checkpoints itself, in one
   * statement for all of them, not by jobs, so the read position follows the partitions that have events.
   */
  readonly idleAdvanceMs?: number;
  /**
   * Events the feeder may have read past the lowest checkpoint (bounds Redis memory). Default 100,000.
   * Counted in events, not positions: EventStoreDB's positions are byte offsets (~1 KB an event).
   */
  readonly maxInFlight?: number;
  /** A partition at rest this long while behind has its next job looked up in Redis. Default 1 s. */
  readonly lossGraceMs?: number;
  /** How often to look for a newly activated version. Default 250 ms. */
  readonly versionCheckMs?: number;
  /** A standby retries the lock this often. Default 1 s. */
  readonly standbyRetryMs?: number;
  /** How often the leading feeder checks that its lock's session is alive. Default 1 s. */
  readonly heartbeatMs?: number;
  /** Progress lines at info level this often. Default 10 s. */
  readonly progressEveryMs?: number;
}

export interface FeederState {
  readonly role: "starting" | "standby" | "active" | "stopped";
  readonly schema: string | null;
  /** The log position read and handed to jobs up to. */
  readonly cursor: number;
  /** Times the feeder went back to the lowest checkpoint because jobs had gone missing (or a replay). */
  readonly rewinds: number;
}

export interface Feeder {
  readonly state: FeederState;
  /**
   * A worker in this process applied a job (its partition's checkpoint is now `checkpoint`): the feeder
   * learns it at once instead of at its next look at the checkpoints, and sends what it held for it.
   */
  applied(schema: string, partition: number, checkpoint: number): void;
  /** Stops feeding and releases the lock. */
  stop(): Promise<void>;
}

export function startFeeder(options: FeederOptions): Feeder {
  const { store, db, queue, logger } = options;
  const P = options.partitions;
  const pageSize = options.pageSize ?? DEFAULT_FEEDER_PAGE_SIZE;
  const pollMs = options.pollIntervalMs ?? 25;
  const idlePollMs = Math.max(pollMs, options.idlePollMs ?? 250);
  const idleAdvanceMs = options.idleAdvanceMs ?? 0;
  const maxInFlight = options.maxInFlight ?? 10 * DEFAULT_FEEDER_PAGE_SIZE;
  const lossGraceMs = options.lossGraceMs ?? 1_000;
  const versionCheckMs = options.versionCheckMs ?? 250;
  const standbyRetryMs = options.standbyRetryMs ?? 1_000;
  const progressEveryMs = options.progressEveryMs ?? 10_000;

  let state: FeederState = { role: "starting", schema: null, cursor: 0, rewinds: 0 };
  const signal = createStopSignal();
  const nap = signal.nap;

  /**
   * The feed loop's sleep between rounds: it ends early when events are appended (the store's wake-up),
   * when a worker here applies a job, or on stop. A wake-up while the loop is busy makes its next sleep
   * end at once.
   */
  let woken = false;
  let endSleep: (() => void) | null = null;
  const wake = () => {
    woken = true;
    endSleep?.();
  };
  const sleep = (ms: number) => {
    if (woken || signal.stopped) {
      woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        endSleep = null;
        woken = false;
        resolve();
      };
      const timer = setTimeout(done, ms);
      endSleep = done;
    });
  };
  const stopListening = store.onAppended?.(wake);
  const listening = stopListening !== undefined;
  /** Set while feeding: takes in a checkpoint a worker of this process has just moved. */
  let noteApplied: ((schema: string, partition: number, checkpoint: number) => void) | null = null;

  // The lock lives on a connection of the feeder's own, apart from the read models' pool.
  const lockDb = new Kysely({
    dialect: new PostgresDialect({
      pool: createPostgresPool(options.databaseUrl, {
        max: 1,
        applicationName: "motcua-feeder",
        ...(logger ? { logger } : {}),
      }),
    }),
  });

  /** Feeds the active version while this process holds the lock. */
  const feed = async (term: LeaderTerm) => {
    let schema: string | null = null;
    for (;;) {
      if (signal.stopped || term.lost) return;
      // The active version; a deployment's first start makes the first one.
      schema = await ensureActiveReadModelVersion(db, P);
      if (schema !== null) break;
      logger?.info("no read-model version is active yet: waiting for the rebuild to activate one");
      await nap(versionCheckMs * 4);
    }
    await migrateReadModels(db, schema);
    await ensureCheckpoints(db, schema, P);

    let checkpoints = new Array<number>(P).fill(0);
    let halted = new Set<number>();
    /** Per partition, the position its last job reached: the next job for it starts there. */
    const sentThrough = new Array<number>(P).fill(0);
    const lastSentAt = new Array<number>(P).fill(0);
    /** Per partition, the jobs sent since the last rewind: fromPosition → throughPosition. */
    const sent = Array.from({ length: P }, () => new Map<number, number>());
    /**
     * Per partition, events read but not sent yet: a partition whose last job is still being applied
     * gets the events that arrive meanwhile in ONE next job once it is done, so under load the batches
     * grow instead of the queue, and no job waits behind its predecessor in a worker.
     */
    let held: JobEvent[][] = Array.from({ length: P }, () => []);
    let cursor = 0;
    /**
     * Positions of the events read since the last rewind, ascending, from `inFlightStart` on those not yet
     * at or below the lowest checkpoint: what is in flight, counted in events whatever a position measures.
     */
    let readPositions: number[] = [];
    let inFlightStart = 0;

    const refresh = async () => {
      const rows = await readCheckpoints(db, schema as string);
      const next = new Array<number>(P).fill(0);
      for (const row of rows) if (row.partition < P) next[row.partition] = row.position;
      checkpoints = next;
      const nowHalted = await haltedPartitions(db, schema as string);
      const released = [...halted].filter((p) => !nowHalted.has(p));
      halted = nowHalted;
      return released;
    };
    const lowest = () => {
      let min = Number.POSITIVE_INFINITY;
      for (let p = 0; p < P; p++) if (!halted.has(p)) min = Math.min(min, checkpoints[p] as number);
      return Number.isFinite(min) ? min : cursor;
    };
    const rewindTo = (position: number, why: string) => {
      if (position < cursor) {
        logger?.warn({ schema, from: cursor, to: position }, `feeder rewinds: ${why}`);
      }
      cursor = position;
      readPositions = [];
      inFlightStart = 0;
      held = Array.from({ length: P }, () => []);
      sentThrough.fill(position);
      lastSentAt.fill(0);
      for (const chain of sent) chain.clear();
    };

    await refresh();
    rewindTo(lowest(), "start");
    state = { ...state, role: "active", schema, cursor };
    failuresInARow = 0;
    logger?.info({ schema, cursor, partitions: P }, "feeder active");

    let lastVersionCheck = Date.now();
    let lastRefresh = 0;
    /** Per partition, when its checkpoint last moved (or the feeder last saw it at rest and up to date). */
    const movedAt = new Array<number>(P).fill(Date.now());
    const seenAt = new Array<number>(P).fill(-1);

    /**
     * Redis is a transport: it may lose jobs (flush, restart without persistence). A partition whose
     * checkpoint has not moved for `lossGraceMs` while jobs were sent past it is checked: the job that
     * covers its checkpoint must still be in the queue (waiting, delayed, or active — a dead worker's
     * job is taken up again by BullMQ). If it is gone, the feeder goes back to the lowest checkpoint.
     */
    const jobsWentMissing = async (now: number): Promise<boolean> => {
      for (let p = 0; p < P; p++) {
        const checkpoint = checkpoints[p] as number;
        if (checkpoint !== seenAt[p]) {
          seenAt[p] = checkpoint;
          movedAt[p] = now;
        }
        const chain = sent[p] as Map<number, number>;
        for (const [from, through] of chain) if (through <= checkpoint) chain.delete(from);
        if (halted.has(p) || checkpoint >= (sentThrough[p] as number)) {
          movedAt[p] = now;
          continue;
        }
        if (now - (movedAt[p] as number) < lossGraceMs) continue;
        // The job that covers the checkpoint: it starts at or below it (below after a rewind).
        let next: [number, number] | undefined;
        for (const [from, through] of chain) {
          if (from <= checkpoint && through > checkpoint && (next === undefined || from < next[0])) {
            next = [from, through];
          }
        }
        if (next === undefined) return true;
        const jobState = await queue.getJobState(
          projectionJobId({
            schema: schema as string,
            partition: p,
            fromPosition: next[0],
            throughPosition: next[1],
          }),
        );
        if (jobState === "unknown" || jobState === "completed") {
          // Read after the job's state: if the job has just been applied, the checkpoint shows it.
          await refresh();
          if ((checkpoints[p] as number) === checkpoint && !halted.has(p)) return true;
        }
        movedAt[p] = now; // still queued (or just applied): look again after another grace period
      }
      return false;
    };
    let lastProgress = Date.now();
    let fedSinceProgress = 0;

    const addJobs = async (jobs: ProjectionJobData[]) => {
      if (jobs.length === 0) return;
      await queue.addBulk(
        jobs.map((data) => ({
          name: "project",
          data,
          opts: {
            ...PROJECTION_JOB_OPTIONS,
            jobId: projectionJobId(data),
            priority: projectionJobPriority(data.fromPosition),
          },
        })),
      );
      const now = Date.now();
      for (const job of jobs) {
        sent[job.partition]?.set(job.fromPosition, job.throughPosition);
        sentThrough[job.partition] = job.throughPosition;
        lastSentAt[job.partition] = now;
      }
    };

    /** Events read past the lowest checkpoint (the checkpoints only move forward between rewinds). */
    const eventsInFlight = () => {
      const floor = lowest();
      while (inFlightStart < readPositions.length && (readPositions[inFlightStart] as number) <= floor) {
        inFlightStart += 1;
      }
      if (inFlightStart > 4_096 && inFlightStart * 2 > readPositions.length) {
        readPositions = readPositions.slice(inFlightStart);
        inFlightStart = 0;
      }
      return readPositions.length - inFlightStart;
    };

    /** Whether a partition's last job is still being applied, as far as the last refresh knows. */
    const busy = (p: number) => (checkpoints[p] as number) < (sentThrough[p] as number);
    const holding = () => held.some((list, p) => list.length > 0 && !halted.has(p));
    const anyBusy = () => {
      for (let p = 0; p < P; p++) if (!halted.has(p) && busy(p)) return true;
      return false;
    };
    noteApplied = (appliedSchema, p, checkpoint) => {
      if (appliedSchema !== schema || !(p >= 0 && p < P)) return;
      if (checkpoint > (checkpoints[p] as number)) checkpoints[p] = checkpoint;
      if ((held[p]?.length ?? 0) > 0 || (sentThrough[p] as number) < cursor) wake();
    };

    /**
     * Idle partitions — their last job applied, no event since — are moved to `through` by the feeder
     * itself: one statement for all of them instead of an empty job each. It means what an empty job
     * means (the partition has no event in (from, through]) and moves a checkpoint only from where the
     * feeder left it or above, never backwards; one it did not move (not at `from` yet: cannot happen
     * unless the feeder's view is wrong) stays below `sentThrough`, so the lost-job check rewinds.
     */
    const advanceIdle = async (partitions: readonly number[], through: number) => {
      if (partitions.length === 0) return;
      const froms = partitions.map((p) => sentThrough[p] as number);
      const { rows } = await sql<{ partition: number }>`
        update ${sql.table(`${schema}.checkpoints`)} c set position = ${through}, updated_at = now()
        from unnest(${partitions}::int4[], ${froms}::int8[]) as a(partition, from_position),
          (select set_config('synchronous_commit', 'off', true)) as commit_mode(off)
        where c.partition = a.partition and c.position >= a.from_position and c.position < ${through}
        returning c.partition`.execute(db);
      const now = Date.now();
      for (const p of partitions) {
        sentThrough[p] = through;
        lastSentAt[p] = now;
      }
      for (const row of rows) {
        const p = Number(row.partition);
        if ((checkpoints[p] as number) < through) checkpoints[p] = through;
      }
    };

    /**
     * Jobs for everything read up to `through`: partitions with events (held while busy, unless a full
     * page has piled up), and idle ones due an advance. A halted partition gets nothing: its release
     * rewinds the feeder, which reads its events again.
     */
    const sendUpTo = async (events: readonly ProjectionEvent[], through: number) => {
      for (const event of events) {
        const p = partitionOf(event.streamId, P);
        if (!halted.has(p)) held[p]?.push(toJobEvent(event));
      }
      const now = Date.now();
      const jobs: ProjectionJobData[] = [];
      const idle: number[] = [];
      for (let p = 0; p < P; p++) {
        if (halted.has(p)) continue;
        const from = sentThrough[p] as number;
        if (from >= through) continue;
        const list = held[p] as JobEvent[];
        if (busy(p) && list.length < pageSize) continue;
        if (list.length === 0) {
          if (now - (lastSentAt[p] as number) >= idleAdvanceMs) idle.push(p);
          continue;
        }
        jobs.push({
          schema: schema as string,
          partition: p,
          fromPosition: from,
          throughPosition: through,
          events: list,
        });
        held[p] = [];
      }
      await addJobs(jobs);
      await advanceIdle(idle, through);
    };

    while (!signal.stopped && !term.lost) {
      const now = Date.now();
      if (now - lastVersionCheck >= versionCheckMs) {
        lastVersionCheck = now;
        const active = await activeReadModelVersion(db);
        if (active !== null && active !== schema) {
          logger?.info({ from: schema, to: active }, "feeder follows the newly activated read-model version");
          return; // start over on the new version
        }
      }
      // Held events go out as soon as their partition is free: look at the checkpoints every poll then;
      // with jobs in flight, every other poll; with none, only for partitions released by a replay.
      const refreshMs = holding() ? pollMs : anyBusy() ? Math.max(pollMs, 50) : idlePollMs;
      if (now - lastRefresh >= refreshMs || eventsInFlight() > maxInFlight) {
        lastRefresh = now;
        const released = await refresh();
        if (released.length > 0) {
          rewindTo(lowest(), `partitions ${released.join(", ")} were replayed`);
          state = { ...state, cursor, rewinds: state.rewinds + 1 };
        }
        if (await jobsWentMissing(now)) {
          rewindTo(lowest(), "a partition's next job is gone from Redis");
          state = { ...state, cursor, rewinds: state.rewinds + 1 };
        }
      }
      if (eventsInFlight() > maxInFlight) {
        await sleep(pollMs);
        continue;
      }

      const head = await store.headPosition();
      if (head > cursor) {
        const events: ProjectionEvent[] = [];
        for await (const event of readForProjection(store, cursor, pageSize)) events.push(event);
        const last = events.at(-1)?.position ?? cursor;
        // A short page holds everything up to the head read before it; a full one only up to its last event.
        const through = events.length >= pageSize ? last : Math.max(head, last);
        await sendUpTo(events, through);
        for (const event of events) readPositions.push(event.position);
        cursor = through;
        fedSinceProgress += events.length;
        state = { ...state, cursor };
      } else {
        await sendUpTo([], cursor);
        // Nothing in flight: appends wake the feeder (when the store says when), the poll is a fallback.
        await sleep(listening && !holding() && !anyBusy() ? idlePollMs : pollMs);
      }
      if (Date.now() - lastProgress >= progressEveryMs) {
        const seconds = (Date.now() - lastProgress) / 1_000;
        logger?.info(
          {
            schema,
            cursor,
            head,
            lowestCheckpoint: lowest(),
            eventsPerSecond: Math.round(fedSinceProgress / seconds),
          },
          "feeder progress",
        );
        lastProgress = Date.now();
        fedSinceProgress = 0;
      }
    }
  };

  /**
   * Feeding attempts that failed in a row: the wait before the next doubles from 250 ms to 15 s (a
   * restart costs a second or two; a long outage a retry now and then, not a storm).
   */
  let failuresInARow = 0;
  const backoff = () => {
    const ms = Math.min(15_000, 250 * 2 ** Math.min(failuresInARow, 6));
    failuresInARow += 1;
    return nap(ms);
  };
  const done = runWhileLeader(
    FEEDER_LOCK_KEY,
    async (term) => {
      while (!signal.stopped && !term.lost) {
        try {
          await feed(term);
        } catch (error) {
          const err = error as Error;
          logger?.error({ err: { name: err.name, message: err.message } }, "feeder failed; starting over");
          await backoff();
        }
      }
    },
    {
      db: lockDb,
      signal,
      standbyRetryMs,
      heartbeatMs: options.heartbeatMs ?? 1_000,
      firstRetryMs: 250,
      onStandby: () => {
        if (state.role !== "standby") logger?.info("feeder on standby: another feeder holds the lock");
        state = { ...state, role: "standby" };
      },
      onFailure: (err, { wasLeading }) => {
        // Postgres unreachable, or the lock's session gone: stand by and try again.
        if (wasLeading && !signal.stopped) {
          logger?.warn(
            { err: { name: err.name, message: err.message } },
            "feeder lost its lock connection: standing by",
          );
        }
        state = { ...state, role: "standby" };
      },
    },
  ).finally(async () => {
    stopListening?.();
    await lockDb.destroy().catch(() => {});
    state = { ...state, role: "stopped" };
  });

  return {
    get state() {
      return state;
    },
    applied(appliedSchema, partition, checkpoint) {
      noteApplied?.(appliedSchema, partition, checkpoint);
    },
    async stop() {
      signal.stop();
      wake();
      await done;
    },
  };
}
