import {
  classifyResolution,
  type DossierStatus,
  isLateFor766,
  PENDING,
  parseInstant,
  type ResolutionTimeliness,
} from "@motcua/domain";
import { PoisonEventError } from "../errors";
import { dayNumberOf, dayOf, dayToLocalDate, localDateToDay, normalizeIso } from "../local-time";
import type { ParsedEvent, ProjectedDossierEvent } from "./events";
import type { CountDelta, ReportCountDeltas } from "./report-counts";

/** A `dossiers` row in memory: instants as ISO strings (+07:00), local dates as `YYYY-MM-DD`. */
export interface DossierRecord {
  dossier_id: string;
  code: string | null;
  procedure_id: string;
  procedure_version: number;
  procedure_code: string;
  field: string;
  time_limit_value: number;
  time_limit_unit: string;
  supplement_policy: string;
  status: DossierStatus;
  receiving_unit_id: string;
  current_unit_id: string;
  units_held: string[];
  channel: string | null;
  submitted_at: string | null;
  received_at: string | null;
  received_day: string | null;
  clock_starts_at: string | null;
  due_at: string | null;
  promised_at: string | null;
  apologies: number;
  paused_at: string | null;
  supplement_respond_by: string | null;
  supplement_requests: number;
  paused_working_minutes: number;
  resolved_at: string | null;
  outcome: string | null;
  timeliness: string | null;
  returned_at: string | null;
  return_method: string | null;
  closed_at: string | null;
  finished_at: string | null;
  finished_day: string | null;
  finish_class: ResolutionTimeliness | null;
  late_for_766: boolean | null;
  elapsed_working_minutes: number | null;
  overdue: boolean;
  overdue_recorded_for: string | null;
  overdue_holding_unit_id: string | null;
  ever_overdue: boolean;
  documents_total: number;
  documents_digitized: number;
  step_seq: number;
  deadline_seq: number;
  pause_seq: number;
  overdue_span_from: string | null;
  late766_span_from: string | null;
  revision: number;
  position: number;
}

export interface StepRecord {
  dossier_id: string;
  seq: number;
  unit_id: string;
  kind: "received" | "forwarded" | "transferred";
  step: string | null;
  reason: string | null;
  from_at: string;
  to_at: string | null;
  ended_by: string | null;
  due_at: string | null;
  step_due_at: string | null;
  overdue_recorded: boolean;
  late: boolean;
  position: number;
}

export interface DeadlineRecord {
  dossier_id: string;
  seq: number;
  effective_at: string;
  due_at: string | null;
  cause: "received" | "supplement_received" | "fee_paid";
  position: number;
}

export interface PauseRecord {
  dossier_id: string;
  seq: number;
  kind: "supplement" | "fee";
  paused_at: string;
  ended_at: string | null;
  ended_by: string | null;
  paused_working_minutes: number | null;
  position: number;
}

export interface SpanRecord {
  dossier_id: string;
  from_day: string;
  to_day: string | null;
  receiving_unit_id: string;
  field: string;
  position: number;
}

/** Everything one batch changes about one dossier, written back in bulk after the fold. */
export interface DossierWork {
  readonly dossierId: string;
  record: DossierRecord | null;
  /** The holding in progress, loaded from `process_steps` (to_at null). */
  openStep: StepRecord | null;
  readonly steps: Map<number, StepRecord>;
  readonly deadlines: DeadlineRecord[];
  readonly pauses: Map<number, PauseRecord>;
  /** By from_day; null deletes a span that turned out never to hold at the end of any day. */
  readonly spans: Map<string, SpanRecord | null>;
  touched: boolean;
}

export const newWork = (dossierId: string, record: DossierRecord | null, openStep: StepRecord | null) => ({
  dossierId,
  record,
  openStep,
  steps: new Map<number, StepRecord>(),
  deadlines: [] as DeadlineRecord[],
  pauses: new Map<number, PauseRecord>(),
  spans: new Map<string, SpanRecord | null>(),
  touched: false,
});

const instant = (iso: string) => parseInstant(iso);
const isReceived = (r: DossierRecord) => r.received_at !== null;

/**
 * Folds one event into the dossier's work. Events at or below the row's revision were applied before
 * and change nothing. Deterministic: the same events give the same rows however they are batched.
 */
