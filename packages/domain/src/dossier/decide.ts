import { describeOfficeHours, type WorkSchedule } from "../calendar/calendar";
import { addWorkingTime, isWithinWorkingHours, workingTimeBetween } from "../calendar/working-time";
import { computeDueAt, resumeDueAt } from "../deadlines/compute-due-at";
import {
  mayReceiveAt,
  receivableLevels,
  transferOffPath,
  type UnitFacts,
  unitServiceOn,
} from "../procedures/competence";
import type { ProcedureVersion } from "../procedures/procedure";
import { formatInstant, type Instant, localDateOf, parseInstant } from "../time/local-time";
import { classifyResolution, isLateFor766 } from "../timeliness/timeliness";
import { parseDossierCode } from "./code";
import type { CommandOf, DossierCommand, DossierCommandType } from "./commands";
import type { DossierEvent, EventOf } from "./events";
import { accept, type Decision, type RefusalCode, refuse } from "./refusals";
import {
  type DossierState,
  type DossierStatus,
  evolve,
  overdueStanding,
  type ProcedureTerms,
  type ReceivedDossier,
} from "./state";
import { timeBoundRefusal } from "./time-bounds";
import type { Actor } from "./values";

/** Everything a decision may depend on besides the command and the state: passed in, never read. */
export interface DecisionContext {
  /** When the action happens (ISO date-time); an import passes the historical moment. */
  readonly now: string;
  readonly actor: Actor;
  /** The calendar and the receiving unit's office hours. */
  readonly schedule: WorkSchedule;
  /**
   * The procedure's current version, needed to submit or receive; for a transfer, the version the
   * dossier was received under (its path).
   */
  readonly procedure?: ProcedureVersion;
  /**
   * The units the command names, by id: the receiving unit of a receipt; the holder and the target of a
   * transfer or forward. Competence and validity are judged on the units given: the command layer gives
   * every unit a command names; a replay of decided history that gives none judges neither.
   */
  readonly units?: Readonly<Record<string, UnitFacts>>;
}

type Status = DossierStatus | "none";

/** Where each command may be decided. Anything else is refused with a code saying why. */
const ALLOWED_FROM: Readonly<Record<DossierCommandType, readonly Status[]>> = {
  SubmitDossier: ["none"],
  RefuseIntake: ["submitted"],
  ReceiveDossier: ["none", "submitted"],
  ForwardDossier: ["received", "processing"],
  TransferDossier: ["received", "processing"],
  RequestSupplement: ["received", "processing"],
  ReceiveSupplement: ["awaiting_supplement"],
  CloseMissedSupplement: ["awaiting_supplement"],
  RequestFee: ["received", "processing"],
  RecordFeePaid: ["awaiting_payment"],
  IssueApology: ["received", "processing"],
  ResolveDossier: ["received", "processing"],
  ReturnResult: ["resolved"],
  WithdrawDossier: ["submitted", "received", "processing", "awaiting_supplement", "awaiting_payment"],
  StopDossier: ["received", "processing"],
  MarkOverdue: ["received", "processing"],
  RateDossier: ["returned"],
  IssueElectronicResult: ["resolved", "returned"],
  RecordNationalPortalSync: [
    "received",
    "processing",
    "awaiting_supplement",
    "awaiting_payment",
    "resolved",
    "returned",
    "withdrawn",
    "stopped",
  ],
};

/** The states a command is allowed from: the workbench offers an action only where this table allows it. */
export const allowedFrom = (type: DossierCommandType): readonly Status[] => ALLOWED_FROM[type];

