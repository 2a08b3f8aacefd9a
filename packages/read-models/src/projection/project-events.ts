import type { DossierStatus, ResolutionTimeliness } from "@motcua/domain";
import { sql } from "kysely";
import type { ReadModelDb } from "../database";
import { EventOrderError, ReadModelError } from "../errors";
import { isoOf, isoOrNull } from "../local-time";
import { assertSchemaName } from "../schema-name";
import { bulkUpsert, type ColumnTypes, type PgType } from "./bulk-write";
import { type ParsedEvent, type ProjectableEvent, parseProjectableEvent } from "./events";
import {
  type DeadlineRecord,
  type DossierRecord,
  type DossierWork,
  foldEvent,
  newWork,
  type PauseRecord,
  type SpanRecord,
  type StepRecord,
} from "./fold";
import { COUNT_COLUMNS, type CountBucket, type CountColumn, ReportCountDeltas } from "./report-counts";

export interface ProjectOptions {
  /**
   * The log position this batch covers the partition up to, when the feeder knows there is nothing more
   * for the partition before it (e.g. an empty job for an idle partition). The checkpoint advances to
   * the greater of this and the last event's position, so the read position can pass idle partitions.
   */
  readonly throughPosition?: number;
  /**
   * The batch starts at this position: when the partition's checkpoint is still below it (the batch
   * arrived before its predecessor was applied), nothing is applied and the result says `early`.
   */
  readonly fromPosition?: number;
}

export interface ProjectResult {
  /** Events applied by this call. */
  readonly applied: number;
  /** Events at or below the checkpoint, already applied before: they changed nothing. */
  readonly skipped: number;
  /** The partition's checkpoint after the call. */
  readonly checkpoint: number;
  /** Present when the checkpoint was below `fromPosition`: nothing was applied. */
  readonly early?: true;
}

/** Dossiers loaded per query. */
const CHUNK = 2_000;

/**
 * Applies a batch of one partition's events in the caller's transaction: the read-model rows and the
 * partition's checkpoint change together or not at all. Events at or below the checkpoint are skipped
 * (duplicates change nothing); the batch must ascend in position. The checkpoint row is locked first, so
 * two workers given the same partition apply it one after the other.
 */
export async function projectEvents(
  trx: ReadModelDb,
  schema: string,
  partition: number,
  events: readonly ProjectableEvent[],
  options: ProjectOptions = {},
): Promise<ProjectResult> {
  assertSchemaName(schema);
  if (!Number.isSafeInteger(partition) || partition < 0) {
    throw new ReadModelError("read_models.invalid_partition", `partition must be a whole number ≥ 0`);
  }
  for (let i = 1; i < events.length; i++) {
    const previous = events[i - 1] as ProjectableEvent;
    const event = events[i] as ProjectableEvent;
    if (!(event.position > previous.position)) {
      throw new EventOrderError(
        `partition ${partition}: position ${event.position} follows ${previous.position}; a batch must ascend`,
      );
    }
  }
  const db = trx.withSchema(schema);

  const checkpoint = await lockCheckpoint(trx, schema, partition);
  if (options.fromPosition !== undefined && checkpoint < options.fromPosition) {
    return { applied: 0, skipped: 0, checkpoint, early: true };
  }

  const fresh = events.filter((e) => e.position > checkpoint);
  const parsed = fresh.map(parseProjectableEvent);

  if (parsed.length > 0) {
    const works = await loadWork(db, parsed);
    const counts = new ReportCountDeltas();
    for (const event of parsed) foldEvent(works.get(event.dossierId) as DossierWork, event, counts);
    await writeWork(
      trx,
      schema,
      [...works.values()].filter((w) => w.touched),
      counts,
    );
  }

  const last = fresh.length > 0 ? (fresh[fresh.length - 1] as ProjectableEvent).position : checkpoint;
  const next = Math.max(checkpoint, last, options.throughPosition ?? 0);
  if (next !== checkpoint) {
    await db
      .updateTable("checkpoints")
      .set({ position: next, updated_at: sql<Date>`now()` })
      .where("partition", "=", partition)
      .execute();
  }
  return { applied: fresh.length, skipped: events.length - fresh.length, checkpoint: next };
}

/**
 * Locks the partition's checkpoint row (creating it at 0 the first time) and answers its position. The
 * same statement makes the transaction commit asynchronously: the rows and the checkpoint commit
 * together, so a commit lost in a crash loses both and the feeder sends those events again — nobody was
 * told anything succeeded, so the commit need not wait for the disk. One round trip in the usual case.
 */