export function foldEvent(work: DossierWork, parsed: ParsedEvent, counts: ReportCountDeltas): void {
  const current = work.record;
  if (current !== null && parsed.revision <= current.revision) return;
  const { event, position } = parsed;
  const poison = (reason: string) =>
    new PoisonEventError({ streamId: `dossier-${work.dossierId}`, position, type: event.type }, reason);

  let r: DossierRecord;
  if (event.type === "DossierSubmitted") {
    if (current !== null) throw poison("the dossier already exists");
    r = submittedRecord(work.dossierId, event);
  } else if (event.type === "DossierReceived") {
    if (current !== null && current.status !== "submitted") throw poison("the dossier was already received");
    r = receivedRecord(work.dossierId, current, event);
    openHolding(work, r, event.data.unitId, "received", r.received_at as string, null, null, null, position);
    addDeadline(work, r, r.received_at as string, r.due_at, "received", position);
    reconfigureOverdueSpan(work, r, r.received_at as string, position, counts);
    counts.add(r.receiving_unit_id, r.field, r.received_day as string, receptionDelta(r), position);
  } else {
    if (current === null) throw poison("no such dossier in the read model");
    r = current;
    if (!isReceived(r) && event.type !== "DossierIntakeRefused" && event.type !== "DossierWithdrawn") {
      throw poison(`the dossier has not been received (status ${r.status})`);
    }
    applyToExisting(work, r, event, position, counts, poison);
  }

  r.revision = parsed.revision;
  r.position = position;
  r.overdue =
    PENDING.has(r.status) &&
    r.due_at !== null &&
    r.overdue_recorded_for !== null &&
    instant(r.due_at) === instant(r.overdue_recorded_for);
  work.record = r;
  work.touched = true;
}