/** The refusal for a command in a state it is not allowed from: the most useful reason first. */
function notAllowed(type: DossierCommandType, status: Status): Decision<never> {
  const specific: Partial<Record<DossierCommandType, [RefusalCode, string]>> = {
    ReceiveSupplement: ["dossier.not_awaiting_supplement", "the dossier is not awaiting a supplement"],
    CloseMissedSupplement: ["dossier.not_awaiting_supplement", "the dossier is not awaiting a supplement"],
    RecordFeePaid: ["dossier.not_awaiting_payment", "the dossier is not awaiting payment of fees"],
    ReturnResult: ["dossier.not_resolved", "only a resolved dossier's result can be returned"],
    IssueElectronicResult: ["dossier.not_resolved", "only a resolved dossier's result can be issued"],
    RefuseIntake: [
      "dossier.not_submitted",
      "only an online submission not yet received can be refused at intake",
    ],
    MarkOverdue: ["dossier.not_pending", "only a dossier whose clock is running can become overdue"],
  };
  if (type === "RateDossier" && status !== "none") {
    return refuse("rating.not_returned", "only a dossier whose result has been returned can be rated");
  }
  switch (status) {
    case "none":
      return refuse("dossier.not_found", "there is no such dossier");
    case "submitted":
      if (type === "SubmitDossier")
        return refuse("dossier.already_exists", "the dossier was already submitted");
      return refuse("dossier.not_received", "the dossier has been submitted but not yet received");
    case "refused":
      return refuse("dossier.intake_refused", "the dossier was refused at intake");
    case "withdrawn":
      return refuse("dossier.withdrawn", "the dossier was withdrawn at the applicant's request");
    case "stopped":
      return refuse("dossier.stopped", "processing of the dossier was stopped");
    case "returned":
      return refuse("dossier.already_returned", "the dossier's result has already been returned");
    case "resolved":
      return refuse("dossier.already_resolved", "the dossier has already been resolved");
    default:
      break;
  }
  if (type === "SubmitDossier" || type === "ReceiveDossier") {
    return refuse("dossier.already_received", "the dossier has already been received");
  }
  const own = specific[type];
  if (own) return refuse(own[0], own[1]);
  if (status === "awaiting_supplement") {
    return refuse("dossier.awaiting_supplement", "the dossier is waiting for the applicant's supplement");
  }
  if (status === "awaiting_payment") {
    return refuse("dossier.awaiting_payment", "the dossier is waiting for fees to be paid");
  }
  return refuse("dossier.action_not_allowed", `${type} is not allowed while the dossier is ${status}`);
}

function termsOf(procedure: ProcedureVersion): ProcedureTerms {
  return {
    procedureId: procedure.procedureId,
    procedureVersion: procedure.version,
    procedureCode: procedure.code,
    field: procedure.field,
    timeLimit: { value: procedure.timeLimit.value, unit: procedure.timeLimit.unit },
    supplementPolicy: procedure.supplementPolicy,
    sameDayCutoff: procedure.sameDayCutoff,
    supplementWindowWorkingDays: procedure.supplementWindowWorkingDays ?? null,
  };
}

const deadlineRules = (terms: ProcedureTerms) => ({
  timeLimit: terms.timeLimit,
  sameDayCutoff: terms.sameDayCutoff,
});

interface Moment {
  readonly instant: Instant;
  readonly iso: string;
  readonly context: DecisionContext;
}

const iso = (ctx: DecisionContext, instant: Instant) => formatInstant(instant, ctx.schedule.utcOffsetMinutes);
const isoOrNull = (ctx: DecisionContext, instant: Instant | null) =>
  instant === null ? null : iso(ctx, instant);
const instantOrNull = (value: string | null) => (value === null ? null : parseInstant(value));

/**
 * The overdue event a pending dossier owes before anything else happens to it: recorded at the due
 * moment, naming the unit holding it, so the history is right even when the watcher was late or down.
 */
function owedOverdueEvent(state: ReceivedDossier, now: Instant, ctx: DecisionContext) {
  if (state.dueAt === null || overdueStanding(state, now) !== "owed") return null;
  const due = parseInstant(state.dueAt);
  const event: EventOf<"DossierBecameOverdue"> = {
    type: "DossierBecameOverdue",
    schemaVersion: 1,
    data: { dueAt: state.dueAt, holdingUnitId: state.currentUnitId, at: iso(ctx, due) },
  };
  return event;
}

