import type { Channel, DossierStatus, ResolutionTimeliness } from "@motcua/domain";
import { parseInstant } from "@motcua/domain";
import { sql } from "kysely";
import type { DossierRow, ReadModelDb } from "../database";
import { InvalidQueryError } from "../errors";
import { isoOf, isoOrNull } from "../local-time";
import { assertSchemaName } from "../schema-name";

/** Statuses of a received dossier (online submissions and intake refusals are never shown here). */
export type ReceivedStatus = Exclude<DossierStatus, "submitted" | "refused">;

/** API.md's `GET /dossiers/{id}` fields, and more the read model knows. Never personal data. */
export interface DossierView {
  readonly dossierId: string;
  readonly code: string;
  readonly procedureId: string;
  readonly procedureVersion: number;
  readonly field: string;
  readonly status: ReceivedStatus;
  readonly receivingUnitId: string;
  readonly currentUnitId: string;
  readonly unitsHeld: readonly string[];
  readonly channel: Channel;
  readonly receivedAt: string;
  readonly clockStartsAt: string | null;
  readonly dueAt: string | null;
  readonly promisedAt: string | null;
  /** Since when the clock stands still (awaiting a supplement or fees), while it does. */
  readonly pausedAt: string | null;
  readonly resolvedAt: string | null;
  readonly returnedAt: string | null;
  readonly closedAt: string | null;
  readonly timeliness: ResolutionTimeliness | null;
  readonly outcome: "approved" | "rejected" | null;
  /** Pending, and the overdue event for the current due moment was recorded. */
  readonly overdue: boolean;
  /** The unit named by the latest overdue event: the one the delay is attributed to. */
  readonly overdueHoldingUnitId: string | null;
  readonly everOverdue: boolean;
  readonly supplementRequests: number;
  readonly lateFor766: boolean | null;
  readonly documentsTotal: number;
  readonly documentsDigitized: number;
  readonly elapsedWorkingMinutes: number | null;
  /** The dossier stream's revision this row reflects. */
  readonly revision: number;
  /** The global position of the last event applied to this row. */
  readonly position: number;
}

export interface PublicDossierView {
  readonly code: string;
  readonly status: ReceivedStatus;
  readonly receivedAt: string;
  readonly dueAt: string | null;
  readonly promisedAt: string | null;
}

export function toDossierView(row: DossierRow): DossierView {
  return {
    dossierId: row.dossier_id,
    code: row.code as string,
    procedureId: row.procedure_id,
    procedureVersion: row.procedure_version,
    field: row.field,
    status: row.status as ReceivedStatus,
    receivingUnitId: row.receiving_unit_id,
    currentUnitId: row.current_unit_id,
    unitsHeld: row.units_held,
    channel: row.channel as Channel,
    receivedAt: isoOf(row.received_at as Date),
    clockStartsAt: isoOrNull(row.clock_starts_at),
    dueAt: isoOrNull(row.due_at),
    promisedAt: isoOrNull(row.promised_at),
    pausedAt: isoOrNull(row.paused_at),
    resolvedAt: isoOrNull(row.resolved_at),
    returnedAt: isoOrNull(row.returned_at),
    closedAt: isoOrNull(row.closed_at),
    timeliness: row.timeliness as ResolutionTimeliness | null,
    outcome: row.outcome as "approved" | "rejected" | null,
    overdue: row.overdue,
    overdueHoldingUnitId: row.overdue_holding_unit_id,
    everOverdue: row.ever_overdue,
    supplementRequests: row.supplement_requests,
    lateFor766: row.late_for_766,
    documentsTotal: row.documents_total,
    documentsDigitized: row.documents_digitized,
    elapsedWorkingMinutes: row.elapsed_working_minutes,
    revision: row.revision,
    position: Number(row.position),
  };
}

const received = (db: ReadModelDb, schema: string) =>
  db.withSchema(assertSchemaName(schema)).selectFrom("dossiers").where("received_at", "is not", null);

