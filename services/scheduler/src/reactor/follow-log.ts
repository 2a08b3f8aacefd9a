import { ratingCodeOf, toDomainEvent } from "@motcua/commands";
import type { EventStore, RecordedEvent } from "@motcua/event-store";
import {
  type NoticeToRecord,
  type NotificationRoutes,
  type OutboxRef,
  recordNotices,
} from "@motcua/notifications";
import type { Clock } from "@motcua/platform";
import type { ReferenceCache } from "@motcua/reference-data";
import {
  advanceCheckpoint,
  type DeadlineRow,
  loadDeadlineRows,
  readCheckpoint,
  type SchedulerDb,
  saveDeadlineRows,
} from "../database";
import { activeDeadline, type FoldContext, foldDeadline, unitsMentioned } from "../deadlines/fold";
import type { SchedulerMetrics } from "../metrics";
import type { RedisJobs } from "./redis-jobs";

const DOSSIER_STREAM_PREFIX = "dossier-";

class CheckpointMovedError extends Error {
  constructor() {
    super("another watcher moved the checkpoint");
    this.name = "CheckpointMovedError";
  }
}

export interface FollowStep {
  readonly events: number;
  readonly caughtUp: boolean;
  readonly paused: boolean;
}

export interface LogFollowerDeps {
  readonly store: EventStore;
  readonly db: SchedulerDb;
  readonly clock: Clock;
  readonly reference: ReferenceCache;
  readonly metrics: SchedulerMetrics;
  /** Channels per recipient kind; null when notifications are off. */
  readonly routes: NotificationRoutes | null;
  /** Events older than this (clock time) when read record no notices. */
  readonly noticeHorizonMs: number;
  readonly pageSize: number;
  /** False while a read-model rebuild holds the scheduler off. */
  readonly gateOpen: () => boolean;
  readonly jobs: RedisJobs;
  /** Keys the rating code the "result ready" notice carries (RATING_CODE_SECRET); without it, no code. */
  readonly ratingCodeSecret?: Buffer | undefined;
}

/**
 * The deadline watcher's reading of the log: each page folds into the deadlines rows and the outbox, with
 * the checkpoint, in one transaction; the Redis jobs follow the committed rows.
 */
export function createLogFollower(deps: LogFollowerDeps, startPosition: number) {
  const { store, db, clock, reference, metrics, routes, jobs } = deps;
  const secret = deps.ratingCodeSecret;
  const foldContext: FoldContext = {
    scheduleOf: (unitId) => reference.scheduleOf(unitId),
    unitNameOf: (unitId) => reference.unitNameOf(unitId),
    ...(secret ? { ratingCodeOf: (dossierId: string) => ratingCodeOf(secret, dossierId) } : {}),
  };
  let position = startPosition;

  const idOf = (event: RecordedEvent) => event.streamId.slice(DOSSIER_STREAM_PREFIX.length);

  const isNews = (event: RecordedEvent, now: number) =>
    (event.type === "DossierBecameOverdue" && event.metadata.actor.role === "system") ||
    now - Date.parse(event.metadata.occurredAt) <= deps.noticeHorizonMs;

  /** One page of the log applied: rows, notices and checkpoint in one transaction, then Redis. */
  const followOnce = async (): Promise<FollowStep> => {
    if (!deps.gateOpen()) return { events: 0, caughtUp: true, paused: true };
    const from = await readCheckpoint(db);
    const head = await store.headPosition();
    if (head <= from) {
      position = from;
      return { events: 0, caughtUp: true, paused: false };
    }
    const page: RecordedEvent[] = [];
    for await (const event of store.readAll({
      fromPosition: from,
      maxCount: deps.pageSize,
      filter: { streamPrefix: DOSSIER_STREAM_PREFIX },
      personalData: "omit", // the watcher reads a phone number only when it sends, from the dossier's stream
    }))
      page.push(event);
    const full = page.length >= deps.pageSize;
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
          foldContext,
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
    await jobs.removeDeadlineJobs(moved);
    // While catching up, effects already due wait for the sweep at the end: the dossier may close a page later.
    await jobs.addDeadlineJobs(toSchedule, !full);
    await jobs.dispatch(written);
    return { events: page.length, caughtUp: !full, paused: false };
  };

  return {
    /** The log position the watcher has applied. */
    get position() {
      return position;
    },
    followOnce,
  };
}

export type LogFollower = ReturnType<typeof createLogFollower>;
