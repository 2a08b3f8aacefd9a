import {
  migrateNotificationOutbox,
  migrateSchedulerSchema,
  type NotificationsDatabase,
} from "@motcua/notifications";
import type { ReferenceDatabase } from "@motcua/reference-data";
import { type ColumnType, type Kysely, sql, type Transaction } from "kysely";

/** The scheduler's own tables live in this schema; nothing else writes them. */
export const SCHEDULER_SCHEMA = "scheduler";

/** The checkpoint row of the deadline watcher in `scheduler.checkpoints`. */
export const WATCHER_CHECKPOINT = "deadline-watcher";

type Timestamp = ColumnType<Date, Date | string, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null, Date | string | null>;
/** pg reads bigint as text; writes take numbers. */
type BigInt = ColumnType<string, number | string, number | string>;

export interface CheckpointsTable {
  name: string;
  position: BigInt;
  updated_at: Timestamp;
}

/**
 * One row per open dossier (received, not yet resolved, withdrawn or stopped): its current deadline as
 * the log says, and which of that deadline's effects have happened. A marker (`*_for`) holds the due
 * moment the effect was done for, so a new deadline makes every marker stale without touching it.
 */
export interface DeadlinesTable {
  dossier_id: string;
  code: string;
  receiving_unit_id: string;
  holding_unit_id: string;
  due_at: NullableTimestamp;
  clock_running: boolean;
  due_soon_at: NullableTimestamp;
  due_today_at: NullableTimestamp;
  due_soon_for: NullableTimestamp;
  due_today_for: NullableTimestamp;
  overdue_for: NullableTimestamp;
  /** The log position of the last event that changed the row. */
  position: BigInt;
}

export interface SchedulerTables {
  "scheduler.checkpoints": CheckpointsTable;
  "scheduler.deadlines": DeadlinesTable;
}

/** The scheduler's tables, the notifications outbox it writes and the reference data it reads. */
export type SchedulerDatabase = SchedulerTables & NotificationsDatabase & ReferenceDatabase;
export type SchedulerDb = Kysely<SchedulerDatabase>;
export type SchedulerTrx = Transaction<SchedulerDatabase>;
export type SchedulerExecutor = SchedulerDb | SchedulerTrx;

/**
 * Creates the `scheduler` schema and tables, the notifications outbox among them; idempotent, and safe
 * from several processes at once.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations never depend on the application's table types
export async function migrateSchedulerTables(db: Kysely<any>): Promise<void> {
  await migrateNotificationOutbox(db);
  await migrateSchedulerSchema(db, async (trx) => {
    await sql`
      create table if not exists scheduler.checkpoints (
        name text primary key,
        position bigint not null,
        updated_at timestamptz not null default now()
      )`.execute(trx);
    await sql`
      create table if not exists scheduler.deadlines (
        dossier_id uuid primary key,
        code text not null,
        receiving_unit_id text not null,
        holding_unit_id text not null,
        due_at timestamptz,
        clock_running boolean not null,
        due_soon_at timestamptz,
        due_today_at timestamptz,
        due_soon_for timestamptz,
        due_today_for timestamptz,
        overdue_for timestamptz,
        position bigint not null
      )`.execute(trx);
    // The sweep's three questions, each answered from a small partial index.
    await sql`
      create index if not exists deadlines_overdue_owed on scheduler.deadlines (due_at)
        where clock_running and overdue_for is distinct from due_at`.execute(trx);
    await sql`
      create index if not exists deadlines_due_soon_owed on scheduler.deadlines (due_soon_at)
        where clock_running and due_soon_for is distinct from due_at`.execute(trx);
    await sql`
      create index if not exists deadlines_due_today_owed on scheduler.deadlines (due_today_at)
        where clock_running and due_today_for is distinct from due_at`.execute(trx);
    await sql`
      insert into scheduler.checkpoints (name, position) values (${WATCHER_CHECKPOINT}, 0)
      on conflict (name) do nothing`.execute(trx);
  });
}

/** The row of one open dossier, in the scheduler's terms (instants as epoch milliseconds). */
export interface DeadlineRow {
  readonly dossierId: string;
  readonly code: string;
  readonly receivingUnitId: string;
  readonly holdingUnitId: string;
  readonly dueAt: number | null;
  readonly clockRunning: boolean;
  readonly dueSoonAt: number | null;
  readonly dueTodayAt: number | null;
  readonly dueSoonFor: number | null;
  readonly dueTodayFor: number | null;
  readonly overdueFor: number | null;
  readonly position: number;
}

const ms = (d: Date | null): number | null => (d === null ? null : d.getTime());