/**
 * decide(command, state, context) → events or a refusal. Pure: time, actor, calendar and procedure come
 * in the context.
 */
export function decide(
  command: DossierCommand,
  state: DossierState,
  context: DecisionContext,
): Decision<DossierEvent> {
  let now: Instant;
  try {
    now = parseInstant(context.now);
  } catch {
    return refuse("time.invalid", "the time of the action is not a valid date-time");
  }
  if (state.status !== "none" && now < parseInstant(state.lastEventAt)) {
    return refuse(
      "time.before_last_event",
      `the action cannot be dated before the dossier's last recorded event (${state.lastEventAt})`,
    );
  }
  if (!ALLOWED_FROM[command.type].includes(state.status)) return notAllowed(command.type, state.status);
  const outOfBounds = timeBoundRefusal(command, state, now);
  if (outOfBounds) return outOfBounds;
  const moment: Moment = { instant: now, iso: iso(context, now), context };

  if (state.status === "none" || state.status === "submitted" || state.status === "refused") {
    switch (command.type) {
      case "SubmitDossier":
        return submit(command, moment);
      case "ReceiveDossier":
        return receive(command, state, moment);
      case "RefuseIntake":
        return accept({
          type: "DossierIntakeRefused",
          schemaVersion: 1,
          data: { reason: command.data.reason, at: moment.iso },
        });
      case "WithdrawDossier":
        return accept({
          type: "DossierWithdrawn",
          schemaVersion: 1,
          data: { reason: command.data.reason, at: moment.iso },
        });
      default:
        return notAllowed(command.type, state.status);
    }
  }

  if (command.type === "MarkOverdue") {
    const owed = owedOverdueEvent(state, now, context);
    if (owed) return accept(owed);
    if (state.dueAt === null)
      return refuse("dossier.no_deadline", "the dossier's procedure sets no due date");
    if (overdueStanding(state) === "recorded") {
      return refuse(
        "dossier.already_overdue",
        "the dossier is already recorded as overdue for this deadline",
      );
    }
    return refuse("dossier.not_yet_due", `the dossier is not due until ${state.dueAt}`);
  }

  if (
    command.type === "SubmitDossier" ||
    command.type === "ReceiveDossier" ||
    command.type === "RefuseIntake"
  ) {
    return notAllowed(command.type, state.status);
  }
  const owed = owedOverdueEvent(state, now, context);
  const current = owed ? (evolve(state, owed) as ReceivedDossier) : state;
  const decision = decideOnReceived(command, current, moment);
  if (!decision.ok || !owed) return decision;
  return accept(owed, ...decision.events);
}

function submit(command: CommandOf<"SubmitDossier">, moment: Moment): Decision<DossierEvent> {
  const procedure = moment.context.procedure;
  if (!procedure) return refuse("procedure.unknown", "the dossier's procedure is not known");
  // A submission goes to a unit that will receive it: the same competence and validity as a receipt.
  const unit = moment.context.units?.[command.data.unitId];
  if (unit) {
    const refusal = receiptRefusal(procedure, unit, moment);
    if (refusal) return refusal;
  }
  return accept({
    type: "DossierSubmitted",
    schemaVersion: 1,
    data: {
      dossierId: command.data.dossierId,
      ...termsOf(procedure),
      unitId: command.data.unitId,
      applicant: command.data.applicant,
      documents: command.data.documents,
      at: moment.iso,
    },
  });
}

