import { sql } from "kysely";
import { type ClockPauses, clockPausesOf, evolveClockPauses } from "../clock-pauses/evolve";
import { PAUSE_PG_TYPES } from "../clock-pauses/table";
import { rowFromDb, selectionOf } from "../columns";
import type { ReadModelDb } from "../database";
import { type DeadlineHistory, deadlineHistoryOf, evolveDeadlineHistory } from "../deadline-history/evolve";
import { DEADLINE_PG_TYPES } from "../deadline-history/table";
import { EventOrderError, ReadModelError } from "../errors";
import { type ParsedEvent, type ProjectableEvent, parseProjectableEvent } from "../events";
import { isFeedbackStream, parseFeedbackEvent } from "../feedback/events";
import { projectFeedback } from "../feedback/project";
import { Indicator766Deltas } from "../indicators-766/counts";
import { evolveIndicator766Counts } from "../indicators-766/evolve";
import { INDICATOR_766_PG_TYPES } from "../indicators-766/table";
import { evolveOverdueSpans, type OverdueSpans, overdueSpansOf } from "../overdue-spans/evolve";
import { OVERDUE_SPAN_PG_TYPES } from "../overdue-spans/table";
import { evolveProcessSteps, type ProcessSteps, processStepsOf } from "../process-steps/evolve";
import { PROCESS_STEP_PG_TYPES, processStepColumns } from "../process-steps/table";
import { type DossierRating, dossierRatingOf, evolveRatings } from "../ratings/evolve";
import { RATING_PG_TYPES } from "../ratings/table";
import { ReportCountDeltas } from "../report-06a/counts";
import { evolveReportCounts } from "../report-06a/evolve";
import { REPORT_COUNT_PG_TYPES } from "../report-06a/table";
import { assertSchemaName } from "../schema-name";
import { type DossierChange, evolveDossier } from "../worklist/evolve";
import { DOSSIER_PG_TYPES, type DossierRecord, dossierColumns } from "../worklist/table";
import { bulkUpsert } from "./bulk-write";

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
  const [result] = await projectPartitions(trx, schema, [{ partition, events, ...options }]);
  return result as ProjectResult;
}

/** One partition's part of `projectPartitions`. */
export interface PartitionSlice extends ProjectOptions {
  readonly partition: number;
  /** Ascending in position. */
  readonly events: readonly ProjectableEvent[];
}

/**
 * `projectEvents` for several partitions in ONE transaction (the direct rebuild applies a page of the log
 * this way): their checkpoints are locked in partition order, the events above each are applied together
 * — every dossier loaded and written once, the shared report counts summed over all of them before the
 * one upsert per table — and every checkpoint moves in the same transaction, so exactly-once holds per
 * partition as with one. A dossier's events are all in one partition, so applying the slices together
 * gives the same rows as one after the other. Answers one result per slice, in the slices' order.
 */
export async function projectPartitions(
  trx: ReadModelDb,
  schema: string,
  slices: readonly PartitionSlice[],
): Promise<ProjectResult[]> {
  assertSchemaName(schema);
  const seen = new Set<number>();
  for (const { partition, events } of slices) {
    if (!Number.isSafeInteger(partition) || partition < 0) {
      throw new ReadModelError("read_models.invalid_partition", `partition must be a whole number ≥ 0`);
    }
    if (seen.has(partition)) {
      throw new ReadModelError("read_models.invalid_partition", `partition ${partition} given twice`);
    }
    seen.add(partition);
    for (let i = 1; i < events.length; i++) {
      const previous = events[i - 1] as ProjectableEvent;
      const event = events[i] as ProjectableEvent;
      if (!(event.position > previous.position)) {
        throw new EventOrderError(
          `partition ${partition}: position ${event.position} follows ${previous.position}; a batch must ascend`,
        );
      }
    }
  }
  if (slices.length === 0) return [];
  const db = trx.withSchema(schema);

  const checkpoints = await lockCheckpoints(
    trx,
    schema,
    slices.map((s) => s.partition),
  );
  const results: ProjectResult[] = [];
  const fresh: ProjectableEvent[] = [];
  const moved: { partition: number; position: number }[] = [];
  for (const slice of slices) {
    const checkpoint = checkpoints.get(slice.partition) ?? 0;
    if (slice.fromPosition !== undefined && checkpoint < slice.fromPosition) {
      results.push({ applied: 0, skipped: 0, checkpoint, early: true });
      continue;
    }
    let applied = 0;
    for (const event of slice.events) {
      if (event.position > checkpoint) {
        fresh.push(event);
        applied++;
      }
    }
    const last = slice.events.length > 0 ? (slice.events.at(-1) as ProjectableEvent).position : checkpoint;
    const next = Math.max(checkpoint, applied > 0 ? last : checkpoint, slice.throughPosition ?? 0);
    if (next !== checkpoint) moved.push({ partition: slice.partition, position: next });
    results.push({ applied, skipped: slice.events.length - applied, checkpoint: next });
  }

  // Feedback has streams of its own (`feedback-<uuid>`) and its own read model.
  const feedback = fresh.filter((e) => isFeedbackStream(e.streamId));
  const parsed = (feedback.length === 0 ? fresh : fresh.filter((e) => !isFeedbackStream(e.streamId))).map(
    parseProjectableEvent,
  );
  await projectFeedback(trx, schema, feedback.map(parseFeedbackEvent));

  if (parsed.length > 0) {
    const dossiers = await loadDossiers(db, parsed);
    const counts = new ReportCountDeltas();
    const counts766 = new Indicator766Deltas();
    for (const event of parsed) {
      applyEvent(dossiers.get(event.dossierId) as DossierBatch, event, counts, counts766);
    }
    await writeBatch(
      trx,
      schema,
      [...dossiers.values()].filter((d) => d.touched),
      counts,
      counts766,
    );
  }

  if (moved.length > 0) {
    await sql`update ${sql.table(`${schema}.checkpoints`)} c set position = m.position, updated_at = now()
      from unnest(${moved.map((m) => m.partition)}::int4[], ${moved.map((m) => m.position)}::int8[]) as m(partition, position)
      where c.partition = m.partition`.execute(trx);
  }
  return results;
}

