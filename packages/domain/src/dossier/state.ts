import type { SupplementPolicy, TimeLimitUnit } from "../procedures/procedure";
import { type Instant, parseInstant } from "../time/local-time";
import type { ResolutionTimeliness } from "../timeliness/timeliness";
import type { DossierEvent } from "./events";
import type { Channel } from "./values";

/** The national status list's names (Circular 01/2018), with their numbers in `NATIONAL_STATUS_CODES`. */
export type DossierStatus =
  | "submitted"
  | "refused"
  | "received"
  | "processing"
  | "awaiting_supplement"
  | "awaiting_payment"
  | "withdrawn"
  | "stopped"
  | "resolved"
  | "returned";

export const NATIONAL_STATUS_CODES: Readonly<Record<DossierStatus, number>> = {
  submitted: 1,
  received: 2,
  refused: 3,
  processing: 4,
  awaiting_supplement: 5,
  awaiting_payment: 6,
  withdrawn: 7,
  stopped: 8,
  resolved: 9,
  returned: 10,
};

/** Statuses where the deadline clock runs. */
export const CLOCK_RUNNING: ReadonlySet<DossierStatus> = new Set(["received", "processing"]);
/** Statuses of a dossier not yet resolved nor closed (the clock may be paused). */
export const PENDING: ReadonlySet<DossierStatus> = new Set([
  "received",
  "processing",
  "awaiting_supplement",
  "awaiting_payment",
]);

export interface ProcedureTerms {
  readonly procedureId: string;
  readonly procedureVersion: number;
  readonly procedureCode: string;
  readonly field: string;
  readonly timeLimit: { readonly value: number; readonly unit: TimeLimitUnit };
  readonly supplementPolicy: SupplementPolicy;
  readonly sameDayCutoff: string;
  readonly supplementWindowWorkingDays: number | null;
}

export interface NoDossier {
  readonly status: "none";
}

interface IntakeFields {
  readonly dossierId: string;
  readonly terms: ProcedureTerms;
  readonly unitId: string;
  readonly submittedAt: string;
  readonly lastEventAt: string;
}

/** An online submission before receipt (its own status each, so checks on `status` narrow). */
export type SubmittedDossier =
  | (IntakeFields & { readonly status: "submitted" })
  | (IntakeFields & { readonly status: "refused" });

/** A dossier from receipt on: its clock, its holder and its outcome. */
export interface ReceivedDossier {
  readonly status: Exclude<DossierStatus, "submitted" | "refused">;
  readonly dossierId: string;
  readonly code: string;
  readonly terms: ProcedureTerms;
  readonly channel: Channel;
  readonly receivingUnitId: string;
  readonly currentUnitId: string;
  /** Every unit that has held the dossier, in order of first holding. */
  readonly unitsHeld: readonly string[];
  readonly receivedAt: string;
  readonly clockStartsAt: string;
  /** The legal due moment: moved only by supplements and fees, never by apologies or transfers. */
  readonly dueAt: string | null;
  readonly promisedAt: string | null;
  /** When the clock was stopped (supplement or fees), while it is. */
  readonly pausedAt: string | null;
  readonly supplementRespondBy: string | null;
  readonly supplementRequests: number;
  /** Working minutes the clock has stood still in finished pauses. */
  readonly pausedWorkingMinutes: number;
  /** The due moment for which an overdue event has been recorded: overdue now iff it equals dueAt. */
  readonly overdueRecordedFor: string | null;
  readonly everOverdue: boolean;
  readonly resolvedAt: string | null;
  readonly outcome: "approved" | "rejected" | null;
  readonly timeliness: ResolutionTimeliness | null;
  readonly returnedAt: string | null;
  /** When the applicant rated the dossier (once, after its return). */
  readonly ratedAt: string | null;
  /** When the result was issued electronically (once). */
  readonly electronicResultAt: string | null;
  /** When the synchronisation with the national portal was first recorded. */
  readonly syncedAt: string | null;
  readonly closedAt: string | null;
  readonly lastEventAt: string;
  readonly documentsTotal: number;
  readonly documentsDigitized: number;
}

export type DossierState = NoDossier | SubmittedDossier | ReceivedDossier;

export const initialState = (): DossierState => ({ status: "none" });

/** What "overdue" is judged on: a dossier's state, or a read model's row of it. */
export interface OverdueFacts {
  readonly status: string;
  readonly dueAt: string | null;
  /** The due moment an overdue event was recorded for. */
  readonly overdueRecordedFor: string | null;
}

/**
 * THE rule for "overdue" (DOMAIN.md), used by the decider, the commands, the audit view and the read
 * models: a pending dossier is overdue when an overdue event was recorded for its current due moment
 * (`recorded`), or, at `now`, when its clock runs and that moment has passed with no event recorded yet
 * (`owed`: the next action records it first, at the due moment). Without `now`, only what is recorded.
 */
