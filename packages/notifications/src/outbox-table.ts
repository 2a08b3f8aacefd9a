import { type ColumnType, type Generated, type Kysely, sql, type Transaction } from "kysely";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;

/** `failed`: every attempt failed (the dead-letter list); `no_contact`: the recipient has no address. */
export const OUTBOX_STATUSES = ["pending", "sent", "failed", "no_contact"] as const;
export type OutboxStatus = (typeof OUTBOX_STATUSES)[number];

/**
 * Notices to send, each recorded once per (dossier, kind, occasion, channel). Holds the dossier id, the
 * recipient's kind and unit and the rendered text: never a name, an ID number or a phone number.
 */
export interface OutboxTable {
  id: Generated<string>;
  dossier_id: string;
  kind: string;
  /** What makes two notices of one kind different: the deadline, the request number, the event. */
  occasion: string;
  channel: string;
  recipient_kind: string;
  /** The unit the notice is for (unit notices) or speaks for (applicant notices). */
  unit_id: string;
  subject: string;
  body: string;
  status: Generated<OutboxStatus>;
  attempts: Generated<number>;
  /** Times an operator re-queued it after it failed; part of its job id. */
  requeues: Generated<number>;
  last_error: string | null;
  created_at: Timestamp;
  sent_at: NullableTimestamp;
}

/**
 * The outbox lives in the `scheduler` schema, where the scheduler first kept it: the scheduler writes and
 * sends it, the API's admins read and re-queue it.
 */
export interface NotificationsDatabase {
  "scheduler.outbox": OutboxTable;
}

export type OutboxExecutor = Kysely<NotificationsDatabase> | Transaction<NotificationsDatabase>;

/**
 * Runs a migration of the `scheduler` schema (the outbox's, and the scheduler's own tables): in one
 * transaction, one process at a time, with the schema made first.
 */
export async function migrateSchedulerSchema(
  // biome-ignore lint/suspicious/noExplicitAny: migrations never depend on the application's table types
  db: Kysely<any>,
  // biome-ignore lint/suspicious/noExplicitAny: as above
  migrate: (trx: Transaction<any>) => Promise<void>,
): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('motcua.scheduler.migrate'))`.execute(trx);
    await sql`create schema if not exists scheduler`.execute(trx);
    await migrate(trx);
  });
}

/** Creates the outbox (and its schema); idempotent, and safe from several processes at once. */
// biome-ignore lint/suspicious/noExplicitAny: migrations never depend on the application's table types
export async function migrateNotificationOutbox(db: Kysely<any>): Promise<void> {
  await migrateSchedulerSchema(db, async (trx) => {
    await sql`
      create table if not exists scheduler.outbox (
        id bigserial primary key,
        dossier_id uuid not null,
        kind text not null,
        occasion text not null,
        channel text not null,
        recipient_kind text not null,
        unit_id text not null,
        subject text not null,
        body text not null,
        status text not null default 'pending',
        attempts integer not null default 0,
        requeues integer not null default 0,
        last_error text,
        created_at timestamptz not null,
        sent_at timestamptz,
        unique (dossier_id, kind, occasion, channel)
      )`.execute(trx);
    await sql`
      create index if not exists outbox_open on scheduler.outbox (status, id)
        where status in ('pending', 'failed')`.execute(trx);
  });
}