/** One received dossier, or null when the read model does not have it (yet). */
export async function getDossier(
  db: ReadModelDb,
  schema: string,
  dossierId: string,
): Promise<DossierView | null> {
  if (!UUID.test(dossierId)) return null;
  const row = await received(db, schema).selectAll().where("dossier_id", "=", dossierId).executeTakeFirst();
  return row ? toDossierView(row) : null;
}

/** The public lookup by dossier code (slip, QR code): nothing personal, nothing internal. */
export async function getDossierByCode(
  db: ReadModelDb,
  schema: string,
  code: string,
): Promise<PublicDossierView | null> {
  const row = await received(db, schema)
    .select(["code", "status", "received_at", "due_at", "promised_at"])
    .where(sameCode(code))
    .executeTakeFirst();
  if (!row) return null;
  return {
    code: row.code as string,
    status: row.status as ReceivedStatus,
    receivedAt: isoOf(row.received_at as Date),
    dueAt: isoOrNull(row.due_at),
    promisedAt: isoOrNull(row.promised_at),
  };
}

/** Codes match whatever the case they are typed in (index `dossiers_code_upper`). */
const sameCode = (code: string) => sql<boolean>`upper(code) = ${code.trim().toUpperCase()}`;

export interface ListDossiersQuery {
  /** The one dossier with this code (case-insensitive), if the other filters let it through. */
  readonly code?: string;
  /** Dossiers any of these units holds or has held (an officer's unit and the units below it). */
  readonly unitIds?: readonly string[];
  /** Dossiers this unit holds now. */
  readonly currentUnitId?: string;
  /** Dossiers any of these units holds now. */
  readonly currentUnitIds?: readonly string[];
  readonly status?: ReceivedStatus | readonly ReceivedStatus[];
  /** true: pending with the overdue event recorded for the current due moment; false: not so. */
  readonly overdue?: boolean;
  /** Due strictly before this instant (ISO 8601 with offset). */
  readonly dueBefore?: string;
  /** 1..200, default 50. */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | null;
}

export interface DossierPage {
  readonly items: readonly DossierView[];
  /** Null on the last page. */
  readonly nextCursor: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Cursor = readonly [dueAt: string | null, dossierId: string];

const encodeCursor = (cursor: Cursor) => Buffer.from(JSON.stringify(cursor)).toString("base64url");

function decodeCursor(value: string): Cursor {
  const invalid = () => new InvalidQueryError("cursor", "is not a cursor this list gave out");
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(value, "base64url").toString("utf8"));
  } catch {
    throw invalid();
  }
  if (!Array.isArray(parsed) || parsed.length !== 2) throw invalid();
  const [dueAt, id] = parsed as unknown[];
  if (typeof id !== "string" || !UUID.test(id)) throw invalid();
  if (dueAt === null) return [null, id];
  if (typeof dueAt !== "string" || Number.isNaN(Date.parse(dueAt))) throw invalid();
  return [dueAt, id];
}

/**
 * The worklist: received dossiers matching the filters, in due order (earliest first, no due date last,
 * then by id), one page at a time. The keyset cursor makes pages stable: no dossier appears twice or
 * is skipped while the order of the rest does not change.
 */