function applyToExisting(
  work: DossierWork,
  r: DossierRecord,
  event: Exclude<ProjectedDossierEvent, { type: "DossierSubmitted" | "DossierReceived" }>,
  position: number,
  counts: ReportCountDeltas,
  poison: (reason: string) => PoisonEventError,
): void {
  switch (event.type) {
    case "DossierIntakeRefused":
      if (r.status !== "submitted") throw poison(`intake refused while ${r.status}`);
      r.status = "refused";
      r.closed_at = normalizeIso(event.data.at);
      return;
    case "DossierForwarded":
    case "DossierTransferred": {
      const d = event.data;
      const at = normalizeIso(d.at);
      closeHolding(work, r, at, event.type, position);
      const forwarded = event.type === "DossierForwarded";
      openHolding(
        work,
        r,
        d.toUnitId,
        forwarded ? "forwarded" : "transferred",
        at,
        // Step names and reasons are free text about the applicant: sealed in the event store, never
        // here; the API reads them from the dossier's stream when it shows the slip.
        null,
        null,
        forwarded && event.data.stepDueAt !== null ? normalizeIso(event.data.stepDueAt) : null,
        position,
      );
      r.status = "processing";
      r.current_unit_id = d.toUnitId;
      if (!r.units_held.includes(d.toUnitId)) r.units_held = [...r.units_held, d.toUnitId];
      return;
    }
    case "SupplementRequested":
    case "FeeRequested": {
      const at = normalizeIso(event.data.at);
      r.pause_seq += 1;
      const supplement = event.type === "SupplementRequested";
      work.pauses.set(r.pause_seq, {
        dossier_id: r.dossier_id,
        seq: r.pause_seq,
        kind: supplement ? "supplement" : "fee",
        paused_at: at,
        ended_at: null,
        ended_by: null,
        paused_working_minutes: null,
        position,
      });
      r.paused_at = at;
      if (supplement) {
        r.status = "awaiting_supplement";
        r.supplement_requests = event.data.requestNumber;
        r.supplement_respond_by = event.data.respondBy === null ? null : normalizeIso(event.data.respondBy);
      } else {
        r.status = "awaiting_payment";
      }
      reconfigureOverdueSpan(work, r, at, position, counts);
      return;
    }
    case "SupplementReceived":
    case "FeePaid": {
      const d = event.data;
      const at = normalizeIso(d.at);
      endPause(work, r, at, event.type, d.pausedWorkingMinutes, position);
      r.status = "processing";
      r.paused_at = null;
      r.supplement_respond_by = null;
      r.paused_working_minutes += d.pausedWorkingMinutes;
      r.due_at = d.dueAt === null ? null : normalizeIso(d.dueAt);
      addDeadline(
        work,
        r,
        at,
        r.due_at,
        event.type === "FeePaid" ? "fee_paid" : "supplement_received",
        position,
      );
      if (work.openStep !== null) {
        work.openStep.due_at = r.due_at;
        work.openStep.position = position;
        work.steps.set(work.openStep.seq, work.openStep);
      }
      reconfigureOverdueSpan(work, r, at, position, counts);
      return;
    }
    case "ApologyIssued":
      r.promised_at = normalizeIso(event.data.promisedAt);
      r.apologies += 1;
      return;
    case "DossierResolved": {
      const d = event.data;
      const at = normalizeIso(d.at);
      closeHolding(work, r, at, event.type, position);
      r.status = "resolved";
      r.resolved_at = at;
      r.outcome = d.outcome;
      r.timeliness = d.timeliness;
      r.elapsed_working_minutes = Math.round(d.elapsedWorkingMinutes);
      finish(work, r, at, d.timeliness, d.lateFor766, position, counts, {
        resolutions: 1,
        resolution_working_minutes: Math.round(d.elapsedWorkingMinutes),
      });
      return;
    }
    case "ResultReturned":
      if (r.status !== "resolved") throw poison(`result returned while ${r.status}`);
      r.status = "returned";
      r.returned_at = normalizeIso(event.data.at);
      r.return_method = event.data.method;
      return;
    case "DossierWithdrawn":
    case "DossierStopped": {
      const at = normalizeIso(event.data.at);
      if (!isReceived(r)) {
        if (event.type === "DossierStopped" || r.status !== "submitted") {
          throw poison(`${event.type} while ${r.status}`);
        }
        r.status = "withdrawn";
        r.closed_at = at;
        return;
      }
      // A stopped dossier is judged like a resolution (a written refusal is a result), at the moment
      // its clock stopped: the pause start if it was waiting for a supplement or fees, else the stop.
      const judgedAt = r.paused_at ?? at;
      const finishClass: ResolutionTimeliness =
        event.type === "DossierWithdrawn"
          ? "on_time"
          : classifyResolution(instant(judgedAt), r.due_at === null ? null : instant(r.due_at));
      // Decision 766 judges a withdrawal by its own moment against the due moment (DOMAIN.md), where
      // the 06a counts it on time.
      const classFor766: ResolutionTimeliness =
        event.type === "DossierWithdrawn"
          ? classifyResolution(instant(at), r.due_at === null ? null : instant(r.due_at))
          : finishClass;
      if (r.paused_at !== null) endPause(work, r, at, event.type, null, position);
      closeHolding(work, r, at, event.type, position);
      r.status = event.type === "DossierWithdrawn" ? "withdrawn" : "stopped";
      r.closed_at = at;
      finish(
        work,
        r,
        at,
        finishClass,
        isLateFor766(classFor766, r.supplement_requests),
        position,
        counts,
        {},
      );
      r.paused_at = null;
      r.supplement_respond_by = null;
      return;
    }
    case "DossierBecameOverdue": {
      const d = event.data;
      r.overdue_recorded_for = normalizeIso(d.dueAt);
      r.overdue_holding_unit_id = d.holdingUnitId;
      r.ever_overdue = true;
      const step = work.openStep;
      if (step !== null && step.unit_id === d.holdingUnitId) {
        step.overdue_recorded = true;
        step.late = true;
        step.position = position;
        work.steps.set(step.seq, step);
      }
      return;
    }
    case "ApplicantErased":
      // Read models hold no personal data: nothing of theirs is erased.
      return;
    default: {
      const unexpected: never = event;
      throw poison(`unhandled event ${(unexpected as { type: string }).type}`);
    }
  }
}

function submittedRecord(
  dossierId: string,
  event: Extract<ProjectedDossierEvent, { type: "DossierSubmitted" }>,
): DossierRecord {
  const d = event.data;
  return {
    dossier_id: dossierId,
    code: null,
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
    units_held: [],
    channel: "online",
    submitted_at: normalizeIso(d.at),
    received_at: null,
    received_day: null,
    clock_starts_at: null,
    due_at: null,
    promised_at: null,
    apologies: 0,
    paused_at: null,
    supplement_respond_by: null,
    supplement_requests: 0,
    paused_working_minutes: 0,
    resolved_at: null,
    outcome: null,
    timeliness: null,
    returned_at: null,
    return_method: null,
    closed_at: null,
    finished_at: null,
    finished_day: null,
    finish_class: null,
    late_for_766: null,
    elapsed_working_minutes: null,
    overdue: false,
    overdue_recorded_for: null,
    overdue_holding_unit_id: null,
    ever_overdue: false,
    documents_total: d.documents.length,
    documents_digitized: d.documents.filter((doc) => doc.digitized).length,
    step_seq: 0,
    deadline_seq: 0,
    pause_seq: 0,
    overdue_span_from: null,
    late766_span_from: null,
    revision: 0,
    position: 0,
  };
}

