import type { LeaderTerm, Logger, StopSignal } from "@motcua/platform";
import type { TransparencyStep } from "@motcua/transparency-log";
import { RebuildGate } from "../coordination";
import type { SchedulerMetrics } from "../metrics";
import type { Serial } from "./concurrency";
import type { LogFollower } from "./follow-log";
import type { RedisJobs } from "./redis-jobs";
import type { SweepResult } from "./sweep";
import type { SchedulerWorkers } from "./workers";

export type SchedulerRole = "starting" | "standby" | "active" | "stopped";

/**
 * What the rest of the process sees of the scheduler's leadership: its role, whether a rebuild holds it
 * off, and the promises that wait for it to become active and ready.
 */
export class SchedulerStatus {
  role: SchedulerRole = "starting";
  pausedForRebuild = false;
  /** The rebuild gate of the current term (null when not leading). */
  gate: RebuildGate | null = null;
  /** Whether the active scheduler has done its start-up catch-up and sweep. */
  ready = false;
  private activeWaiters: (() => void)[] = [];
  private readyWaiters: (() => void)[] = [];

  constructor(
    private readonly metrics: SchedulerMetrics,
    private readonly logger?: Logger | undefined,
  ) {}

  /** False while a read-model rebuild holds the scheduler off (and whenever it is not leading). */
  gateOpen = (): boolean => this.gate?.open === true;

  setPaused(paused: boolean): void {
    if (paused !== this.pausedForRebuild) {
      this.logger?.info(
        paused ? "a read-model rebuild is running: the scheduler waits" : "rebuild over: scheduler resumes",
      );
    }
    this.pausedForRebuild = paused;
    this.metrics.pausedForRebuild.set(paused ? 1 : 0);
  }

  becameActive(): void {
    this.role = "active";
    this.metrics.active.set(1);
    for (const resolve of this.activeWaiters) resolve();
    this.activeWaiters = [];
  }

  becameReady(): void {
    if (this.ready) return;
    this.ready = true;
    for (const resolve of this.readyWaiters) resolve();
    this.readyWaiters = [];
  }

  whenActive(): Promise<void> {
    if (this.role === "active") return Promise.resolve();
    return new Promise<void>((resolve) => this.activeWaiters.push(resolve));
  }

  whenReady(): Promise<void> {
    if (this.role === "active" && this.ready) return Promise.resolve();
    return new Promise<void>((resolve) => this.readyWaiters.push(resolve));
  }
}

export interface LeadDeps {
  readonly status: SchedulerStatus;
  readonly signal: StopSignal;
  /** The one queue the log, the sweep and the tree take turns in. */
  readonly exclusive: Serial;
  readonly workers: SchedulerWorkers;
  readonly jobs: RedisJobs;
  readonly follower: LogFollower;
  readonly sweepOnce: () => Promise<SweepResult>;
  readonly transparency: { step(): Promise<TransparencyStep>; idleMs(): number } | null;
  readonly metrics: SchedulerMetrics;
  readonly logger?: Logger | undefined;
  readonly pollIntervalMs: number;
  readonly sweepIntervalMs: number;
  readonly rebuildRetryMs: number;
  readonly rebuildCheckMs: number;
}

/**
 * Everything the active scheduler does for as long as it leads (`runWhileLeader`'s work): takes the
 * rebuild gate on the lock's session, starts the workers, then follows the log, keeps the tree and sweeps
 * until stopped or the session is lost; a rebuild that asks to run is let in and waited out.
 */
export function leadScheduler(deps: LeadDeps): (term: LeaderTerm) => Promise<void> {
  const { status, signal, exclusive, workers, jobs, follower, transparency, metrics, logger } = deps;
  const { pollIntervalMs, sweepIntervalMs, rebuildRetryMs, rebuildCheckMs } = deps;
  return async (term) => {
    const myGate = new RebuildGate(term.session);
    status.gate = myGate;
    workers.start();
    try {
      if (!(await myGate.tryOpen())) {
        await workers.pause();
        status.setPaused(true);
      }
      if (await jobs.lostItsJobs()) await exclusive(jobs.resync);
      status.becameActive();
      logger?.info({ position: follower.position }, "scheduler active");
      let lastSweep = 0;
      let lastGateCheck = Date.now();
      let sweepOwed = true;
      while (!signal.stopped && !term.lost) {
        const now = Date.now();
        if (now - lastGateCheck >= (myGate.open ? rebuildCheckMs : rebuildRetryMs)) {
          lastGateCheck = now;
          if (myGate.open) {
            if (await myGate.rebuildWaiting()) {
              // Nothing new starts; the sweep or page in hand and the jobs being worked on finish first.
              await exclusive(() =>
                myGate.letRebuildIn(async () => {
                  await workers.pause();
                  status.setPaused(true);
                }),
              );
            }
          } else if (await myGate.tryOpen()) {
            workers.resume();
            status.setPaused(false);
            sweepOwed = true;
          }
        }
        if (!myGate.open) {
          await signal.nap(Math.min(rebuildRetryMs, pollIntervalMs * 4));
          continue;
        }
        const step = await exclusive(follower.followOnce);
        // The tree follows the whole log on its own position; a failure here must not stop the deadlines.
        // Once caught up it lets appends gather for a moment (idleMs) rather than step for each one.
        const treeStep =
          transparency && transparency.idleMs() === 0
            ? await exclusive(transparency.step).catch((error: unknown) => {
                const err = error instanceof Error ? error : new Error(String(error));
                logger?.warn(
                  { err: { name: err.name, message: err.message } },
                  "transparency log step failed",
                );
                return { appended: 0, signed: null };
              })
            : null;
        if (step.events > 0 && !step.caughtUp) sweepOwed = true;
        if (!step.caughtUp) continue;
        if (sweepOwed || Date.now() - lastSweep >= sweepIntervalMs) {
          await exclusive(deps.sweepOnce);
          lastSweep = Date.now();
          sweepOwed = false;
          status.becameReady();
        }
        // Caught up, it waits pollIntervalMs even after a page that applied events, as the tree does:
        // under a stream of appends (the overdue events it fires, say) each step then takes a batch
        // instead of one event or two, and its statements (checkpoints, head, page, transaction) are
        // shared. The lag is the idle watcher's: at most one poll interval.
        if ((treeStep?.appended ?? 0) === 0) await signal.nap(pollIntervalMs);
      }
    } finally {
      myGate.lost();
      status.gate = null;
      status.ready = false;
      status.role = signal.stopped ? "stopped" : "standby";
      metrics.active.set(0);
      await workers.stop();
    }
  };
}
