import { parseInstant } from "@motcua/domain";
import { type Selectable, sql } from "kysely";
import type { ReadModelDb } from "../database";
import { InvalidQueryError } from "../errors";
import { isoOf, isoOrNull } from "../local-time";
import { assertSchemaName } from "../schema-name";
import type { FeedbackTable } from "./table";

export const FEEDBACK_STATUSES = ["received", "assigned", "answered", "closed"] as const;
export type FeedbackRowStatus = (typeof FEEDBACK_STATUSES)[number];
/** The worklist's status filter: a status, `open` (received or assigned) or `overdue` (open and past due). */
export const FEEDBACK_STATUS_FILTERS = [...FEEDBACK_STATUSES, "open", "overdue"] as const;
export type FeedbackStatusFilter = (typeof FEEDBACK_STATUS_FILTERS)[number];

/** One feedback as officers and the board see it: never the sender's words, contact, nor the answer. */
export interface FeedbackView {
  readonly feedbackId: string;
  readonly status: FeedbackRowStatus;
  readonly about: {
    readonly unitId: string | null;
    readonly procedureId: string | null;
    readonly dossierCode: string | null;
  };
  readonly receivingUnitId: string;
  /** The unit handling it now. */
  readonly unitId: string;
  readonly officerId: string | null;
  readonly submittedAt: string;
  readonly dueAt: string;
  /** Unanswered and open past its due moment, or recorded overdue (it stays so once answered late). */
  readonly overdue: boolean;
  /** Open, not yet overdue, and due within the next 48 hours. */
  readonly dueSoon: boolean;
  readonly answeredAt: string | null;
  readonly answerTimeliness: "on_time" | "late" | null;
  readonly published: boolean;
  readonly closedAt: string | null;
  readonly revision: number;
  readonly position: number;
}

type FeedbackRow = Selectable<FeedbackTable>;

const isOpen = (status: string) => status === "received" || status === "assigned";

const DUE_SOON_MS = 48 * 3_600_000;

function toView(row: FeedbackRow, now: number): FeedbackView {
  const due = new Date(row.due_at).getTime();
  const overdue = row.overdue || (isOpen(row.status) && due <= now);
  return {
    feedbackId: row.feedback_id,
    status: row.status as FeedbackRowStatus,
    about: {
      unitId: row.about_unit_id,
      procedureId: row.about_procedure_id,
      dossierCode: row.about_dossier_code,
    },
    receivingUnitId: row.receiving_unit_id,
    unitId: row.unit_id,
    officerId: row.officer_id,
    submittedAt: isoOf(row.submitted_at),
    dueAt: isoOf(row.due_at),
    overdue,
    dueSoon: isOpen(row.status) && !overdue && due - now <= DUE_SOON_MS,
    answeredAt: isoOrNull(row.answered_at),
    answerTimeliness: row.answer_timeliness as "on_time" | "late" | null,
    published: row.published,
    closedAt: isoOrNull(row.closed_at),
    revision: row.revision,
    position: Number(row.position),
  };
}

function instantOf(field: string, value: string): Date {
  try {
    return new Date(parseInstant(value));
  } catch {
    throw new InvalidQueryError(field, "must be an ISO 8601 date-time with offset");
  }
}

export interface ListFeedbackQuery {
  /** Feedback handled by these units now; absent: every unit. */
  readonly unitIds?: readonly string[];
  readonly status?: FeedbackStatusFilter;
  /** The moment `overdue` is judged at (ISO). */
  readonly now: string;
  /** 1..200, default 50. */
  readonly limit?: number;
  /** The previous page's `nextCursor`. */
  readonly cursor?: string;
}

export interface FeedbackPage {
  readonly items: readonly FeedbackView[];
  readonly nextCursor: string | null;
}

const encodeCursor = (dueAt: string, id: string) =>
  Buffer.from(JSON.stringify([dueAt, id])).toString("base64url");
function decodeCursor(cursor: string): [string, string] {
  try {
    const value = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8")) as unknown;
    if (Array.isArray(value) && typeof value[0] === "string" && typeof value[1] === "string") {
      parseInstant(value[0]);
      if (/^[0-9a-f-]{36}$/i.test(value[1])) return [value[0], value[1]];
    }
  } catch {}
  throw new InvalidQueryError("cursor", "must be a nextCursor this list returned");
}

/** The officers' feedback worklist: earliest due first, one page at a time (keyset cursor). */
export async function listFeedback(
  db: ReadModelDb,
  schema: string,
  query: ListFeedbackQuery,
): Promise<FeedbackPage> {
  assertSchemaName(schema);
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new InvalidQueryError("limit", "must be a whole number from 1 to 200");
  }
  const now = instantOf("now", query.now);
  let q = db.withSchema(schema).selectFrom("feedback").selectAll();
  if (query.unitIds !== undefined) {
    if (query.unitIds.length === 0) return { items: [], nextCursor: null };
    q = q.where("unit_id", "in", [...query.unitIds]);
  }
  switch (query.status) {
    case undefined:
      break;
    case "open":
      q = q.where("status", "in", ["received", "assigned"]);
      break;
    case "overdue":
      q = q.where("status", "in", ["received", "assigned"]).where("due_at", "<=", now);
      break;
    default:
      q = q.where("status", "=", query.status);
  }
  if (query.cursor !== undefined) {
    const [dueAt, id] = decodeCursor(query.cursor);
    const due = new Date(dueAt);
    q = q.where((eb) =>
      eb.or([eb("due_at", ">", due), eb.and([eb("due_at", "=", due), eb("feedback_id", ">", id)])]),
    );
  }
  const rows = await q
    .orderBy("due_at")
    .orderBy("feedback_id")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return {
    items: page.map((row) => toView(row, now.getTime())),
    nextCursor: rows.length > limit && last ? encodeCursor(isoOf(last.due_at), last.feedback_id) : null,
  };
}