function receive(
  command: CommandOf<"ReceiveDossier">,
  state: DossierState,
  moment: Moment,
): Decision<DossierEvent> {
  const ctx = moment.context;
  const procedure = ctx.procedure;
  if (!procedure) return refuse("procedure.unknown", "the dossier's procedure is not known");
  const { data } = command;
  if (state.status === "submitted" && state.dossierId !== data.dossierId) {
    return refuse("dossier.id_mismatch", "the dossier id does not match the submission");
  }
  const applicant = data.applicant;
  if (!applicant) return refuse("applicant.required", "the applicant must be given when receiving a dossier");
  const unit = ctx.units?.[data.unitId];
  if (unit) {
    const refusal = receiptRefusal(procedure, unit, moment);
    if (refusal) return refusal;
  }
  const code = parseDossierCode(data.code);
  if (!code) return refuse("dossier.invalid_code", "the dossier code must read {unit code}-{YYMMDD}-{NNNN}");
  const terms = state.status === "submitted" ? state.terms : termsOf(procedure);
  const { clockStartsAt, dueAt } = computeDueAt(ctx.schedule, deadlineRules(terms), moment.instant);
  return accept({
    type: "DossierReceived",
    schemaVersion: 1,
    data: {
      dossierId: data.dossierId,
      code: data.code,
      ...terms,
      timeLimit: { ...terms.timeLimit },
      unitId: data.unitId,
      channel: data.channel,
      applicant,
      documents: data.documents,
      at: moment.iso,
      clockStartsAt: iso(ctx, clockStartsAt),
      dueAt: isoOrNull(ctx, dueAt),
    },
  });
}

/** A receipt at a unit not serving on the day, or whose level may not receive the procedure. */
function receiptRefusal(
  procedure: ProcedureVersion,
  unit: UnitFacts,
  moment: Moment,
): Decision<never> | null {
  const day = localDateOf(moment.instant, moment.context.schedule.utcOffsetMinutes);
  const service = unitServiceOn(unit, day);
  if (service === "closed") {
    const successor = unit.successorId ? `; its successor is ${unit.successorId}` : "";
    return refuse(
      "dossier.unit_closed",
      `unit ${unit.unitId} ceased on ${unit.validTo} and can no longer receive dossiers${successor}`,
    );
  }
  if (service === "not_yet_open") {
    return refuse(
      "dossier.unit_not_yet_open",
      `unit ${unit.unitId} exists only from ${unit.validFrom} and cannot receive dossiers before then`,
    );
  }
  if (!mayReceiveAt(procedure, unit)) {
    return refuse(
      "dossier.unit_not_competent",
      `procedure ${procedure.code} is received only at units of level ${receivableLevels(procedure).join(", ")}, not at unit ${unit.unitId} (level ${unit.level})`,
    );
  }
  return null;
}

/** A hand-over to a unit not serving on the day, or (a transfer) off the procedure's declared path. */
function handOverRefusal(
  kind: "transfer" | "forward",
  state: ReceivedDossier,
  toUnitId: string,
  moment: Moment,
): Decision<never> | null {
  const ctx = moment.context;
  const target = ctx.units?.[toUnitId];
  if (!target) return null;
  const service = unitServiceOn(target, localDateOf(moment.instant, ctx.schedule.utcOffsetMinutes));
  if (service === "closed") {
    const successor = target.successorId ? `; hand it to its successor ${target.successorId}` : "";
    return refuse(
      "dossier.target_unit_closed",
      `unit ${toUnitId} ceased on ${target.validTo} and cannot take dossiers${successor}`,
    );
  }
  if (service === "not_yet_open") {
    return refuse(
      "dossier.target_unit_not_yet_open",
      `unit ${toUnitId} exists only from ${target.validFrom} and cannot take dossiers before then`,
    );
  }
  const holder = ctx.units?.[state.currentUnitId];
  const procedure = ctx.procedure;
  if (
    kind === "transfer" &&
    holder &&
    procedure &&
    procedure.procedureId === state.terms.procedureId &&
    transferOffPath(procedure, { from: holder, to: target, receivingUnitId: state.receivingUnitId })
  ) {
    return refuse(
      "dossier.transfer_off_path",
      `procedure ${procedure.code} passes through ${procedure.interLevels.join(" → ")}: a dossier held at level ${holder.level} cannot be transferred to unit ${toUnitId} (level ${target.level})`,
    );
  }
  return null;
}