export function overdueStanding(dossier: OverdueFacts, now?: Instant): "recorded" | "owed" | null {
  const { status, dueAt, overdueRecordedFor } = dossier;
  if (dueAt === null || !(PENDING as ReadonlySet<string>).has(status)) return null;
  // The same moment, however it was written (a row keeps it normalized, an event as the decider wrote it).
  if (
    overdueRecordedFor !== null &&
    (overdueRecordedFor === dueAt || parseInstant(overdueRecordedFor) === parseInstant(dueAt))
  )
    return "recorded";
  if (now !== undefined && (CLOCK_RUNNING as ReadonlySet<string>).has(status) && now >= parseInstant(dueAt))
    return "owed";
  return null;
}

/** Recorded as overdue for its current due moment and still pending. */
export const isOverdueNow = (state: ReceivedDossier): boolean => overdueStanding(state) === "recorded";

const later = (a: string, b: string) => (Date.parse(b) > Date.parse(a) ? b : a);

/** Folds one event into the state. Total over every event, so replaying any stored history works. */
export function evolve(state: DossierState, event: DossierEvent): DossierState {
  switch (event.type) {
    case "DossierSubmitted": {
      const { dossierId, unitId, at, applicant: _applicant, documents: _documents, ...terms } = event.data;
      return { status: "submitted", dossierId, terms, unitId, submittedAt: at, lastEventAt: at };
    }
    case "DossierIntakeRefused":
      return state.status === "submitted"
        ? { ...state, status: "refused", lastEventAt: event.data.at }
        : state;
    case "DossierReceived": {
      const d = event.data;
      return {
        status: "received",
        dossierId: d.dossierId,
        code: d.code,
        terms: {
          procedureId: d.procedureId,
          procedureVersion: d.procedureVersion,
          procedureCode: d.procedureCode,
          field: d.field,
          timeLimit: d.timeLimit,
          supplementPolicy: d.supplementPolicy,
          sameDayCutoff: d.sameDayCutoff,
          supplementWindowWorkingDays: d.supplementWindowWorkingDays,
        },
        channel: d.channel,
        receivingUnitId: d.unitId,
        currentUnitId: d.unitId,
        unitsHeld: [d.unitId],
        receivedAt: d.at,
        clockStartsAt: d.clockStartsAt,
        dueAt: d.dueAt,
        promisedAt: null,
        pausedAt: null,
        supplementRespondBy: null,
        supplementRequests: 0,
        pausedWorkingMinutes: 0,
        overdueRecordedFor: null,
        everOverdue: false,
        resolvedAt: null,
        outcome: null,
        timeliness: null,
        returnedAt: null,
        ratedAt: null,
        electronicResultAt: null,
        syncedAt: null,
        closedAt: null,
        lastEventAt: d.at,
        documentsTotal: d.documents.length,
        documentsDigitized: d.documents.filter((doc) => doc.digitized).length,
      };
    }
    default:
      break;
  }
  if (state.status === "none" || state.status === "submitted" || state.status === "refused") return state;
  const s: ReceivedDossier = { ...state, lastEventAt: later(state.lastEventAt, event.data.at) };
  switch (event.type) {
    case "DossierForwarded":
    case "DossierTransferred": {
      const to = event.data.toUnitId;
      const unitsHeld = s.unitsHeld.includes(to) ? s.unitsHeld : [...s.unitsHeld, to];
      return { ...s, status: "processing", currentUnitId: to, unitsHeld };
    }
    case "SupplementRequested":
      return {
        ...s,
        status: "awaiting_supplement",
        pausedAt: event.data.at,
        supplementRespondBy: event.data.respondBy,
        supplementRequests: event.data.requestNumber,
      };
    case "SupplementReceived":
    case "FeePaid":
      return {
        ...s,
        status: "processing",
        pausedAt: null,
        supplementRespondBy: null,
        dueAt: event.data.dueAt,
        pausedWorkingMinutes: s.pausedWorkingMinutes + event.data.pausedWorkingMinutes,
      };
    case "FeeRequested":
      return { ...s, status: "awaiting_payment", pausedAt: event.data.at };
    case "ApologyIssued":
      return { ...s, promisedAt: event.data.promisedAt };
    case "DossierResolved":
      return {
        ...s,
        status: "resolved",
        resolvedAt: event.data.at,
        outcome: event.data.outcome,
        timeliness: event.data.timeliness,
      };
    case "ResultReturned":
      return { ...s, status: "returned", returnedAt: event.data.at };
    case "DossierWithdrawn":
      return { ...s, status: "withdrawn", closedAt: event.data.at, pausedAt: null };
    case "DossierStopped":
      return { ...s, status: "stopped", closedAt: event.data.at, pausedAt: null };
    case "DossierBecameOverdue":
      return { ...s, overdueRecordedFor: event.data.dueAt, everOverdue: true };
    case "ApplicantErased":
      // Erasure changes what can be read, not where the dossier stands.
      return s;
    case "DossierRated":
      return { ...s, ratedAt: event.data.at };
    case "ElectronicResultIssued":
      return { ...s, electronicResultAt: event.data.at };
    case "DossierSyncedToNationalPortal":
      return { ...s, syncedAt: event.data.at };
    default: {
      const unexpected: never = event;
      throw new Error(`unknown event ${JSON.stringify(unexpected)}`);
    }
  }
}
