import { type CommandDeps, markFeedbackOverdue } from "@motcua/commands";
import { FEEDBACK_STREAM_PREFIX, type FeedbackEvent } from "@motcua/domain";
import type { EventStore, RecordedEvent } from "@motcua/event-store";
import { migrateSchedulerSchema } from "@motcua/notifications";
import type { Clock, Logger } from "@motcua/platform";
import type { Queue } from "bullmq";
import { type Kysely, sql } from "kysely";
import { DEADLINE_JOB_OPTIONS, type DeadlineJobData } from "../deadlines/jobs";
import { inBatches } from "../reactor/concurrency";

/*
 * The deadline watcher's part for feedback (phản ánh, kiến nghị): it follows the `feedback-` streams on a
 * checkpoint of its own, keeps one row per unanswered feedback in `scheduler.feedback_deadlines`, and at
 * each due moment appends `FeedbackBecameOverdue` through the feedback's system command — from a BullMQ
 * delayed job, or the sweep when Redis lost it. Exactly once: the command's id derives from the deadline
 * and the decider refuses a second overdue.
 */

export const FEEDBACK_WATCHER_CHECKPOINT = "feedback-watcher";
/** The job name in the deadline queue; its data's `dossierId` holds the feedback's id. */
export const FEEDBACK_OVERDUE_JOB = "feedback-overdue";
export const feedbackOverdueJobId = (feedbackId: string, dueAtMs: number) =>
  `${FEEDBACK_OVERDUE_JOB}:${feedbackId}:${dueAtMs}`;

// biome-ignore lint/suspicious/noExplicitAny: the scheduler's tables are reached with raw SQL here
type AnyDb = Kysely<any>;

// biome-ignore lint/suspicious/noExplicitAny: migrations never depend on the application's table types
export async function migrateFeedbackDeadlines(db: Kysely<any>): Promise<void> {
  await migrateSchedulerSchema(db, async (trx) => {
    await sql`
      create table if not exists scheduler.feedback_deadlines (
        feedback_id uuid primary key,
        unit_id text not null,
        due_at timestamptz not null,
        overdue_for timestamptz,
        position bigint not null
      )`.execute(trx);
    await sql`
      create index if not exists feedback_deadlines_owed on scheduler.feedback_deadlines (due_at)
        where overdue_for is distinct from due_at`.execute(trx);
    await sql`
      insert into scheduler.checkpoints (name, position) values (${FEEDBACK_WATCHER_CHECKPOINT}, 0)
      on conflict (name) do nothing`.execute(trx);
  });
}

interface Row {
  readonly feedbackId: string;
  readonly unitId: string;
  readonly dueAt: number;
  readonly overdueFor: number | null;
  readonly position: number;
}

/** One event folded into the feedback's row; null once answered or closed (nothing owed any more). */
export function foldFeedbackDeadline(
  row: Row | null,
  event: FeedbackEvent,
  feedbackId: string,
  position: number,
): Row | null {
  switch (event.type) {
    case "FeedbackSubmitted":
      return {
        feedbackId,
        unitId: event.data.unitId,
        dueAt: Date.parse(event.data.dueAt),
        overdueFor: null,
        position,
      };
    case "FeedbackAssigned":
      return row === null ? null : { ...row, unitId: event.data.toUnitId, position };
    case "FeedbackBecameOverdue":
      return row === null ? null : { ...row, overdueFor: Date.parse(event.data.dueAt), position };
    case "FeedbackSenderErased":
      return row === null ? null : { ...row, position };
    case "FeedbackAnswered":
    case "FeedbackClosed":
      return null;
    default: {
      const unknown: never = event;
      throw new Error(`unknown feedback event ${JSON.stringify(unknown)}`);
    }
  }
}

export interface FeedbackWatcherDeps {
  readonly store: EventStore;
  readonly db: AnyDb;
  readonly clock: Clock;
  /** The command functions' dependencies (the dossier service's), for the overdue command. */
  readonly commands: () => CommandDeps;
  readonly deadlineQueue: Queue<DeadlineJobData>;
  /** Real milliseconds until a clock instant. */
  readonly realDelay: (at: number) => number;
  readonly pageSize: number;
  readonly gateOpen: () => boolean;
  readonly logger?: Logger | undefined;
}

export type FeedbackFiring =
  | { readonly outcome: "recorded" | "nothing" | "paused" }
  | { readonly outcome: "not_yet"; readonly at: number };

