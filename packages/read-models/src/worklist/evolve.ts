import {
  classifyResolution,
  isLateFor766,
  overdueStanding,
  parseInstant,
  type ResolutionTimeliness,
} from "@motcua/domain";
import { PoisonEventError } from "../errors";
import type { ParsedEvent, ProjectedDossierEvent } from "../events";
import { dayOf, normalizeIso } from "../local-time";
import { type DossierRecord, emptyDossier } from "./table";

/**
 * What one event did to a dossier's row, handed to every other read model: each reacts to the event
 * with the row as it was before (`null` for a new dossier) and as it is after.
 */
export interface DossierChange {
  readonly before: DossierRecord | null;
  readonly after: DossierRecord;
  readonly event: ProjectedDossierEvent;
  /** The event's moment, normalized once for every read model. */
  readonly at: string;
  readonly position: number;
}

const instant = (iso: string) => parseInstant(iso);
export const isReceived = (r: DossierRecord | null): boolean => r !== null && r.received_at !== null;

/**
 * The `dossiers` row after one event, or a poison error when the event cannot follow the row (a
 * dossier received twice, an event for a dossier never received). Never changes `before`; leaves the
 * other read models' bookkeeping columns as they were.
 */
export function evolveDossier(before: DossierRecord | null, parsed: ParsedEvent): DossierRecord {
  const { event, position } = parsed;
  const poison = (reason: string) =>
    new PoisonEventError({ streamId: `dossier-${parsed.dossierId}`, position, type: event.type }, reason);

  let after: DossierRecord;
  if (event.type === "DossierSubmitted") {
    if (before !== null) throw poison("the dossier already exists");
    after = submitted(parsed.dossierId, event, parsed.at);
  } else if (event.type === "DossierReceived") {
    if (before !== null && before.status !== "submitted") throw poison("the dossier was already received");
    after = received(parsed.dossierId, before, event, parsed.at);
  } else {
    if (before === null) throw poison("no such dossier in the read model");
    if (!isReceived(before) && event.type !== "DossierIntakeRefused" && event.type !== "DossierWithdrawn") {
      throw poison(`the dossier has not been received (status ${before.status})`);
    }
    after = { ...before, ...changeOf(before, event, parsed.at, poison) };
  }
  after.revision = parsed.revision;
  after.position = position;
  // The list's flag says what is recorded; a dossier past due with no event yet gets one from the
  // scheduler, and the row follows it.
  after.overdue =
    overdueStanding({
      status: after.status,
      dueAt: after.due_at,
      overdueRecordedFor: after.overdue_recorded_for,
    }) === "recorded";
  return after;
}

function submitted(
  dossierId: string,
  event: Extract<ProjectedDossierEvent, { type: "DossierSubmitted" }>,
  at: string,
): DossierRecord {
  const d = event.data;
  return {
    ...emptyDossier(dossierId),
    procedure_id: d.procedureId,
    procedure_version: d.procedureVersion,
    procedure_code: d.procedureCode,
    field: d.field,
    time_limit_value: d.timeLimit.value,
    time_limit_unit: d.timeLimit.unit,
    supplement_policy: d.supplementPolicy,
    status: "submitted",
    receiving_unit_id: d.unitId,
    current_unit_id: d.unitId,
    channel: "online",
    submitted_at: at,
    documents_total: d.documents.length,
    documents_digitized: d.documents.filter((doc) => doc.digitized).length,
  };
}

function received(
  dossierId: string,
  submittedRow: DossierRecord | null,
  event: Extract<ProjectedDossierEvent, { type: "DossierReceived" }>,
  at: string,
): DossierRecord {
  const d = event.data;
  return {
    ...(submittedRow ?? emptyDossier(dossierId)),
    code: d.code,
    procedure_id: d.procedureId,
    procedure_version: d.procedureVersion,
    procedure_code: d.procedureCode,
    field: d.field,
    time_limit_value: d.timeLimit.value,
    time_limit_unit: d.timeLimit.unit,
    supplement_policy: d.supplementPolicy,
    status: "received",
    receiving_unit_id: d.unitId,
    current_unit_id: d.unitId,
    units_held: [d.unitId],
    channel: d.channel,
    submitted_at: submittedRow?.submitted_at ?? null,
    received_at: at,
    received_day: dayOf(at),
    clock_starts_at: normalizeIso(d.clockStartsAt),
    due_at: d.dueAt === null ? null : normalizeIso(d.dueAt),
    documents_total: d.documents.length,
    documents_digitized: d.documents.filter((doc) => doc.digitized).length,
  };
}