function decideOnReceived(
  command: Exclude<
    DossierCommand,
    { type: "SubmitDossier" | "ReceiveDossier" | "RefuseIntake" | "MarkOverdue" }
  >,
  state: ReceivedDossier,
  moment: Moment,
): Decision<DossierEvent> {
  const ctx = moment.context;
  const at = moment.iso;
  switch (command.type) {
    case "ForwardDossier": {
      const refusal = handOverRefusal("forward", state, command.data.toUnitId, moment);
      if (refusal) return refusal;
      return accept({
        type: "DossierForwarded",
        schemaVersion: 1,
        data: {
          fromUnitId: state.currentUnitId,
          toUnitId: command.data.toUnitId,
          step: command.data.step ?? null,
          stepDueAt: command.data.stepDueAt ? iso(ctx, parseInstant(command.data.stepDueAt)) : null,
          at,
        },
      });
    }
    case "TransferDossier": {
      if (command.data.toUnitId === state.currentUnitId) {
        return refuse("dossier.transfer_to_same_unit", "the dossier is already held by that unit");
      }
      const refusal = handOverRefusal("transfer", state, command.data.toUnitId, moment);
      if (refusal) return refusal;
      return accept({
        type: "DossierTransferred",
        schemaVersion: 1,
        data: {
          fromUnitId: state.currentUnitId,
          toUnitId: command.data.toUnitId,
          reason: command.data.reason ?? null,
          dueAt: state.dueAt,
          at,
        },
      });
    }
    case "RequestSupplement": {
      const window = state.terms.supplementWindowWorkingDays;
      const respondBy =
        window === null ? null : addWorkingTime(ctx.schedule, moment.instant, window * ctx.schedule.dayMs);
      return accept({
        type: "SupplementRequested",
        schemaVersion: 1,
        data: {
          reason: command.data.reason,
          requestNumber: state.supplementRequests + 1,
          respondBy: isoOrNull(ctx, respondBy),
          at,
        },
      });
    }
    case "ReceiveSupplement": {
      const policy = state.terms.supplementPolicy;
      const pausedAt = parseInstant(state.pausedAt ?? state.lastEventAt);
      const pausedWorkingMinutes = workingTimeBetween(ctx.schedule, pausedAt, moment.instant) / 60_000;
      const dueAt =
        policy === "restart"
          ? computeDueAt(ctx.schedule, deadlineRules(state.terms), moment.instant).dueAt
          : resumeDueAt(ctx.schedule, instantOrNull(state.dueAt), pausedAt, moment.instant);
      return accept({
        type: "SupplementReceived",
        schemaVersion: 1,
        data: { policy, pausedWorkingMinutes, previousDueAt: state.dueAt, dueAt: isoOrNull(ctx, dueAt), at },
      });
    }
    case "CloseMissedSupplement": {
      if (state.supplementRespondBy !== null && moment.instant < parseInstant(state.supplementRespondBy)) {
        return refuse(
          "dossier.supplement_window_open",
          `the applicant has until ${state.supplementRespondBy} to bring the supplement`,
        );
      }
      return accept({
        type: "DossierStopped",
        schemaVersion: 1,
        data: {
          reason: command.data.reason ?? "the applicant did not bring the requested supplement in time",
          cause: "supplement_not_received",
          at,
        },
      });
    }
    case "RequestFee":
      return accept({
        type: "FeeRequested",
        schemaVersion: 1,
        data: { reason: command.data.reason, amount: command.data.amount ?? null, at },
      });
    case "RecordFeePaid": {
      const pausedAt = parseInstant(state.pausedAt ?? state.lastEventAt);
      const dueAt = resumeDueAt(ctx.schedule, instantOrNull(state.dueAt), pausedAt, moment.instant);
      const pausedWorkingMinutes = workingTimeBetween(ctx.schedule, pausedAt, moment.instant) / 60_000;
      return accept({
        type: "FeePaid",
        schemaVersion: 1,
        data: {
          ...(command.data.method === undefined ? {} : { method: command.data.method }),
          pausedWorkingMinutes,
          previousDueAt: state.dueAt,
          dueAt: isoOrNull(ctx, dueAt),
          at,
        },
      });
    }
    case "IssueApology": {
      const promised = parseInstant(command.data.promisedAt);
      if (promised <= moment.instant) {
        return refuse("apology.promised_at_not_in_future", "the new appointment must be later than now");
      }
      // Form 04 sets a new appointment because the legal one will be missed: a promise at or before it
      // is no apology, and the citizen must be able to come when the office is open.
      if (state.dueAt !== null && promised <= parseInstant(state.dueAt)) {
        return refuse(
          "apology.promised_at_not_after_due",
          `promisedAt must be after the legal due moment (${state.dueAt})`,
        );
      }
      if (!isWithinWorkingHours(ctx.schedule, promised)) {
        return refuse(
          "apology.promised_at_outside_working_time",
          `promisedAt must fall inside working time: a working day, ${describeOfficeHours(ctx.schedule)}`,
        );
      }
      return accept({
        type: "ApologyIssued",
        schemaVersion: 1,
        data: { reason: command.data.reason, promisedAt: iso(ctx, promised), dueAt: state.dueAt, at },
      });
    }
    case "ResolveDossier": {
      const timeliness = classifyResolution(
        moment.instant,
        instantOrNull(state.dueAt),
        ctx.schedule.utcOffsetMinutes,
      );
      const elapsed =
        workingTimeBetween(ctx.schedule, parseInstant(state.clockStartsAt), moment.instant) / 60_000;
      const elapsedWorkingMinutes = Math.max(0, Math.round(elapsed - state.pausedWorkingMinutes));
      return accept({
        type: "DossierResolved",
        schemaVersion: 1,
        data: {
          outcome: command.data.outcome,
          note: command.data.note ?? null,
          dueAt: state.dueAt,
          timeliness,
          supplementRequests: state.supplementRequests,
          lateFor766: isLateFor766(timeliness, state.supplementRequests),
          elapsedWorkingMinutes,
          at,
        },
      });
    }
    case "ReturnResult":
      return accept({ type: "ResultReturned", schemaVersion: 1, data: { method: command.data.method, at } });
    case "RateDossier":
      if (state.ratedAt !== null) {
        return refuse("rating.already_rated", `the dossier was already rated, at ${state.ratedAt}`);
      }
      return accept({
        type: "DossierRated",
        schemaVersion: 1,
        data: {
          scores: { ...command.data.scores },
          comment: command.data.comment ? command.data.comment : null,
          at,
        },
      });
    case "IssueElectronicResult":
      if (state.outcome !== "approved") {
        return refuse("result.not_approved", "only an approved resolution has a result to issue");
      }
      if (state.electronicResultAt !== null) {
        return refuse(
          "result.already_issued_electronically",
          `the result was already issued electronically, at ${state.electronicResultAt}`,
        );
      }
      return accept({ type: "ElectronicResultIssued", schemaVersion: 1, data: { at } });
    case "RecordNationalPortalSync":
      if (state.syncedAt !== null) {
        return refuse(
          "sync.already_recorded",
          `the synchronisation was already recorded, at ${state.syncedAt}`,
        );
      }
      return accept({ type: "DossierSyncedToNationalPortal", schemaVersion: 1, data: { at } });
    case "WithdrawDossier":
      return accept({
        type: "DossierWithdrawn",
        schemaVersion: 1,
        data: { reason: command.data.reason, at },
      });
    case "StopDossier":
      return accept({
        type: "DossierStopped",
        schemaVersion: 1,
        data: { reason: command.data.reason, cause: "not_eligible", at },
      });
    default: {
      const unexpected: never = command;
      throw new Error(`unknown command ${JSON.stringify(unexpected)}`);
    }
  }
}

/** The dossier decider, as one value (Emmett's Decider shape). */
export const dossierDecider = { decide, evolve, initialState: (): DossierState => ({ status: "none" }) };