async function lockCheckpoint(trx: ReadModelDb, schema: string, partition: number): Promise<number> {
  const table = sql.table(`${schema}.checkpoints`);
  const locked = async () => {
    const { rows } = await sql<{ position: string }>`
      select position, set_config('synchronous_commit', 'off', true) as commit_mode
      from ${table} where partition = ${partition} for update`.execute(trx);
    return rows[0] === undefined ? null : Number(rows[0].position);
  };
  const found = await locked();
  if (found !== null) return found;
  await sql`insert into ${table} (partition, position) values (${partition}, 0)
    on conflict (partition) do nothing`.execute(trx);
  return (await locked()) ?? 0;
}

type SchemaDb = ReturnType<ReadModelDb["withSchema"]>;

const asText = (column: string) => sql<string | null>`${sql.ref(column)}::text`;

async function loadWork(db: SchemaDb, events: readonly ParsedEvent[]): Promise<Map<string, DossierWork>> {
  const ids = [...new Set(events.map((e) => e.dossierId))];
  const works = new Map<string, DossierWork>(ids.map((id) => [id, newWork(id, null, null)]));
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const rows = await db
      .selectFrom("dossiers")
      .selectAll()
      .select([
        asText("received_day").as("received_day_text"),
        asText("finished_day").as("finished_day_text"),
        asText("overdue_span_from").as("overdue_span_from_text"),
        asText("late766_span_from").as("late766_span_from_text"),
      ])
      .where(sql<boolean>`dossier_id = any(${chunk}::uuid[])`)
      .execute();
    for (const row of rows) {
      const {
        received_day_text,
        finished_day_text,
        overdue_span_from_text,
        late766_span_from_text,
        ...stored
      } = row;
      const work = works.get(row.dossier_id) as DossierWork;
      work.record = {
        ...stored,
        status: stored.status as DossierStatus,
        finish_class: stored.finish_class as ResolutionTimeliness | null,
        submitted_at: isoOrNull(stored.submitted_at),
        received_at: isoOrNull(stored.received_at),
        received_day: received_day_text,
        clock_starts_at: isoOrNull(stored.clock_starts_at),
        due_at: isoOrNull(stored.due_at),
        promised_at: isoOrNull(stored.promised_at),
        paused_at: isoOrNull(stored.paused_at),
        supplement_respond_by: isoOrNull(stored.supplement_respond_by),
        resolved_at: isoOrNull(stored.resolved_at),
        returned_at: isoOrNull(stored.returned_at),
        closed_at: isoOrNull(stored.closed_at),
        finished_at: isoOrNull(stored.finished_at),
        finished_day: finished_day_text,
        overdue_recorded_for: isoOrNull(stored.overdue_recorded_for),
        overdue_span_from: overdue_span_from_text,
        late766_span_from: late766_span_from_text,
        position: Number(stored.position),
      };
    }
    const steps = await db
      .selectFrom("process_steps")
      .selectAll()
      .where(sql<boolean>`dossier_id = any(${chunk}::uuid[])`)
      .where("to_at", "is", null)
      .execute();
    for (const step of steps) {
      const work = works.get(step.dossier_id) as DossierWork;
      work.openStep = {
        ...step,
        kind: step.kind as StepRecord["kind"],
        from_at: isoOf(step.from_at),
        to_at: null,
        due_at: isoOrNull(step.due_at),
        step_due_at: isoOrNull(step.step_due_at),
        position: Number(step.position),
      };
    }
  }
  return works;
}

const DOSSIER_COLUMNS = {
  dossier_id: "uuid",
  code: "text",
  procedure_id: "text",
  procedure_version: "int4",
  procedure_code: "text",
  field: "text",
  time_limit_value: "float8",
  time_limit_unit: "text",
  supplement_policy: "text",
  status: "text",
  receiving_unit_id: "text",
  current_unit_id: "text",
  units_held: "text[]",
  channel: "text",
  submitted_at: "timestamptz",
  received_at: "timestamptz",
  received_day: "date",
  clock_starts_at: "timestamptz",
  due_at: "timestamptz",
  promised_at: "timestamptz",
  apologies: "int4",
  paused_at: "timestamptz",
  supplement_respond_by: "timestamptz",
  supplement_requests: "int4",
  paused_working_minutes: "float8",
  resolved_at: "timestamptz",
  outcome: "text",
  timeliness: "text",
  returned_at: "timestamptz",
  return_method: "text",
  closed_at: "timestamptz",
  finished_at: "timestamptz",
  finished_day: "date",
  finish_class: "text",
  late_for_766: "bool",
  elapsed_working_minutes: "int4",
  overdue: "bool",
  overdue_recorded_for: "timestamptz",
  overdue_holding_unit_id: "text",
  ever_overdue: "bool",
  documents_total: "int4",
  documents_digitized: "int4",
  step_seq: "int4",
  deadline_seq: "int4",
  pause_seq: "int4",
  overdue_span_from: "date",
  late766_span_from: "date",
  revision: "int4",
  position: "int8",
} as const satisfies ColumnTypes<DossierRecord>;