function receivedRecord(
  dossierId: string,
  submitted: DossierRecord | null,
  event: Extract<ProjectedDossierEvent, { type: "DossierReceived" }>,
): DossierRecord {
  const d = event.data;
  const at = normalizeIso(d.at);
  const base = submitted ?? submittedRecord(dossierId, { ...event, type: "DossierSubmitted" });
  return {
    ...base,
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
    submitted_at: submitted?.submitted_at ?? null,
    received_at: at,
    received_day: dayOf(at),
    clock_starts_at: normalizeIso(d.clockStartsAt),
    due_at: d.dueAt === null ? null : normalizeIso(d.dueAt),
    documents_total: d.documents.length,
    documents_digitized: d.documents.filter((doc) => doc.digitized).length,
  };
}

function receptionDelta(r: DossierRecord): CountDelta {
  const digitized = r.documents_total > 0 && r.documents_digitized === r.documents_total;
  return {
    received_online: r.channel === "online" ? 1 : 0,
    received_direct: r.channel === "direct" ? 1 : 0,
    received_postal: r.channel === "postal" ? 1 : 0,
    received_digitized: digitized ? 1 : 0,
  };
}

function finish(
  work: DossierWork,
  r: DossierRecord,
  at: string,
  finishClass: ResolutionTimeliness,
  lateFor766: boolean,
  position: number,
  counts: ReportCountDeltas,
  extra: CountDelta,
): void {
  r.finished_at = at;
  r.finished_day = dayOf(at);
  r.finish_class = finishClass;
  r.late_for_766 = lateFor766;
  reconfigureOverdueSpan(work, r, at, position, counts);
  counts.add(
    r.receiving_unit_id,
    r.field,
    r.finished_day,
    {
      finished_early: finishClass === "early" ? 1 : 0,
      finished_on_time: finishClass === "on_time" ? 1 : 0,
      finished_late: finishClass === "late" ? 1 : 0,
      finished_late_766: lateFor766 ? 1 : 0,
      ...extra,
    },
    position,
  );
}

function openHolding(
  work: DossierWork,
  r: DossierRecord,
  unitId: string,
  kind: StepRecord["kind"],
  at: string,
  step: string | null,
  reason: string | null,
  stepDueAt: string | null,
  position: number,
): void {
  r.step_seq += 1;
  const record: StepRecord = {
    dossier_id: r.dossier_id,
    seq: r.step_seq,
    unit_id: unitId,
    kind,
    step,
    reason,
    from_at: at,
    to_at: null,
    ended_by: null,
    due_at: r.due_at,
    step_due_at: stepDueAt,
    overdue_recorded: false,
    late: false,
    position,
  };
  work.openStep = record;
  work.steps.set(record.seq, record);
}

/**
 * Ends the current holding. It ran late when the unit kept the dossier past its due moment (the step's
 * own due moment if the forwarding set one, else the dossier's), judged where the clock stopped, or
 * when an overdue event named the unit while it held the dossier.
 */
function closeHolding(work: DossierWork, r: DossierRecord, at: string, endedBy: string, position: number) {
  const step = work.openStep;
  if (step === null) return;
  const due = step.step_due_at ?? r.due_at;
  const heldUntil = r.paused_at ?? at;
  step.to_at = at;
  step.ended_by = endedBy;
  step.due_at = r.due_at;
  step.late = step.overdue_recorded || (due !== null && instant(heldUntil) > instant(due));
  step.position = position;
  work.steps.set(step.seq, step);
  work.openStep = null;
}

function addDeadline(
  work: DossierWork,
  r: DossierRecord,
  at: string,
  dueAt: string | null,
  cause: DeadlineRecord["cause"],
  position: number,
) {
  r.deadline_seq += 1;
  work.deadlines.push({
    dossier_id: r.dossier_id,
    seq: r.deadline_seq,
    effective_at: at,
    due_at: dueAt,
    cause,
    position,
  });
}

