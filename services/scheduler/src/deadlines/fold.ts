import { type DossierEvent, isDueAtProvisional, type WorkSchedule } from "@motcua/domain";
import { type NoticeFacts, type NoticeToRecord, RECIPIENT_OF } from "@motcua/notifications";
import type { DeadlineRow } from "../database";
import { warningMoments } from "./warning-times";

/** What the fold needs from reference data, looked up before it runs so that it stays pure. */
export interface FoldContext {
  scheduleOf(unitId: string): WorkSchedule;
  unitNameOf(unitId: string): string;
  /** The dossier's rating code, sent with the "result ready" notice; absent, the notice goes without. */
  ratingCodeOf?(dossierId: string): string;
}

export interface EventPlace {
  readonly dossierId: string;
  readonly position: number;
  readonly eventId: string;
}

export interface Folded {
  /** The dossier's row after the event; null when the dossier is not open (never received, or closed). */
  readonly row: DeadlineRow | null;
  readonly notices: readonly NoticeToRecord[];
}

const ms = (iso: string | null): number | null => (iso === null ? null : Date.parse(iso));

/** The occasion of every notice about one deadline: the due moment itself. */
export const deadlineOccasion = (dueAt: number | null): string =>
  dueAt === null ? "deadline:none" : `deadline:${new Date(dueAt).toISOString()}`;

export function notice(
  dossierId: string,
  occasion: string,
  unitId: string,
  facts: NoticeFacts,
): NoticeToRecord {
  return { dossierId, occasion, recipient: RECIPIENT_OF[facts.kind], unitId, facts };
}

/** The row with some fields changed, built as one literal naming every field (no spread: see #18). */
function rowWith(row: DeadlineRow, change: Partial<DeadlineRow>): DeadlineRow {
  return {
    dossierId: row.dossierId,
    code: row.code,
    receivingUnitId: row.receivingUnitId,
    holdingUnitId: change.holdingUnitId ?? row.holdingUnitId,
    dueAt: change.dueAt !== undefined ? change.dueAt : row.dueAt,
    clockRunning: change.clockRunning ?? row.clockRunning,
    dueSoonAt: change.dueSoonAt !== undefined ? change.dueSoonAt : row.dueSoonAt,
    dueTodayAt: change.dueTodayAt !== undefined ? change.dueTodayAt : row.dueTodayAt,
    dueSoonFor: row.dueSoonFor,
    dueTodayFor: row.dueTodayFor,
    overdueFor: change.overdueFor !== undefined ? change.overdueFor : row.overdueFor,
    position: change.position ?? row.position,
  };
}

function withDeadline(row: DeadlineRow, dueAt: number | null, setAt: number, ctx: FoldContext): DeadlineRow {
  if (dueAt === null) return rowWith(row, { dueAt, dueSoonAt: null, dueTodayAt: null });
  const warnings = warningMoments(ctx.scheduleOf(row.receivingUnitId), dueAt, setAt);
  return rowWith(row, { dueAt, dueSoonAt: warnings.dueSoonAt, dueTodayAt: warnings.dueTodayAt });
}

/**
 * One event folded into the dossier's deadline row, with the notices it calls for. Pure: the same
 * events give the same rows and notices, so a page re-read after a crash changes nothing.
 */
