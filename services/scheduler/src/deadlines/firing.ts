import type { DossierService } from "@motcua/commands";
import type { NotificationRoutes } from "@motcua/notifications";
import { type OutboxRef, recordNotices } from "@motcua/notifications";
import type { Clock } from "@motcua/platform";
import type { ReferenceCache } from "@motcua/reference-data";
import { sql } from "kysely";
import { loadDeadlineRows, type SchedulerDb } from "../database";
import type { FiringSource, SchedulerMetrics } from "../metrics";
import { deadlineOccasion, notice } from "./fold";
import type { DeadlineJobKind } from "./jobs";

export type FiringResult =
  /** The effect happened now: the overdue event was appended, or the warning recorded. */
  | { readonly outcome: "recorded" }
  /** Nothing to do: the deadline moved, the clock stopped, the dossier closed, or it was done before. */
  | { readonly outcome: "nothing" }
  /** Its moment has not come on the scheduler's clock (a job that fired early): try again at `at`. */
  | { readonly outcome: "not_yet"; readonly at: number }
  /** A read-model rebuild is running: try again later. */
  | { readonly outcome: "paused" };

export interface DeadlineFiringDeps {
  readonly db: SchedulerDb;
  readonly service: DossierService;
  readonly clock: Clock;
  readonly reference: ReferenceCache;
  readonly metrics: SchedulerMetrics;
  /** Channels per recipient kind; null when notifications are off. */
  readonly routes: NotificationRoutes | null;
  /** False while a read-model rebuild holds the scheduler off. */
  readonly gateOpen: () => boolean;
  /** Hands notices just written to the outbox to the dispatcher (after their transaction committed). */
  readonly dispatch: (refs: readonly OutboxRef[]) => Promise<void>;
}

/**
 * What happens when a deadline's moment comes, whether a BullMQ job or the sweep noticed it. Idempotent:
 * the deadlines row says what is still owed, the overdue command's id derives from the deadline, and the
 * outbox keeps one notice per deadline.
 */
export function createDeadlineFiring(deps: DeadlineFiringDeps) {
  const { db, clock, metrics } = deps;

  const fireOverdue = async (dossierId: string, dueAtMs: number): Promise<FiringResult> => {
    if (!deps.gateOpen()) return { outcome: "paused" };
    if (clock.now().getTime() < dueAtMs) return { outcome: "not_yet", at: dueAtMs };
    // No look at the deadlines row: the command loads the dossier and decides from its history, so a job
    // for a deadline that has since moved, stopped or been met records nothing, and a firing costs two
    // round trips and one durable commit. The event says dueAt and the unit holding the dossier; the
    // row's marker is set when the watcher reads the event back.
    const answer = await deps.service.markOverdue(dossierId);
    if (answer === null) return { outcome: "nothing" };
    metrics.overdueLateness.observe(Math.max(0, clock.now().getTime() - dueAtMs) / 1_000);
    return { outcome: "recorded" };
  };

  const fireWarning = async (
    kind: "due-soon" | "due-today",
    dossierId: string,
    dueAtMs: number,
  ): Promise<FiringResult> => {
    if (!deps.gateOpen()) return { outcome: "paused" };
    const seen = (await loadDeadlineRows(db, [dossierId], false)).get(dossierId);
    // Reference data first: nothing waits for a second connection while a transaction holds one.
    if (seen) await deps.reference.load([seen.holdingUnitId]);
    let written: OutboxRef[] = [];
    const result = await db.transaction().execute(async (trx): Promise<FiringResult> => {
      // Losing this commit in a crash only means recording the warning again later (once: the outbox key).
      await sql`set local synchronous_commit = off`.execute(trx);
      const row = (await loadDeadlineRows(trx, [dossierId], true)).get(dossierId);
      const done = kind === "due-soon" ? row?.dueSoonFor : row?.dueTodayFor;
      const at = kind === "due-soon" ? row?.dueSoonAt : row?.dueTodayAt;
      if (!row?.clockRunning || row.dueAt !== dueAtMs || done === dueAtMs || at == null) {
        return { outcome: "nothing" };
      }
      const now = clock.now().getTime();
      if (now < at) return { outcome: "not_yet", at };
      // A warning whose deadline has already passed says nothing useful: the overdue notice will.
      const owed = now < dueAtMs && deps.routes !== null;
      if (owed && deps.routes !== null) {
        await deps.reference.load([row.holdingUnitId]); // a no-op unless a transfer just changed the holder
        const facts = {
          kind: kind === "due-soon" ? ("due_soon" as const) : ("due_today" as const),
          code: row.code,
          unitName: deps.reference.unitNameOf(row.holdingUnitId),
          dueAt: dueAtMs,
        };
        written = await recordNotices(
          trx,
          [notice(dossierId, deadlineOccasion(dueAtMs), row.holdingUnitId, facts)],
          deps.routes,
          clock.now(),
        );
        if (written.length > 0) metrics.noticesRecorded.inc({ kind: facts.kind }, written.length);
      }
      await trx
        .updateTable("scheduler.deadlines")
        .set(kind === "due-soon" ? { due_soon_for: new Date(dueAtMs) } : { due_today_for: new Date(dueAtMs) })
        .where("dossier_id", "=", dossierId)
        .execute();
      return { outcome: owed ? "recorded" : "nothing" };
    });
    if (written.length > 0) await deps.dispatch(written);
    return result;
  };

  return {
    async fire(
      kind: DeadlineJobKind,
      dossierId: string,
      dueAtMs: number,
      source: FiringSource,
    ): Promise<FiringResult> {
      const result =
        kind === "overdue"
          ? await fireOverdue(dossierId, dueAtMs)
          : await fireWarning(kind, dossierId, dueAtMs);
      metrics.firings.inc({ kind, source, outcome: result.outcome });
      return result;
    },
  };
}

export type DeadlineFiring = ReturnType<typeof createDeadlineFiring>;
