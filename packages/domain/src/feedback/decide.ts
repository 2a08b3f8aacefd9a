import type { WorkSchedule } from "../calendar/calendar";
import { computeDueAt } from "../deadlines/compute-due-at";
import type { Actor } from "../dossier/values";
import { formatInstant, parseInstant } from "../time/local-time";
import type { FeedbackAbout, FeedbackEvent } from "./events";

export type FeedbackStatus = "none" | "received" | "assigned" | "answered" | "closed";

export interface FeedbackState {
  readonly status: FeedbackStatus;
  readonly feedbackId: string | null;
  /** The unit handling it now. */
  readonly unitId: string | null;
  readonly officerId: string | null;
  readonly dueAt: string | null;
  readonly overdue: boolean;
  readonly answered: boolean;
  readonly published: boolean;
  /** The sender's data was erased. */
  readonly erased: boolean;
}

export const initialFeedbackState = (): FeedbackState => ({
  status: "none",
  feedbackId: null,
  unitId: null,
  officerId: null,
  dueAt: null,
  overdue: false,
  answered: false,
  published: false,
  erased: false,
});

export type FeedbackCommand =
  | {
      readonly type: "SubmitFeedback";
      readonly data: {
        readonly feedbackId: string;
        readonly about: FeedbackAbout;
        readonly unitId: string;
        readonly content: string;
        readonly contact: string | null;
        readonly handlingWorkingDays: number;
      };
    }
  | {
      readonly type: "AssignFeedback";
      readonly data: { readonly toUnitId: string; readonly officerId: string | null };
    }
  | { readonly type: "AnswerFeedback"; readonly data: { readonly answer: string; readonly publish: boolean } }
  | { readonly type: "CloseFeedback"; readonly data: Record<string, never> }
  | { readonly type: "EraseFeedbackSender"; readonly data: { readonly reason: string } }
  | { readonly type: "MarkFeedbackOverdue"; readonly data: Record<string, never> };

export type FeedbackRefusalCode =
  | "feedback.already_exists"
  | "feedback.not_found"
  | "feedback.already_closed"
  | "feedback.already_erased"
  | "feedback.already_answered"
  | "feedback.not_answered"
  | "feedback.assign_to_same"
  | "feedback.already_overdue"
  | "feedback.not_yet_due";

export interface FeedbackRefusal {
  readonly code: FeedbackRefusalCode;
  readonly message: string;
}

export type FeedbackDecision =
  | { readonly ok: true; readonly events: readonly FeedbackEvent[] }
  | { readonly ok: false; readonly refusal: FeedbackRefusal };

export interface FeedbackContext {
  readonly now: string;
  readonly actor: Actor;
  /** The calendar and office hours of the unit handling the feedback (its deadline is counted on them). */
  readonly schedule: WorkSchedule;
}

const refuse = (code: FeedbackRefusalCode, message: string): FeedbackDecision => ({
  ok: false,
  refusal: { code, message },
});
const accept = (...events: FeedbackEvent[]): FeedbackDecision => ({ ok: true, events });

