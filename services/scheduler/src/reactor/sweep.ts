import { type NotificationRoutes, pendingOutbox } from "@motcua/notifications";
import type { Clock, Logger, StopSignal } from "@motcua/platform";
import { sql } from "kysely";
import type { SchedulerDb } from "../database";
import type { DeadlineFiring, FiringResult } from "../deadlines/firing";
import type { DeadlineJobKind } from "../deadlines/jobs";
import type { SchedulerMetrics } from "../metrics";
import { inBatches } from "./concurrency";
import type { RedisJobs } from "./redis-jobs";

const SWEEP_BATCH = 500;

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

export interface SweepDeps {
  readonly db: SchedulerDb;
  readonly clock: Clock;
  readonly firing: DeadlineFiring;
  readonly metrics: SchedulerMetrics;
  /** Channels per recipient kind; null when notifications are off. */
  readonly routes: NotificationRoutes | null;
  /** Due-soon and due-today warnings besides the overdue deadline. */
  readonly warnings: boolean;
  /** False while a read-model rebuild holds the scheduler off. */
  readonly gateOpen: () => boolean;
  readonly jobs: RedisJobs;
  readonly signal: StopSignal;
  readonly logger?: Logger | undefined;
}

/**
 * Every effect whose moment has come on the clock, found from the deadlines table rather than Redis: the
 * jobs are a fast path, the sweep is what makes sure (a lost job, a job early on a compressed clock).
 */
export function createSweep(deps: SweepDeps): () => Promise<SweepResult> {
  const { db, clock, firing, metrics, jobs, signal, logger } = deps;
  return async () => {
    if (!deps.gateOpen()) return { overdue: 0, warnings: 0, notices: 0, paused: true };
    if (await jobs.lostItsJobs()) {
      logger?.warn("Redis has lost the scheduler's jobs (its sentinel key is gone): scheduling them again");
      await jobs.resync();
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
    if (deps.warnings) {
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
    const pending = deps.routes === null ? [] : await pendingOutbox(db, 5_000);
    await jobs.dispatch(pending);
    return { overdue, warnings, notices: pending.length, paused: false };
  };
}