/**
 * Locks the partitions' checkpoint rows in partition order (creating missing ones at 0 first) and
 * answers their positions. The same statement makes the transaction commit asynchronously: the rows and
 * the checkpoints commit together, so a commit lost in a crash loses both and the feeder sends those
 * events again — nobody was told anything succeeded, so the commit need not wait for the disk. One round
 * trip in the usual case.
 */
async function lockCheckpoints(
  trx: ReadModelDb,
  schema: string,
  partitions: readonly number[],
): Promise<Map<number, number>> {
  const table = sql.table(`${schema}.checkpoints`);
  const wanted = [...partitions].sort((a, b) => a - b);
  const locked = async () => {
    const { rows } = await sql<{ partition: number; position: string }>`
      select partition, position, set_config('synchronous_commit', 'off', true) as commit_mode
      from ${table} where partition = any(${wanted}::int4[]) order by partition for update`.execute(trx);
    return new Map(rows.map((row) => [Number(row.partition), Number(row.position)]));
  };
  const found = await locked();
  if (found.size === wanted.length) return found;
  await sql`insert into ${table} (partition, position)
    select p, 0 from unnest(${wanted.filter((p) => !found.has(p))}::int4[]) as p
    on conflict (partition) do nothing`.execute(trx);
  return locked();
}

/** One dossier's read-model state while a batch is applied: its row, and each read model's part. */
interface DossierBatch {
  readonly dossierId: string;
  record: DossierRecord | null;
  readonly steps: ProcessSteps;
  readonly deadlines: DeadlineHistory;
  readonly pauses: ClockPauses;
  readonly spans: OverdueSpans;
  readonly rating: DossierRating;
  touched: boolean;
}

function batchOf(
  dossierId: string,
  record: DossierRecord | null,
  openStep: ProcessSteps["open"],
): DossierBatch {
  return {
    dossierId,
    record,
    steps: processStepsOf(record?.step_seq ?? 0, openStep),
    deadlines: deadlineHistoryOf(record?.deadline_seq ?? 0),
    pauses: clockPausesOf(record?.pause_seq ?? 0),
    spans: overdueSpansOf(record?.overdue_span_from ?? null, record?.late766_span_from ?? null),
    rating: dossierRatingOf(),
    touched: false,
  };
}

/**
 * Runs every read model's evolve on one event. Events at or below the row's revision were applied
 * before and change nothing. Deterministic: the same events give the same rows however they are batched.
 */
function applyEvent(
  dossier: DossierBatch,
  parsed: ParsedEvent,
  counts: ReportCountDeltas,
  counts766: Indicator766Deltas,
): void {
  const before = dossier.record;
  if (before !== null && parsed.revision <= before.revision) return;
  const after = evolveDossier(before, parsed);
  const change: DossierChange = {
    before,
    after,
    event: parsed.event,
    at: parsed.at,
    position: parsed.position,
  };
  evolveProcessSteps(dossier.steps, change);
  evolveDeadlineHistory(dossier.deadlines, change);
  evolveClockPauses(dossier.pauses, change);
  evolveOverdueSpans(dossier.spans, counts, change);
  evolveReportCounts(counts, change);
  evolveRatings(dossier.rating, change);
  evolveIndicator766Counts(counts766, change);
  dossier.record = after;
  dossier.touched = true;
}

/** The row to write: the other read models' bookkeeping as they left it. */
const rowToWrite = (d: DossierBatch): DossierRecord => ({
  ...(d.record as DossierRecord),
  step_seq: d.steps.seq,
  deadline_seq: d.deadlines.seq,
  pause_seq: d.pauses.seq,
  overdue_span_from: d.spans.overdueFrom,
  late766_span_from: d.spans.late766From,
});