const STEP_COLUMNS = {
  dossier_id: "uuid",
  seq: "int4",
  unit_id: "text",
  kind: "text",
  step: "text",
  reason: "text",
  from_at: "timestamptz",
  to_at: "timestamptz",
  ended_by: "text",
  due_at: "timestamptz",
  step_due_at: "timestamptz",
  overdue_recorded: "bool",
  late: "bool",
  position: "int8",
} as const satisfies ColumnTypes<StepRecord>;

const DEADLINE_COLUMNS = {
  dossier_id: "uuid",
  seq: "int4",
  effective_at: "timestamptz",
  due_at: "timestamptz",
  cause: "text",
  position: "int8",
} as const satisfies ColumnTypes<DeadlineRecord>;

const PAUSE_COLUMNS = {
  dossier_id: "uuid",
  seq: "int4",
  kind: "text",
  paused_at: "timestamptz",
  ended_at: "timestamptz",
  ended_by: "text",
  paused_working_minutes: "float8",
  position: "int8",
} as const satisfies ColumnTypes<PauseRecord>;

const SPAN_COLUMNS = {
  dossier_id: "uuid",
  from_day: "date",
  to_day: "date",
  receiving_unit_id: "text",
  field: "text",
  position: "int8",
} as const satisfies ColumnTypes<SpanRecord>;

const COUNT_COLUMN_TYPES = {
  receiving_unit_id: "text",
  grain: "text",
  period_start: "date",
  field: "text",
  ...(Object.fromEntries(
    COUNT_COLUMNS.map((c) => [c, c === "resolution_working_minutes" ? "int8" : "int4"]),
  ) as Record<CountColumn, PgType>),
  position: "int8",
} satisfies ColumnTypes<CountBucket>;

async function writeWork(
  trx: ReadModelDb,
  schema: string,
  works: readonly DossierWork[],
  counts: ReportCountDeltas,
) {
  const sorted = [...works].sort((a, b) => (a.dossierId < b.dossierId ? -1 : 1));
  const table = (name: string) => `${schema}.${name}`;
  await bulkUpsert(
    trx,
    { table: table("dossiers"), columns: DOSSIER_COLUMNS, key: ["dossier_id"] },
    sorted.map((w) => w.record as DossierRecord),
  );
  await bulkUpsert(
    trx,
    { table: table("process_steps"), columns: STEP_COLUMNS, key: ["dossier_id", "seq"] },
    sorted.flatMap((w) => [...w.steps.values()]),
  );
  await bulkUpsert(
    trx,
    { table: table("dossier_deadlines"), columns: DEADLINE_COLUMNS },
    sorted.flatMap((w) => w.deadlines),
  );
  await bulkUpsert(
    trx,
    { table: table("dossier_pauses"), columns: PAUSE_COLUMNS, key: ["dossier_id", "seq"] },
    sorted.flatMap((w) => [...w.pauses.values()]),
  );

  const spanEntries = sorted.flatMap((w) =>
    [...w.spans.entries()].map(([from, span]) => ({ w, from, span })),
  );
  const deletions = spanEntries.filter((e) => e.span === null);
  if (deletions.length > 0) {
    await sql`delete from ${sql.table(table("overdue_spans"))} s
      using unnest(${deletions.map((d) => d.w.dossierId)}::uuid[], ${deletions.map((d) => d.from)}::date[]) as gone(id, day)
      where s.dossier_id = gone.id and s.from_day = gone.day`.execute(trx);
  }
  await bulkUpsert(
    trx,
    { table: table("overdue_spans"), columns: SPAN_COLUMNS, key: ["dossier_id", "from_day"] },
    spanEntries.flatMap((e) => (e.span === null ? [] : [e.span])),
  );

  // Shared with other partitions: last, in key order, so the row locks are held briefly and in one order.
  await bulkUpsert(
    trx,
    {
      table: table("report_counts"),
      columns: COUNT_COLUMN_TYPES,
      key: ["receiving_unit_id", "grain", "period_start", "field"],
      merge: (c) =>
        c === "position"
          ? sql`greatest(${sql.ref("report_counts.position")}, ${sql.ref("excluded.position")})`
          : sql`${sql.ref(`report_counts.${c}`)} + ${sql.ref(`excluded.${c}`)}`,
    },
    counts.sorted(),
  );
}