/** One feedback's row, or null. */
export async function getFeedback(
  db: ReadModelDb,
  schema: string,
  feedbackId: string,
  now: string,
): Promise<FeedbackView | null> {
  assertSchemaName(schema);
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i.test(feedbackId)) return null;
  const row = await db
    .withSchema(schema)
    .selectFrom("feedback")
    .selectAll()
    .where("feedback_id", "=", feedbackId)
    .executeTakeFirst();
  return row === undefined ? null : toView(row, instantOf("now", now).getTime());
}

export interface FeedbackSummaryQuery {
  /** The units whose feedback counts (the unit it was sent to), e.g. a unit and its subunits. */
  readonly unitIds: readonly string[];
  /** The period, [from, to): ISO instants. */
  readonly from: string;
  readonly to: string;
  /**
   * The present moment, which the current figures (`open`, `overdueOpen`, `dueSoon`) are judged at: the
   * read model keeps each feedback's state now, not its history.
   */
  readonly now: string;
  /** How far ahead `dueSoon` looks, in hours. Default 48. */
  readonly dueSoonHours?: number;
}

/** Counts of one unit's feedback (or of all the units asked for). */
export interface FeedbackCounts {
  /** Submitted in the period. */
  readonly received: number;
  /** Answered in the period, and of those, by their due moment or after it. */
  readonly answered: number;
  readonly answeredOnTime: number;
  readonly answeredLate: number;
  /** Answers given in the period and published. */
  readonly published: number;
  /** Closed in the period without an answer. */
  readonly closedUnanswered: number;
  /** Whose due moment fell in the period while still unanswered (recorded overdue). */
  readonly overdue: number;
  /** Now: open (received or assigned, unanswered). */
  readonly open: number;
  /** Now: open and past their due moment. */
  readonly overdueOpen: number;
  /** Now: open and due within `dueSoonHours`. */
  readonly dueSoon: number;
}

export interface FeedbackSummary extends FeedbackCounts {
  readonly from: string;
  readonly to: string;
  /** The same counts per unit (the unit each feedback was sent to), units without any left out. */
  readonly units: readonly ({ readonly unitId: string } & FeedbackCounts)[];
}

/**
 * The figures of feedback per unit and period, for the 766 satisfaction group and the board: received,
 * answered on time or late, overdue in the period, and what is open, overdue and due soon now. Counted
 * under the unit each feedback was sent to, wherever it was assigned later.
 */
export async function feedbackSummary(
  db: ReadModelDb,
  schema: string,
  query: FeedbackSummaryQuery,
): Promise<FeedbackSummary> {
  assertSchemaName(schema);
  const from = instantOf("from", query.from);
  const to = instantOf("to", query.to);
  const now = instantOf("now", query.now);
  if (!(from < to)) throw new InvalidQueryError("to", "must be after from");
  const hours = query.dueSoonHours ?? 48;
  if (!(hours > 0)) throw new InvalidQueryError("dueSoonHours", "must be a positive number");
  const soon = new Date(now.getTime() + hours * 3_600_000);
  const empty: FeedbackCounts = {
    received: 0,
    answered: 0,
    answeredOnTime: 0,
    answeredLate: 0,
    published: 0,
    closedUnanswered: 0,
    overdue: 0,
    open: 0,
    overdueOpen: 0,
    dueSoon: 0,
  };
  if (query.unitIds.length === 0) return { ...empty, from: isoOf(from), to: isoOf(to), units: [] };
  const inPeriod = (column: string) => sql`${sql.ref(column)} >= ${from} and ${sql.ref(column)} < ${to}`;
  const open = sql`status in ('received', 'assigned') and submitted_at <= ${now}`;
  const { rows } = await sql<{ unit_id: string } & Record<keyof FeedbackCounts, string>>`
    select receiving_unit_id as unit_id,
      count(*) filter (where ${inPeriod("submitted_at")}) as "received",
      count(*) filter (where ${inPeriod("answered_at")}) as "answered",
      count(*) filter (where ${inPeriod("answered_at")} and answer_timeliness = 'on_time') as "answeredOnTime",
      count(*) filter (where ${inPeriod("answered_at")} and answer_timeliness = 'late') as "answeredLate",
      count(*) filter (where ${inPeriod("answered_at")} and published) as "published",
      count(*) filter (where ${inPeriod("closed_at")} and answered_at is null) as "closedUnanswered",
      count(*) filter (where ${inPeriod("due_at")} and overdue) as "overdue",
      count(*) filter (where ${open}) as "open",
      count(*) filter (where ${open} and due_at <= ${now}) as "overdueOpen",
      count(*) filter (where ${open} and due_at > ${now} and due_at <= ${soon}) as "dueSoon"
    from ${sql.table(`${schema}.feedback`)}
    where receiving_unit_id = any(${[...query.unitIds]}::text[])
    group by receiving_unit_id
    order by receiving_unit_id`.execute(db);
  const keys = Object.keys(empty) as (keyof FeedbackCounts)[];
  const units = rows
    .map(
      (row) =>
        ({ unitId: row.unit_id, ...Object.fromEntries(keys.map((k) => [k, Number(row[k])])) }) as {
          unitId: string;
        } & FeedbackCounts,
    )
    .filter((unit) => keys.some((k) => unit[k] > 0));
  const totals = Object.fromEntries(
    keys.map((k) => [k, units.reduce((sum, u) => sum + u[k], 0)]),
  ) as unknown as FeedbackCounts;
  return { ...totals, from: isoOf(from), to: isoOf(to), units };
}
