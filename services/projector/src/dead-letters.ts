import { type Generated, type Kysely, type Selectable, sql } from "kysely";

/** Where the projector keeps its own state (apart from every read-model version's schema). */
export const PROJECTOR_SCHEMA = "projector";

interface DeadLettersTable {
  id: Generated<string>;
  schema_name: string;
  partition: number;
  job_id: string;
  from_position: string | number;
  through_position: string | number;
  event_position: string | number | null;
  event_type: string | null;
  stream_id: string | null;
  error_code: string;
  error_message: string;
  failed_at: Generated<Date>;
  replayed_at: Date | null;
}

export interface ProjectorDatabase {
  dead_letters: DeadLettersTable;
}

// biome-ignore lint/suspicious/noExplicitAny: the projector's tables live beside whatever the caller's Kysely types.
type AnyDb = Kysely<any>;
const tables = (db: AnyDb) => (db as Kysely<ProjectorDatabase>).withSchema(PROJECTOR_SCHEMA);

/** A job the projection could not apply: its partition stops there until an operator replays it. */
export interface DeadLetter {
  readonly id: number;
  readonly schema: string;
  readonly partition: number;
  readonly jobId: string;
  readonly fromPosition: number;
  readonly throughPosition: number;
  /** The event that could not be projected, when one was named. */
  readonly eventPosition: number | null;
  readonly eventType: string | null;
  readonly streamId: string | null;
  readonly errorCode: string;
  /** Ids, positions and types only: never event data. */
  readonly errorMessage: string;
  readonly failedAt: string;
  readonly replayedAt: string | null;
}

export type NewDeadLetter = Omit<DeadLetter, "id" | "failedAt" | "replayedAt">;

/** Creates the projector's schema and tables; idempotent, and safe from several processes at once. */
export async function migrateProjectorTables(db: AnyDb): Promise<void> {
  await db.transaction().execute(async (trx) => {
    await sql`select pg_advisory_xact_lock(hashtext('motcua.projector.migrate'))`.execute(trx);
    await sql`create schema if not exists ${sql.id(PROJECTOR_SCHEMA)}`.execute(trx);
    await sql`
      create table if not exists ${sql.table(`${PROJECTOR_SCHEMA}.dead_letters`)} (
        id bigserial primary key,
        schema_name text not null,
        partition integer not null,
        job_id text not null,
        from_position bigint not null,
        through_position bigint not null,
        event_position bigint,
        event_type text,
        stream_id text,
        error_code text not null,
        error_message text not null,
        failed_at timestamptz not null default now(),
        replayed_at timestamptz
      )`.execute(trx);
    await sql`
      create unique index if not exists dead_letters_open_job
        on ${sql.table(`${PROJECTOR_SCHEMA}.dead_letters`)} (schema_name, job_id) where replayed_at is null`.execute(
      trx,
    );
    // A rebuild spread over several processes (rebuild.ts, `projections:rebuild --prepare`).
    await sql`
      create table if not exists ${sql.table(`${PROJECTOR_SCHEMA}.rebuild_plans`)} (
        schema_name text primary key,
        partitions integer not null,
        target_position bigint not null,
        activate boolean not null,
        drop_old boolean not null,
        prepared_at timestamptz not null default now()
      )`.execute(trx);
  });
}

/** Records a failed job once (a job that fails again while its letter is open adds nothing). */
export async function recordDeadLetter(db: AnyDb, letter: NewDeadLetter): Promise<void> {
  await sql`
    insert into ${sql.table(`${PROJECTOR_SCHEMA}.dead_letters`)}
      (schema_name, partition, job_id, from_position, through_position, event_position, event_type,
       stream_id, error_code, error_message)
    values (${letter.schema}, ${letter.partition}, ${letter.jobId}, ${letter.fromPosition},
      ${letter.throughPosition}, ${letter.eventPosition}, ${letter.eventType}, ${letter.streamId},
      ${letter.errorCode}, ${letter.errorMessage.slice(0, 1_000)})
    on conflict (schema_name, job_id) where replayed_at is null do nothing`.execute(db);
}

const toDeadLetter = (row: Selectable<DeadLettersTable>): DeadLetter => ({
  id: Number(row.id),
  schema: row.schema_name,
  partition: row.partition,
  jobId: row.job_id,
  fromPosition: Number(row.from_position),
  throughPosition: Number(row.through_position),
  eventPosition: row.event_position === null ? null : Number(row.event_position),
  eventType: row.event_type,
  streamId: row.stream_id,
  errorCode: row.error_code,
  errorMessage: row.error_message,
  failedAt: new Date(row.failed_at).toISOString(),
  replayedAt: row.replayed_at === null ? null : new Date(row.replayed_at).toISOString(),
});

/** Dead letters not yet replayed, oldest first; of one version when `schema` is given. */
export async function openDeadLetters(db: AnyDb, schema?: string): Promise<DeadLetter[]> {
  let query = tables(db).selectFrom("dead_letters").selectAll().where("replayed_at", "is", null);
  if (schema !== undefined) query = query.where("schema_name", "=", schema);
  const rows = await query.orderBy("id").execute();
  return rows.map(toDeadLetter);
}

/** Partitions of `schema` stopped at a dead letter: nothing after it is applied until a replay. */
export async function haltedPartitions(db: AnyDb, schema: string): Promise<Set<number>> {
  const rows = await tables(db)
    .selectFrom("dead_letters")
    .select("partition")
    .distinct()
    .where("replayed_at", "is", null)
    .where("schema_name", "=", schema)
    .execute();
  return new Set(rows.map((r) => r.partition));
}

/** Closes open letters (all, or those of the given job ids); returns the letters it closed. */
export async function markDeadLettersReplayed(
  db: AnyDb,
  jobIds: readonly string[] | "all",
): Promise<DeadLetter[]> {
  if (jobIds !== "all" && jobIds.length === 0) return [];
  let query = tables(db)
    .updateTable("dead_letters")
    .set({ replayed_at: new Date() })
    .where("replayed_at", "is", null);
  if (jobIds !== "all") query = query.where("job_id", "in", [...jobIds]);
  const rows = await query.returningAll().execute();
  return rows.map(toDeadLetter);
}