/** Decides one command on a feedback. Pure: time, the actor and the calendar arrive in `context`. */
export function decideFeedback(
  command: FeedbackCommand,
  state: FeedbackState,
  context: FeedbackContext,
): FeedbackDecision {
  const at = context.now;
  if (command.type === "SubmitFeedback") {
    if (state.status !== "none") return refuse("feedback.already_exists", "The feedback exists already");
    const d = command.data;
    const deadline = computeDueAt(
      context.schedule,
      { timeLimit: { value: d.handlingWorkingDays, unit: "working_days" } },
      parseInstant(at),
    );
    const offset = context.schedule.utcOffsetMinutes;
    return accept({
      type: "FeedbackSubmitted",
      schemaVersion: 1,
      data: {
        feedbackId: d.feedbackId,
        about: d.about,
        unitId: d.unitId,
        content: d.content,
        contact: d.contact,
        handlingWorkingDays: d.handlingWorkingDays,
        clockStartsAt: formatInstant(deadline.clockStartsAt, offset),
        dueAt: formatInstant(deadline.dueAt as number, offset),
        at,
      },
    });
  }
  if (state.status === "none" || state.unitId === null || state.dueAt === null) {
    return refuse("feedback.not_found", "There is no such feedback");
  }
  if (command.type === "EraseFeedbackSender") {
    if (state.erased) return refuse("feedback.already_erased", "The sender's data is erased already");
    return accept({
      type: "FeedbackSenderErased",
      schemaVersion: 1,
      data: { reason: command.data.reason, at },
    });
  }
  if (state.status === "closed") return refuse("feedback.already_closed", "The feedback is closed");
  const dueAt = state.dueAt;
  switch (command.type) {
    case "AssignFeedback": {
      const { toUnitId, officerId } = command.data;
      if (toUnitId === state.unitId && officerId === state.officerId) {
        return refuse("feedback.assign_to_same", "The feedback is already assigned so");
      }
      if (state.answered) return refuse("feedback.already_answered", "The feedback has been answered");
      return accept(...overdueFirst(state, at), {
        type: "FeedbackAssigned",
        schemaVersion: 1,
        data: { fromUnitId: state.unitId, toUnitId, officerId, at },
      });
    }
    case "AnswerFeedback": {
      if (state.answered) return refuse("feedback.already_answered", "The feedback has been answered");
      const late = parseInstant(at) > parseInstant(dueAt);
      return accept(...overdueFirst(state, at), {
        type: "FeedbackAnswered",
        schemaVersion: 1,
        data: {
          answer: command.data.answer,
          publish: command.data.publish,
          dueAt,
          timeliness: late ? "late" : "on_time",
          unitId: state.unitId,
          at,
        },
      });
    }
    case "CloseFeedback":
      return accept(...overdueFirst(state, at), {
        type: "FeedbackClosed",
        schemaVersion: 1,
        data: { answered: state.answered, at },
      });
    case "MarkFeedbackOverdue": {
      if (state.answered) return refuse("feedback.already_answered", "The feedback has been answered");
      if (state.overdue) return refuse("feedback.already_overdue", "The feedback is overdue already");
      if (parseInstant(at) < parseInstant(dueAt)) {
        return refuse("feedback.not_yet_due", "The feedback's handling time has not run out");
      }
      return accept(overdueEvent(state.unitId, dueAt));
    }
    default: {
      const unknown: never = command;
      throw new Error(`unknown feedback command ${JSON.stringify(unknown)}`);
    }
  }
}

const overdueEvent = (unitId: string, dueAt: string): FeedbackEvent => ({
  type: "FeedbackBecameOverdue",
  schemaVersion: 1,
  data: { dueAt, unitId, at: dueAt },
});

/**
 * An officer acting on an unanswered feedback after its due moment, before the watcher marked it: the
 * overdue event comes first, at the due moment, so the unit holding it then is recorded as late — the
 * same rule as dossiers.
 */
function overdueFirst(state: FeedbackState, at: string): FeedbackEvent[] {
  if (state.answered || state.overdue || state.dueAt === null || state.unitId === null) return [];
  return parseInstant(at) >= parseInstant(state.dueAt) ? [overdueEvent(state.unitId, state.dueAt)] : [];
}

export function evolveFeedback(state: FeedbackState, event: FeedbackEvent): FeedbackState {
  switch (event.type) {
    case "FeedbackSubmitted":
      return {
        ...initialFeedbackState(),
        status: "received",
        feedbackId: event.data.feedbackId,
        unitId: event.data.unitId,
        dueAt: event.data.dueAt,
      };
    case "FeedbackAssigned":
      return { ...state, status: "assigned", unitId: event.data.toUnitId, officerId: event.data.officerId };
    case "FeedbackAnswered":
      return { ...state, status: "answered", answered: true, published: event.data.publish };
    case "FeedbackClosed":
      return { ...state, status: "closed" };
    case "FeedbackBecameOverdue":
      return { ...state, overdue: true };
    case "FeedbackSenderErased":
      return { ...state, erased: true };
    default: {
      const unknown: never = event;
      throw new Error(`unknown feedback event ${JSON.stringify(unknown)}`);
    }
  }
}

export const feedbackDecider = {
  decide: decideFeedback,
  evolve: evolveFeedback,
  initialState: initialFeedbackState,
};