export function deadlineRowFrom(row: {
  dossier_id: string;
  code: string;
  receiving_unit_id: string;
  holding_unit_id: string;
  due_at: Date | null;
  clock_running: boolean;
  due_soon_at: Date | null;
  due_today_at: Date | null;
  due_soon_for: Date | null;
  due_today_for: Date | null;
  overdue_for: Date | null;
  position: string;
}): DeadlineRow {
  return {
    dossierId: row.dossier_id,
    code: row.code,
    receivingUnitId: row.receiving_unit_id,
    holdingUnitId: row.holding_unit_id,
    dueAt: ms(row.due_at),
    clockRunning: row.clock_running,
    dueSoonAt: ms(row.due_soon_at),
    dueTodayAt: ms(row.due_today_at),
    dueSoonFor: ms(row.due_soon_for),
    dueTodayFor: ms(row.due_today_for),
    overdueFor: ms(row.overdue_for),
    position: Number(row.position),
  };
}

export async function loadDeadlineRows(
  trx: SchedulerExecutor,
  dossierIds: readonly string[],
  forUpdate: boolean,
): Promise<Map<string, DeadlineRow>> {
  const rows = new Map<string, DeadlineRow>();
  if (dossierIds.length === 0) return rows;
  let query = trx
    .selectFrom("scheduler.deadlines")
    .selectAll()
    .where("dossier_id", "in", [...dossierIds]);
  if (forUpdate) query = query.forUpdate();
  for (const row of await query.execute()) rows.set(row.dossier_id, deadlineRowFrom(row));
  return rows;
}

const iso = (v: number | null) => (v === null ? null : new Date(v).toISOString());

/** Writes the rows in one statement (insert or replace), and deletes the closed dossiers' rows. */
export async function saveDeadlineRows(
  trx: SchedulerExecutor,
  rows: readonly DeadlineRow[],
  closed: readonly string[],
): Promise<void> {
  if (closed.length > 0) {
    await trx
      .deleteFrom("scheduler.deadlines")
      .where("dossier_id", "in", [...closed])
      .execute();
  }
  if (rows.length === 0) return;
  const col = <T>(f: (r: DeadlineRow) => T) => rows.map(f);
  await sql`
    insert into scheduler.deadlines (dossier_id, code, receiving_unit_id, holding_unit_id, due_at,
      clock_running, due_soon_at, due_today_at, due_soon_for, due_today_for, overdue_for, position)
    select * from unnest(${col((r) => r.dossierId)}::uuid[], ${col((r) => r.code)}::text[],
      ${col((r) => r.receivingUnitId)}::text[], ${col((r) => r.holdingUnitId)}::text[],
      ${col((r) => iso(r.dueAt))}::timestamptz[], ${col((r) => r.clockRunning)}::boolean[],
      ${col((r) => iso(r.dueSoonAt))}::timestamptz[], ${col((r) => iso(r.dueTodayAt))}::timestamptz[],
      ${col((r) => iso(r.dueSoonFor))}::timestamptz[], ${col((r) => iso(r.dueTodayFor))}::timestamptz[],
      ${col((r) => iso(r.overdueFor))}::timestamptz[], ${col((r) => r.position)}::bigint[])
    on conflict (dossier_id) do update set
      code = excluded.code,
      receiving_unit_id = excluded.receiving_unit_id,
      holding_unit_id = excluded.holding_unit_id,
      due_at = excluded.due_at,
      clock_running = excluded.clock_running,
      due_soon_at = excluded.due_soon_at,
      due_today_at = excluded.due_today_at,
      due_soon_for = excluded.due_soon_for,
      due_today_for = excluded.due_today_for,
      overdue_for = excluded.overdue_for,
      position = excluded.position`.execute(trx);
}

export async function readCheckpoint(db: SchedulerExecutor): Promise<number> {
  const row = await db
    .selectFrom("scheduler.checkpoints")
    .select("position")
    .where("name", "=", WATCHER_CHECKPOINT)
    .executeTakeFirst();
  return Number(row?.position ?? 0);
}

/** Compare-and-set: false when another watcher moved the checkpoint meanwhile. */
export async function advanceCheckpoint(trx: SchedulerTrx, from: number, to: number): Promise<boolean> {
  const result = await trx
    .updateTable("scheduler.checkpoints")
    .set({ position: to, updated_at: sql<Date>`now()` })
    .where("name", "=", WATCHER_CHECKPOINT)
    .where("position", "=", String(from))
    .executeTakeFirst();
  return result.numUpdatedRows === 1n;
}