export function createFeedbackWatcher(deps: FeedbackWatcherDeps) {
  const { store, db, clock } = deps;
  const idOf = (event: RecordedEvent) => event.streamId.slice(FEEDBACK_STREAM_PREFIX.length);

  const checkpoint = async (): Promise<number> => {
    const { rows } = await sql<{ position: string }>`
      select position from scheduler.checkpoints where name = ${FEEDBACK_WATCHER_CHECKPOINT}`.execute(db);
    return Number(rows[0]?.position ?? 0);
  };

  /** One page of the feedback streams applied: rows and checkpoint in one transaction, then the jobs. */
  const followOnce = async (): Promise<{ events: number; caughtUp: boolean }> => {
    if (!deps.gateOpen()) return { events: 0, caughtUp: true };
    const from = await checkpoint();
    const head = await store.headPosition();
    if (head <= from) return { events: 0, caughtUp: true };
    const page: RecordedEvent[] = [];
    for await (const event of store.readAll({
      fromPosition: from,
      maxCount: deps.pageSize,
      filter: { streamPrefix: FEEDBACK_STREAM_PREFIX },
      personalData: "omit",
    }))
      page.push(event);
    const full = page.length >= deps.pageSize;
    const through = full ? (page.at(-1)?.position ?? from) : Math.max(head, page.at(-1)?.position ?? from);
    if (through <= from) return { events: 0, caughtUp: true };
    const ids = [...new Set(page.map(idOf))];
    const after = new Map<string, Row | null>();
    const before = new Map<string, Row>();
    await db.transaction().execute(async (trx) => {
      if (ids.length > 0) {
        const { rows } = await sql<{
          feedback_id: string;
          unit_id: string;
          due_at: Date;
          overdue_for: Date | null;
          position: string;
        }>`
          select * from scheduler.feedback_deadlines where feedback_id = any(${ids}::uuid[]) for update`.execute(
          trx,
        );
        for (const r of rows) {
          before.set(r.feedback_id, {
            feedbackId: r.feedback_id,
            unitId: r.unit_id,
            dueAt: r.due_at.getTime(),
            overdueFor: r.overdue_for?.getTime() ?? null,
            position: Number(r.position),
          });
        }
      }
      for (const recorded of page) {
        const id = idOf(recorded);
        const current = after.has(id) ? (after.get(id) ?? null) : (before.get(id) ?? null);
        const event = {
          type: recorded.type,
          schemaVersion: recorded.schemaVersion,
          data: recorded.data,
        } as unknown as FeedbackEvent;
        after.set(id, foldFeedbackDeadline(current, event, id, recorded.position));
      }
      const gone = [...after].filter(([id, row]) => row === null && before.has(id)).map(([id]) => id);
      if (gone.length > 0) {
        await sql`delete from scheduler.feedback_deadlines where feedback_id = any(${gone}::uuid[])`.execute(
          trx,
        );
      }
      const open = [...after.values()].filter((row): row is Row => row !== null);
      if (open.length > 0) {
        const iso = (v: number | null) => (v === null ? null : new Date(v).toISOString());
        await sql`
          insert into scheduler.feedback_deadlines (feedback_id, unit_id, due_at, overdue_for, position)
          select * from unnest(${open.map((r) => r.feedbackId)}::uuid[], ${open.map((r) => r.unitId)}::text[],
            ${open.map((r) => iso(r.dueAt))}::timestamptz[], ${open.map((r) => iso(r.overdueFor))}::timestamptz[],
            ${open.map((r) => r.position)}::bigint[])
          on conflict (feedback_id) do update set unit_id = excluded.unit_id, due_at = excluded.due_at,
            overdue_for = excluded.overdue_for, position = excluded.position`.execute(trx);
      }
      const moved = await sql`
        update scheduler.checkpoints set position = ${through}, updated_at = now()
        where name = ${FEEDBACK_WATCHER_CHECKPOINT} and position = ${from}`.execute(trx);
      if (moved.numAffectedRows !== 1n) throw new Error("another watcher moved the feedback checkpoint");
    });
    // Redis follows the committed rows; a crash before this leaves jobs missing, which the sweep makes good.
    const now = clock.now().getTime();
    const toSchedule = [...after.values()].filter(
      (row): row is Row =>
        row !== null &&
        row.overdueFor !== row.dueAt &&
        !before.has(row.feedbackId) &&
        (!full || row.dueAt > now),
    );
    if (toSchedule.length > 0) {
      await deps.deadlineQueue.addBulk(
        toSchedule.map((row) => ({
          name: FEEDBACK_OVERDUE_JOB,
          data: { dossierId: row.feedbackId, dueAtMs: row.dueAt },
          opts: {
            ...DEADLINE_JOB_OPTIONS,
            jobId: feedbackOverdueJobId(row.feedbackId, row.dueAt),
            delay: deps.realDelay(row.dueAt),
          },
        })),
      );
    }
    const done = [...before.values()].filter((row) => after.get(row.feedbackId) === null);
    await inBatches(done, 50, async (row) => {
      await deps.deadlineQueue.remove(feedbackOverdueJobId(row.feedbackId, row.dueAt)).catch(() => 0);
    });
    return { events: page.length, caughtUp: !full };
  };

  /** A feedback's due moment has come (a job fired, or the sweep saw it): record it overdue, once. */
  const fire = async (feedbackId: string, dueAtMs: number): Promise<FeedbackFiring> => {
    if (!deps.gateOpen()) return { outcome: "paused" };
    if (clock.now().getTime() < dueAtMs) return { outcome: "not_yet", at: dueAtMs };
    const answer = await markFeedbackOverdue(deps.commands(), feedbackId);
    return { outcome: answer === null ? "nothing" : "recorded" };
  };

  /** Every unanswered feedback past its due moment not yet recorded overdue (found from the table, not Redis). */
  const sweep = async (): Promise<number> => {
    if (!deps.gateOpen()) return 0;
    const { rows } = await sql<{ feedback_id: string; due_at: Date }>`
      select feedback_id, due_at from scheduler.feedback_deadlines
      where due_at <= ${clock.now()} and overdue_for is distinct from due_at
      order by due_at, feedback_id limit 1000`.execute(db);
    let recorded = 0;
    await inBatches(rows, 8, async (row) => {
      try {
        if ((await fire(row.feedback_id, row.due_at.getTime())).outcome === "recorded") recorded++;
      } catch (error) {
        const err = error instanceof Error ? error : new Error(String(error));
        deps.logger?.warn(
          { err: { name: err.name, message: err.message } },
          "feedback overdue failed; the next sweep retries it",
        );
      }
    });
    return recorded;
  };

  return { followOnce, fire, sweep };
}

export type FeedbackWatcher = ReturnType<typeof createFeedbackWatcher>;