function endPause(
  work: DossierWork,
  r: DossierRecord,
  at: string,
  endedBy: string,
  pausedWorkingMinutes: number | null,
  position: number,
) {
  if (r.paused_at === null || r.pause_seq === 0) return;
  work.pauses.set(r.pause_seq, {
    dossier_id: r.dossier_id,
    seq: r.pause_seq,
    kind: r.status === "awaiting_payment" ? "fee" : "supplement",
    paused_at: r.paused_at,
    ended_at: at,
    ended_by: endedBy,
    paused_working_minutes: pausedWorkingMinutes,
    position,
  });
}

/**
 * Keeps `overdue_spans` right after anything that changes how the dossier is judged at the end of a
 * day: receipt, a new due moment, a pause, a finish. A report dated D counts a pending dossier overdue
 * when its due date (as of D) is before D, or, if its clock stands still at D, before the pause date.
 * The configuration that took effect on day `d` governs the ends of days d, d+1, … until the next one:
 * the previous span stops at d−1 (or vanishes if it had not begun), and a new one opens where the new
 * configuration first counts overdue.
 */
function reconfigureOverdueSpan(
  work: DossierWork,
  r: DossierRecord,
  at: string,
  position: number,
  counts: ReportCountDeltas,
): void {
  const d = dayNumberOf(at);
  reconfigureLate766Span(r, d, position, counts);
  if (r.overdue_span_from !== null) {
    const from = r.overdue_span_from;
    if (localDateToDay(from) <= d - 1) {
      work.spans.set(from, {
        dossier_id: r.dossier_id,
        from_day: from,
        to_day: dayToLocalDate(d - 1),
        receiving_unit_id: r.receiving_unit_id,
        field: r.field,
        position,
      });
      counts.add(r.receiving_unit_id, r.field, dayToLocalDate(d), { overdue_ends: 1 }, position);
    } else {
      work.spans.set(from, null);
      counts.add(r.receiving_unit_id, r.field, from, { overdue_starts: -1 }, position);
    }
    r.overdue_span_from = null;
  }
  const start = overdueFrom(r, d);
  if (start === null) return;
  const from = dayToLocalDate(start);
  counts.add(r.receiving_unit_id, r.field, from, { overdue_starts: 1 }, position);
  work.spans.set(from, {
    dossier_id: r.dossier_id,
    from_day: from,
    to_day: null,
    receiving_unit_id: r.receiving_unit_id,
    field: r.field,
    position,
  });
  r.overdue_span_from = from;
}

/**
 * The same bookkeeping, in counts only, for the pending dossiers Decision 766 counts late at the end of a
 * day: those counting overdue, and from the day of a second supplement request those asked more than
 * once (VPCP's indicator 2.1 applies that rule to open dossiers too). Called wherever the overdue span
 * is reconfigured, which covers every change to either condition.
 */
function reconfigureLate766Span(r: DossierRecord, d: number, position: number, counts: ReportCountDeltas) {
  const from = r.late766_span_from;
  if (from !== null) {
    if (localDateToDay(from) <= d - 1) {
      counts.add(r.receiving_unit_id, r.field, dayToLocalDate(d), { late766_ends: 1 }, position);
    } else {
      counts.add(r.receiving_unit_id, r.field, from, { late766_starts: -1 }, position);
    }
    r.late766_span_from = null;
  }
  const pending = r.finished_at === null && PENDING.has(r.status);
  const start = pending && r.supplement_requests > 1 ? d : overdueFrom(r, d);
  if (start === null) return;
  r.late766_span_from = dayToLocalDate(start);
  counts.add(r.receiving_unit_id, r.field, r.late766_span_from, { late766_starts: 1 }, position);
}

/** The first day (≥ d) at whose end the dossier counts overdue if nothing else happens; null if never. */
function overdueFrom(r: DossierRecord, d: number): number | null {
  if (r.finished_at !== null || !PENDING.has(r.status) || r.due_at === null) return null;
  const dueDay = dayNumberOf(r.due_at);
  if (r.paused_at !== null) return dueDay < dayNumberOf(r.paused_at) ? d : null;
  return Math.max(d, dueDay + 1);
}