export async function listDossiers(
  db: ReadModelDb,
  schema: string,
  query: ListDossiersQuery = {},
): Promise<DossierPage> {
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new InvalidQueryError("limit", "must be a whole number from 1 to 200");
  }
  let dueBefore: Date | null = null;
  if (query.dueBefore !== undefined) {
    try {
      dueBefore = new Date(parseInstant(query.dueBefore));
    } catch {
      throw new InvalidQueryError("dueBefore", "must be an ISO 8601 date-time with offset");
    }
  }
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  const statuses = query.status === undefined ? null : ([] as ReceivedStatus[]).concat(query.status);

  let q = received(db, schema).selectAll();
  if (query.unitIds !== undefined) {
    if (query.unitIds.length === 0) return { items: [], nextCursor: null };
    // One array parameter (a JS array in the builder would become a row of parameters).
    q = q.where("units_held", "&&", sql<string[]>`${[...query.unitIds]}::text[]`);
  }
  if (query.currentUnitId !== undefined) q = q.where("current_unit_id", "=", query.currentUnitId);
  if (query.currentUnitIds !== undefined) {
    if (query.currentUnitIds.length === 0) return { items: [], nextCursor: null };
    q = q.where("current_unit_id", "in", [...query.currentUnitIds]);
  }
  if (query.code !== undefined) q = q.where(sameCode(query.code));
  if (statuses !== null) {
    if (statuses.length === 0) return { items: [], nextCursor: null };
    q = q.where("status", "in", statuses);
  }
  if (query.overdue !== undefined) q = q.where("overdue", "=", query.overdue);
  if (dueBefore !== null) q = q.where("due_at", "<", dueBefore);
  if (cursor !== null) {
    const [dueAt, id] = cursor;
    q =
      dueAt === null
        ? q.where((eb) => eb.and([eb("due_at", "is", null), eb("dossier_id", ">", id)]))
        : q.where((eb) => {
            const due = new Date(dueAt);
            return eb.or([
              eb("due_at", ">", due),
              eb.and([eb("due_at", "=", due), eb("dossier_id", ">", id)]),
              eb("due_at", "is", null),
            ]);
          });
  }
  const rows = await q
    .orderBy("due_at", (ob) => ob.asc().nullsLast())
    .orderBy("dossier_id", "asc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map(toDossierView),
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodeCursor([last.due_at === null ? null : isoOf(last.due_at), last.dossier_id])
        : null,
  };
}

/** An online submission awaiting acceptance or refusal at intake: no code and no clock yet. */
export interface SubmissionView {
  readonly dossierId: string;
  readonly status: "submitted";
  readonly procedureId: string;
  readonly procedureVersion: number;
  readonly field: string;
  /** The unit it was submitted to: the one that accepts or refuses it. */
  readonly currentUnitId: string;
  readonly channel: "online";
  readonly submittedAt: string;
  readonly documentsTotal: number;
  readonly documentsDigitized: number;
  readonly revision: number;
  readonly position: number;
}

/**
 * The intake worklist: online submissions not yet accepted nor refused, oldest first (the order a
 * one-stop counter works through them), one page at a time with a keyset cursor.
 */
export async function listSubmissions(
  db: ReadModelDb,
  schema: string,
  query: { readonly unitId?: string; readonly limit?: number; readonly cursor?: string | null } = {},
): Promise<{ readonly items: readonly SubmissionView[]; readonly nextCursor: string | null }> {
  const limit = query.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200) {
    throw new InvalidQueryError("limit", "must be a whole number from 1 to 200");
  }
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  let q = db
    .withSchema(assertSchemaName(schema))
    .selectFrom("dossiers")
    .selectAll()
    .where("status", "=", "submitted");
  if (query.unitId !== undefined) q = q.where("current_unit_id", "=", query.unitId);
  if (cursor !== null) {
    const [submittedAt, id] = cursor;
    if (submittedAt === null) throw new InvalidQueryError("cursor", "is not a cursor this list gave out");
    const at = new Date(submittedAt);
    q = q.where((eb) =>
      eb.or([eb("submitted_at", ">", at), eb.and([eb("submitted_at", "=", at), eb("dossier_id", ">", id)])]),
    );
  }
  const rows = await q
    .orderBy("submitted_at", "asc")
    .orderBy("dossier_id", "asc")
    .limit(limit + 1)
    .execute();
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  return {
    items: page.map((row) => ({
      dossierId: row.dossier_id,
      status: "submitted",
      procedureId: row.procedure_id,
      procedureVersion: row.procedure_version,
      field: row.field,
      currentUnitId: row.current_unit_id,
      channel: "online",
      submittedAt: isoOf(row.submitted_at as Date),
      documentsTotal: row.documents_total,
      documentsDigitized: row.documents_digitized,
      revision: row.revision,
      position: Number(row.position),
    })),
    nextCursor:
      rows.length > limit && last !== undefined
        ? encodeCursor([isoOf(last.submitted_at as Date), last.dossier_id])
        : null,
  };
}