type SchemaDb = ReturnType<ReadModelDb["withSchema"]>;

const DOSSIER_SELECTION = selectionOf(dossierColumns);

async function loadDossiers(
  db: SchemaDb,
  events: readonly ParsedEvent[],
): Promise<Map<string, DossierBatch>> {
  const ids = [...new Set(events.map((e) => e.dossierId))];
  const records = new Map<string, DossierRecord>();
  const openSteps = new Map<string, ProcessSteps["open"]>();
  for (let i = 0; i < ids.length; i += CHUNK) {
    const chunk = ids.slice(i, i + CHUNK);
    const rows = await db
      .selectFrom("dossiers")
      .select(DOSSIER_SELECTION)
      .where(sql<boolean>`dossier_id = any(${chunk}::uuid[])`)
      .execute();
    for (const row of rows as Record<string, unknown>[]) {
      const record = rowFromDb(dossierColumns, row);
      records.set(record.dossier_id, record);
    }
    const steps = await db
      .selectFrom("process_steps")
      .selectAll()
      .where(sql<boolean>`dossier_id = any(${chunk}::uuid[])`)
      .where("to_at", "is", null)
      .execute();
    for (const step of steps) openSteps.set(step.dossier_id, rowFromDb(processStepColumns, step));
  }
  return new Map(ids.map((id) => [id, batchOf(id, records.get(id) ?? null, openSteps.get(id) ?? null)]));
}

async function writeBatch(
  trx: ReadModelDb,
  schema: string,
  dossiers: readonly DossierBatch[],
  counts: ReportCountDeltas,
  counts766: Indicator766Deltas,
) {
  const sorted = [...dossiers].sort((a, b) => (a.dossierId < b.dossierId ? -1 : 1));
  const table = (name: string) => `${schema}.${name}`;
  await bulkUpsert(
    trx,
    { table: table("dossiers"), columns: DOSSIER_PG_TYPES, key: ["dossier_id"] },
    sorted.map(rowToWrite),
  );
  await bulkUpsert(
    trx,
    { table: table("process_steps"), columns: PROCESS_STEP_PG_TYPES, key: ["dossier_id", "seq"] },
    sorted.flatMap((d) => [...d.steps.changed.values()]),
  );
  await bulkUpsert(
    trx,
    { table: table("dossier_deadlines"), columns: DEADLINE_PG_TYPES },
    sorted.flatMap((d) => d.deadlines.added),
  );
  await bulkUpsert(
    trx,
    { table: table("dossier_pauses"), columns: PAUSE_PG_TYPES, key: ["dossier_id", "seq"] },
    sorted.flatMap((d) => [...d.pauses.changed.values()]),
  );

  const spanEntries = sorted.flatMap((d) =>
    [...d.spans.changed.entries()].map(([from, span]) => ({ d, from, span })),
  );
  const deletions = spanEntries.filter((e) => e.span === null);
  if (deletions.length > 0) {
    await sql`delete from ${sql.table(table("overdue_spans"))} s
      using unnest(${deletions.map((e) => e.d.dossierId)}::uuid[], ${deletions.map((e) => e.from)}::date[]) as gone(id, day)
      where s.dossier_id = gone.id and s.from_day = gone.day`.execute(trx);
  }
  await bulkUpsert(
    trx,
    { table: table("overdue_spans"), columns: OVERDUE_SPAN_PG_TYPES, key: ["dossier_id", "from_day"] },
    spanEntries.flatMap((e) => (e.span === null ? [] : [e.span])),
  );

  await bulkUpsert(
    trx,
    { table: table("dossier_ratings"), columns: RATING_PG_TYPES, key: ["dossier_id"] },
    sorted.flatMap((d) => (d.rating.added === null ? [] : [d.rating.added])),
  );

  // Shared with other partitions: last, in key order, so the row locks are held briefly and in one order.
  await bulkUpsert(
    trx,
    {
      table: table("report_counts"),
      columns: REPORT_COUNT_PG_TYPES,
      key: ["receiving_unit_id", "grain", "period_start", "field"],
      merge: (c) =>
        c === "position"
          ? sql`greatest(${sql.ref("report_counts.position")}, ${sql.ref("excluded.position")})`
          : sql`${sql.ref(`report_counts.${c}`)} + ${sql.ref(`excluded.${c}`)}`,
    },
    counts.sorted(),
  );
  await bulkUpsert(
    trx,
    {
      table: table("indicator766_counts"),
      columns: INDICATOR_766_PG_TYPES,
      key: ["receiving_unit_id", "month", "procedure_id"],
      merge: (c) =>
        c === "position"
          ? sql`greatest(${sql.ref("indicator766_counts.position")}, ${sql.ref("excluded.position")})`
          : sql`${sql.ref(`indicator766_counts.${c}`)} + ${sql.ref(`excluded.${c}`)}`,
    },
    counts766.sorted(),
  );
}