export function foldDeadline(
  row: DeadlineRow | null,
  event: DossierEvent,
  place: EventPlace,
  ctx: FoldContext,
): Folded {
  const { dossierId } = place;
  if (event.type === "DossierReceived") {
    const d = event.data;
    const received: DeadlineRow = {
      dossierId,
      code: d.code,
      receivingUnitId: d.unitId,
      holdingUnitId: d.unitId,
      dueAt: null,
      clockRunning: true,
      dueSoonAt: null,
      dueTodayAt: null,
      dueSoonFor: null,
      dueTodayFor: null,
      overdueFor: null,
      position: place.position,
    };
    const dueAt = ms(d.dueAt);
    return {
      row: withDeadline(received, dueAt, Date.parse(d.at), ctx),
      notices: [
        notice(dossierId, "receipt", d.unitId, {
          kind: "receipt",
          code: d.code,
          unitName: ctx.unitNameOf(d.unitId),
          receivedAt: Date.parse(d.at),
          dueAt,
          dueAtProvisional: isDueAtProvisional(ctx.scheduleOf(d.unitId).years, dueAt),
        }),
      ],
    };
  }
  // Anything else only matters for a dossier the watcher holds open.
  if (row === null) return { row, notices: [] };
  const position = place.position;
  switch (event.type) {
    case "DossierSubmitted":
    case "DossierIntakeRefused":
    case "ResultReturned":
    case "ApplicantErased":
    case "DossierRated":
    case "ElectronicResultIssued":
    case "DossierSyncedToNationalPortal":
      return { row, notices: [] };
    case "DossierForwarded":
    case "DossierTransferred":
      return { row: rowWith(row, { position, holdingUnitId: event.data.toUnitId }), notices: [] };
    case "SupplementRequested":
      return {
        row: rowWith(row, { position, clockRunning: false }),
        notices: [
          notice(dossierId, `request:${event.data.requestNumber}`, row.holdingUnitId, {
            kind: "supplement_request",
            code: row.code,
            unitName: ctx.unitNameOf(row.holdingUnitId),
            at: Date.parse(event.data.at),
            respondBy: ms(event.data.respondBy),
          }),
        ],
      };
    case "FeeRequested":
      return { row: rowWith(row, { position, clockRunning: false }), notices: [] };
    case "SupplementReceived":
    case "FeePaid":
      return {
        row: withDeadline(
          rowWith(row, { position, clockRunning: true }),
          ms(event.data.dueAt),
          Date.parse(event.data.at),
          ctx,
        ),
        notices: [],
      };
    case "ApologyIssued":
      return {
        row: rowWith(row, { position }),
        notices: [
          notice(dossierId, `event:${place.eventId}`, row.holdingUnitId, {
            kind: "apology",
            code: row.code,
            unitName: ctx.unitNameOf(row.holdingUnitId),
            dueAt: ms(event.data.dueAt),
            promisedAt: Date.parse(event.data.promisedAt),
          }),
        ],
      };
    case "DossierBecameOverdue": {
      const dueAt = Date.parse(event.data.dueAt);
      return {
        row: rowWith(row, { position, overdueFor: dueAt }),
        notices: [
          notice(dossierId, deadlineOccasion(dueAt), event.data.holdingUnitId, {
            kind: "overdue",
            code: row.code,
            unitName: ctx.unitNameOf(event.data.holdingUnitId),
            dueAt,
          }),
        ],
      };
    }
    case "DossierResolved":
      return {
        row: null,
        notices: [
          notice(dossierId, "result", row.receivingUnitId, {
            kind: "result_ready",
            code: row.code,
            unitName: ctx.unitNameOf(row.receivingUnitId),
            at: Date.parse(event.data.at),
            ...(ctx.ratingCodeOf ? { ratingCode: ctx.ratingCodeOf(dossierId) } : {}),
          }),
        ],
      };
    case "DossierWithdrawn":
    case "DossierStopped":
      return { row: null, notices: [] };
    default: {
      const unexpected: never = event;
      throw new Error(`unknown event ${JSON.stringify(unexpected)}`);
    }
  }
}

/** The deadline a row's jobs are for: set, and with the clock running. */
export const activeDeadline = (row: DeadlineRow | null): number | null =>
  row?.clockRunning && row.dueAt !== null ? row.dueAt : null;

/** Units whose names or schedules folding these events may need. */
export function unitsMentioned(row: DeadlineRow | null, event: DossierEvent): string[] {
  const units = row === null ? [] : [row.receivingUnitId, row.holdingUnitId];
  if (event.type === "DossierReceived") units.push(event.data.unitId);
  if (event.type === "DossierForwarded" || event.type === "DossierTransferred")
    units.push(event.data.toUnitId);
  if (event.type === "DossierBecameOverdue") units.push(event.data.holdingUnitId);
  return units;
}