/** The columns an event on an existing dossier changes. */
function changeOf(
  r: DossierRecord,
  event: Exclude<ProjectedDossierEvent, { type: "DossierSubmitted" | "DossierReceived" }>,
  at: string,
  poison: (reason: string) => PoisonEventError,
): Partial<DossierRecord> {
  switch (event.type) {
    case "DossierIntakeRefused":
      if (r.status !== "submitted") throw poison(`intake refused while ${r.status}`);
      return { status: "refused", closed_at: at };
    case "DossierForwarded":
    case "DossierTransferred": {
      const to = event.data.toUnitId;
      return {
        status: "processing",
        current_unit_id: to,
        units_held: r.units_held.includes(to) ? r.units_held : [...r.units_held, to],
      };
    }
    case "SupplementRequested":
      return {
        paused_at: at,
        status: "awaiting_supplement",
        supplement_requests: event.data.requestNumber,
        supplement_respond_by: event.data.respondBy === null ? null : normalizeIso(event.data.respondBy),
      };
    case "FeeRequested":
      return { paused_at: at, status: "awaiting_payment" };
    case "SupplementReceived":
    case "FeePaid":
      return {
        status: "processing",
        paused_at: null,
        supplement_respond_by: null,
        paused_working_minutes: r.paused_working_minutes + event.data.pausedWorkingMinutes,
        due_at: event.data.dueAt === null ? null : normalizeIso(event.data.dueAt),
      };
    case "ApologyIssued":
      return { promised_at: normalizeIso(event.data.promisedAt), apologies: r.apologies + 1 };
    case "DossierResolved": {
      const d = event.data;
      return {
        status: "resolved",
        resolved_at: at,
        outcome: d.outcome,
        timeliness: d.timeliness,
        elapsed_working_minutes: Math.round(d.elapsedWorkingMinutes),
        ...finished(at, d.timeliness, d.lateFor766),
      };
    }
    case "ResultReturned":
      if (r.status !== "resolved") throw poison(`result returned while ${r.status}`);
      return {
        status: "returned",
        returned_at: at,
        return_method: event.data.method,
      };
    case "DossierWithdrawn":
    case "DossierStopped": {
      if (!isReceived(r)) {
        if (event.type === "DossierStopped" || r.status !== "submitted") {
          throw poison(`${event.type} while ${r.status}`);
        }
        return { status: "withdrawn", closed_at: at };
      }
      // A stopped dossier is judged like a resolution (a written refusal is a result), at the moment
      // its clock stopped: the pause start if it was waiting for a supplement or fees, else the stop.
      const judgedAt = r.paused_at ?? at;
      const dueAt = r.due_at === null ? null : instant(r.due_at);
      const finishClass: ResolutionTimeliness =
        event.type === "DossierWithdrawn" ? "on_time" : classifyResolution(instant(judgedAt), dueAt);
      // Decision 766 judges a withdrawal by its own moment against the due moment (DOMAIN.md), where
      // the 06a counts it on time.
      const classFor766: ResolutionTimeliness =
        event.type === "DossierWithdrawn" ? classifyResolution(instant(at), dueAt) : finishClass;
      return {
        status: event.type === "DossierWithdrawn" ? "withdrawn" : "stopped",
        closed_at: at,
        paused_at: null,
        supplement_respond_by: null,
        ...finished(at, finishClass, isLateFor766(classFor766, r.supplement_requests)),
      };
    }
    case "DossierBecameOverdue":
      return {
        overdue_recorded_for: normalizeIso(event.data.dueAt),
        overdue_holding_unit_id: event.data.holdingUnitId,
        ever_overdue: true,
      };
    case "ApplicantErased":
      // Read models hold no personal data: nothing of theirs is erased.
      return {};
    case "ElectronicResultIssued":
    case "DossierSyncedToNationalPortal":
      // Counted by the 766 read model (indicators-766/); the dossier stands where it stood.
      return {};
    case "DossierRated":
      // The rating has its own table (ratings/); the dossier stays returned.
      return {};
    default: {
      const unexpected: never = event;
      throw poison(`unhandled event ${(unexpected as { type: string }).type}`);
    }
  }
}

/** The dossier left the pending set: when, on which local day, and how 06a and Decision 766 class it. */
const finished = (at: string, finishClass: ResolutionTimeliness, lateFor766: boolean) => ({
  finished_at: at,
  finished_day: dayOf(at),
  finish_class: finishClass,
  late_for_766: lateFor766,
});
