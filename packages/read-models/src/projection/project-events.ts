import type { DossierStatus, ResolutionTimeliness } from "@motcua/domain";
import { type RawBuilder, sql } from "kysely";
import type { ReadModelDb } from "../database";
import { EventOrderError, ReadModelError } from "../errors";
import { isoOf, isoOrNull } from "../local-time";
import { assertSchemaName } from "../schema-name";
import { type ParsedEvent, type ProjectableEvent, parseProjectableEvent } from "./events";
import { type DossierRecord, type DossierWork, foldEvent, newWork, type StepRecord } from "./fold";
import { COUNT_COLUMNS, ReportCountDeltas } from "./report-counts";

export interface ProjectOptions {
  /**
   * The log position this batch covers the partition up to, when the feeder knows there is nothing more
   * for the partition before it (e.g. an empty job for an idle partition). The checkpoint advances to
   * the greater of this and the last event's position, so the read position can pass idle partitions.
   */
  readonly throughPosition?: number;
}

export interface ProjectResult {
  /** Events applied by this call. */
  readonly applied: number;
  /** Events at or below the checkpoint, already applied before: they changed nothing. */
  readonly skipped: number;
  /** The partition's checkpoint after the call. */
  readonly checkpoint: number;
}

/** Rows per INSERT: under Postgres's 65,535 bind parameters for the widest table. */
const CHUNK = 500;

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

  await db
    .insertInto("checkpoints")
    .values({ partition, position: 0 })
    .onConflict((oc) => oc.column("partition").doNothing())
    .execute();
  const { position: stored } = await db
    .selectFrom("checkpoints")
    .select("position")
    .where("partition", "=", partition)
    .forUpdate()
    .executeTakeFirstOrThrow();
  const checkpoint = Number(stored);

  const fresh = events.filter((e) => e.position > checkpoint);
  const parsed = fresh.map(parseProjectableEvent);

  if (parsed.length > 0) {
    const works = await loadWork(db, parsed);
    const counts = new ReportCountDeltas();
    for (const event of parsed) foldEvent(works.get(event.dossierId) as DossierWork, event, counts);
    await writeWork(
      db,
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
      ])
      .where("dossier_id", "in", chunk)
      .execute();
    for (const row of rows) {
      const { received_day_text, finished_day_text, overdue_span_from_text, ...stored } = row;
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
        position: Number(stored.position),
      };
    }
    const steps = await db
      .selectFrom("process_steps")
      .selectAll()
      .where("dossier_id", "in", chunk)
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

function chunks<T>(rows: readonly T[]): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < rows.length; i += CHUNK) out.push(rows.slice(i, i + CHUNK));
  return out;
}

/** `SET column = excluded.column` for every column given: an upsert that writes the whole row. */
function fromExcluded<C extends string>(columns: readonly C[]): Record<C, RawBuilder<never>> {
  return Object.fromEntries(columns.map((c) => [c, sql<never>`excluded.${sql.ref(c)}`])) as Record<
    C,
    RawBuilder<never>
  >;
}

const DOSSIER_COLUMNS = [
  "code",
  "procedure_id",
  "procedure_version",
  "procedure_code",
  "field",
  "time_limit_value",
  "time_limit_unit",
  "supplement_policy",
  "status",
  "receiving_unit_id",
  "current_unit_id",
  "units_held",
  "channel",
  "submitted_at",
  "received_at",
  "received_day",
  "clock_starts_at",
  "due_at",
  "promised_at",
  "apologies",
  "paused_at",
  "supplement_respond_by",
  "supplement_requests",
  "paused_working_minutes",
  "resolved_at",
  "outcome",
  "timeliness",
  "returned_at",
  "return_method",
  "closed_at",
  "finished_at",
  "finished_day",
  "finish_class",
  "late_for_766",
  "elapsed_working_minutes",
  "overdue",
  "overdue_recorded_for",
  "overdue_holding_unit_id",
  "ever_overdue",
  "documents_total",
  "documents_digitized",
  "step_seq",
  "deadline_seq",
  "pause_seq",
  "overdue_span_from",
  "revision",
  "position",
] as const satisfies readonly (keyof DossierRecord)[];

const STEP_COLUMNS = [
  "unit_id",
  "kind",
  "step",
  "reason",
  "from_at",
  "to_at",
  "ended_by",
  "due_at",
  "step_due_at",
  "overdue_recorded",
  "late",
  "position",
] as const;

const PAUSE_COLUMNS = [
  "kind",
  "paused_at",
  "ended_at",
  "ended_by",
  "paused_working_minutes",
  "position",
] as const;

async function writeWork(db: SchemaDb, works: readonly DossierWork[], counts: ReportCountDeltas) {
  const sorted = [...works].sort((a, b) => (a.dossierId < b.dossierId ? -1 : 1));
  const records = sorted.map((w) => w.record as DossierRecord);
  for (const rows of chunks(records)) {
    await db
      .insertInto("dossiers")
      .values(rows)
      .onConflict((oc) => oc.column("dossier_id").doUpdateSet(fromExcluded(DOSSIER_COLUMNS)))
      .execute();
  }

  const steps = sorted.flatMap((w) => [...w.steps.values()]);
  for (const rows of chunks(steps)) {
    await db
      .insertInto("process_steps")
      .values(rows)
      .onConflict((oc) => oc.columns(["dossier_id", "seq"]).doUpdateSet(fromExcluded(STEP_COLUMNS)))
      .execute();
  }

  const deadlines = sorted.flatMap((w) => w.deadlines);
  for (const rows of chunks(deadlines)) {
    await db.insertInto("dossier_deadlines").values(rows).execute();
  }

  const pauses = sorted.flatMap((w) => [...w.pauses.values()]);
  for (const rows of chunks(pauses)) {
    await db
      .insertInto("dossier_pauses")
      .values(rows)
      .onConflict((oc) => oc.columns(["dossier_id", "seq"]).doUpdateSet(fromExcluded(PAUSE_COLUMNS)))
      .execute();
  }

  const spanEntries = sorted.flatMap((w) =>
    [...w.spans.entries()].map(([from, span]) => ({ w, from, span })),
  );
  const deletions = spanEntries.filter((e) => e.span === null);
  for (const rows of chunks(deletions)) {
    await db
      .deleteFrom("overdue_spans")
      .where(
        sql<boolean>`(dossier_id, from_day) in (${sql.join(
          rows.map((r) => sql`(${r.w.dossierId}::uuid, ${r.from}::date)`),
        )})`,
      )
      .execute();
  }
  const spans = spanEntries.flatMap((e) => (e.span === null ? [] : [e.span]));
  for (const rows of chunks(spans)) {
    await db
      .insertInto("overdue_spans")
      .values(rows)
      .onConflict((oc) =>
        oc.columns(["dossier_id", "from_day"]).doUpdateSet(fromExcluded(["to_day", "position"])),
      )
      .execute();
  }

  // Shared with other partitions: last, in key order, so the row locks are held briefly and in one order.
  for (const rows of chunks(counts.sorted())) {
    await db
      .insertInto("report_counts")
      .values(rows)
      .onConflict((oc) =>
        oc.columns(["receiving_unit_id", "grain", "period_start", "field"]).doUpdateSet((eb) => ({
          ...Object.fromEntries(
            COUNT_COLUMNS.map((c) => [c, eb(eb.ref(`report_counts.${c}`), "+", eb.ref(`excluded.${c}`))]),
          ),
          position: sql<string>`greatest(${sql.ref("report_counts.position")}, ${sql.ref("excluded.position")})`,
        })),
      )
      .execute();
  }
}
