import { type Selectable, sql } from "kysely";
import type { ChannelName, NotificationRoutes } from "./channels";
import type { OutboxExecutor, OutboxStatus, OutboxTable } from "./outbox-table";
import { type NoticeFacts, type NoticeKind, type RecipientKind, renderNotice } from "./templates";

/** A notice an event calls for, before it is routed to channels and written to the outbox. */
export interface NoticeToRecord {
  readonly dossierId: string;
  readonly occasion: string;
  readonly recipient: RecipientKind;
  /** The unit the notice is for (unit notices) or speaks for (applicant notices). */
  readonly unitId: string;
  readonly facts: NoticeFacts;
}

/** A notice in the outbox, as operators and the dispatcher see it. */
export interface OutboxNotice {
  readonly id: number;
  readonly dossierId: string;
  readonly kind: NoticeKind;
  readonly occasion: string;
  readonly channel: ChannelName;
  readonly recipientKind: RecipientKind;
  readonly unitId: string;
  readonly subject: string;
  readonly body: string;
  readonly status: OutboxStatus;
  readonly attempts: number;
  readonly requeues: number;
  readonly lastError: string | null;
  readonly createdAt: string;
  readonly sentAt: string | null;
}

/** A row to hand to the dispatcher: its id and how many times it was re-queued (its job id needs both). */
export interface OutboxRef {
  readonly id: number;
  readonly requeues: number;
  readonly kind: NoticeKind;
}

const toRef = (r: { id: string; requeues: number; kind: string }): OutboxRef => ({
  id: Number(r.id),
  requeues: r.requeues,
  kind: r.kind as NoticeKind,
});

/**
 * Writes each notice once per channel its recipient is routed to. A notice already there (the same
 * dossier, kind, occasion and channel) is left as it is: recorded once, however often the event is read.
 * Answers the rows actually written, for the dispatcher.
 */
export async function recordNotices(
  db: OutboxExecutor,
  notices: readonly NoticeToRecord[],
  routes: NotificationRoutes,
  now: Date,
): Promise<OutboxRef[]> {
  const rows = notices.flatMap((n) => {
    const text = renderNotice(n.facts);
    return routes[n.recipient].map((channel) => ({
      dossier_id: n.dossierId,
      kind: n.facts.kind,
      occasion: n.occasion,
      channel,
      recipient_kind: n.recipient,
      unit_id: n.unitId,
      subject: text.subject,
      body: text.body,
      created_at: now,
      last_error: null,
      sent_at: null,
    }));
  });
  if (rows.length === 0) return [];
  const inserted = await db
    .insertInto("scheduler.outbox")
    .values(rows)
    .onConflict((oc) => oc.columns(["dossier_id", "kind", "occasion", "channel"]).doNothing())
    .returning(["id", "requeues", "kind"])
    .execute();
  return inserted.map(toRef);
}

const toNotice = (row: Selectable<OutboxTable>): OutboxNotice => ({
  id: Number(row.id),
  dossierId: row.dossier_id,
  kind: row.kind as NoticeKind,
  occasion: row.occasion,
  channel: row.channel as ChannelName,
  recipientKind: row.recipient_kind as RecipientKind,
  unitId: row.unit_id,
  subject: row.subject,
  body: row.body,
  status: row.status,
  attempts: row.attempts,
  requeues: row.requeues,
  lastError: row.last_error,
  createdAt: row.created_at.toISOString(),
  sentAt: row.sent_at?.toISOString() ?? null,
});

export async function getOutboxNotice(db: OutboxExecutor, id: number): Promise<OutboxNotice | null> {
  const row = await db
    .selectFrom("scheduler.outbox")
    .selectAll()
    .where("id", "=", String(id))
    .executeTakeFirst();
  return row ? toNotice(row) : null;
}

export interface OutboxQuery {
  readonly dossierId?: string;
  readonly status?: OutboxStatus;
  readonly kind?: NoticeKind;
  readonly limit?: number;
}

export async function listOutbox(db: OutboxExecutor, query: OutboxQuery = {}): Promise<OutboxNotice[]> {
  let q = db.selectFrom("scheduler.outbox").selectAll();
  if (query.dossierId !== undefined) q = q.where("dossier_id", "=", query.dossierId);
  if (query.status !== undefined) q = q.where("status", "=", query.status);
  if (query.kind !== undefined) q = q.where("kind", "=", query.kind);
  const rows = await q
    .orderBy("id")
    .limit(query.limit ?? 1_000)
    .execute();
  return rows.map(toNotice);
}

/** The dead-letter list: notices whose every attempt failed. They stay until re-queued. */
export const listDeadLetters = (db: OutboxExecutor, limit = 1_000) =>
  listOutbox(db, { status: "failed", limit });

/** Pending notices, oldest first: what the sweep hands to the dispatcher again in case Redis lost it. */
export async function pendingOutbox(db: OutboxExecutor, limit: number): Promise<OutboxRef[]> {
  const rows = await db
    .selectFrom("scheduler.outbox")
    .select(["id", "requeues", "kind"])
    .where("status", "=", "pending")
    .orderBy("id")
    .limit(limit)
    .execute();
  return rows.map(toRef);
}

export async function markSent(db: OutboxExecutor, id: number, now: Date): Promise<void> {
  await db
    .updateTable("scheduler.outbox")
    .set((eb) => ({ status: "sent", attempts: eb("attempts", "+", 1), sent_at: now, last_error: null }))
    .where("id", "=", String(id))
    .execute();
}

export async function markNoContact(db: OutboxExecutor, id: number): Promise<void> {
  await db
    .updateTable("scheduler.outbox")
    .set({ status: "no_contact" })
    .where("id", "=", String(id))
    .execute();
}

/** Counts a failed attempt; the last one leaves the notice `failed` (the dead-letter list), never deleted. */
export async function markAttemptFailed(
  db: OutboxExecutor,
  id: number,
  error: string,
  final: boolean,
): Promise<void> {
  await db
    .updateTable("scheduler.outbox")
    .set((eb) => ({
      status: final ? "failed" : "pending",
      attempts: eb("attempts", "+", 1),
      last_error: error.slice(0, 500),
    }))
    .where("id", "=", String(id))
    .where("status", "=", "pending")
    .execute();
}

/** Puts failed notices back to pending with a fresh job id; answers the rows to hand to the dispatcher. */
export async function requeueFailed(db: OutboxExecutor, ids?: readonly number[]): Promise<OutboxRef[]> {
  let q = db
    .updateTable("scheduler.outbox")
    .set((eb) => ({ status: "pending", requeues: eb("requeues", "+", 1) }))
    .where("status", "=", "failed");
  if (ids !== undefined) {
    if (ids.length === 0) return [];
    q = q.where(
      "id",
      "in",
      ids.map((id) => String(id)),
    );
  }
  const rows = await q.returning(["id", "requeues", "kind"]).execute();
  return rows.map(toRef);
}

export async function countDeadLetters(db: OutboxExecutor): Promise<number> {
  const row = await sql<{ n: number }>`
    select count(*)::int as n from scheduler.outbox where status = 'failed'`.execute(db);
  return row.rows[0]?.n ?? 0;
}

/**
 * Gateways echo what they were given; an error kept in the outbox must not carry a phone number or an
 * address, so digit runs and anything shaped like an e-mail address are blanked.
 */
export function redactContact(message: string): string {
  return message
    .replace(/[\w.+-]+@[\w-]+(\.[\w-]+)+/g, "[address]")
    .replace(/\+?\d[\d\s.-]{6,}\d/g, "[number]");
}
