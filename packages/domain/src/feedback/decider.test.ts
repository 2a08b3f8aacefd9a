import { describe, expect, it } from "vitest";
import { CalendarYearSchema, createWorkSchedule } from "../calendar/calendar";
import { CALENDAR_2025 } from "../calendar/official-calendars";
import { deciderSpecification } from "../decider-specification.test-support";
import type { Actor } from "../dossier/values";
import { type FeedbackCommand, type FeedbackContext, type FeedbackState, feedbackDecider } from "./decide";
import { type FeedbackEvent, FeedbackEventSchema, normalizeTrackingCode } from "./events";

const schedule = createWorkSchedule([CalendarYearSchema.parse(CALENDAR_2025)]);
const spec = deciderSpecification<
  FeedbackCommand,
  FeedbackEvent,
  FeedbackState,
  FeedbackContext,
  { code: string }
>(feedbackDecider);
const COMMUNE = "unit-commune";
const OTHER = "unit-other";
const FEEDBACK_ID = "5a0c7c1e-2b4d-4f3e-8a51-0f6f3c1d7e10";
const officer = { id: "officer-1", role: "officer" as const, unitId: COMMUNE };
const citizen = { id: "public", role: "citizen" as const, unitId: null };
const ctx = (local: string, actor: Actor = officer): FeedbackContext => ({
  now: `${local}:00+07:00`,
  actor,
  schedule,
});

const submit: FeedbackCommand = {
  type: "SubmitFeedback",
  data: {
    feedbackId: FEEDBACK_ID,
    about: { unitId: COMMUNE, procedureId: null, dossierCode: null },
    unitId: COMMUNE,
    content: "Bộ phận một cửa hẹn trả kết quả nhưng không trả đúng hẹn.",
    contact: "0901234567",
    handlingWorkingDays: 10,
  },
};

function submitted(local = "2025-03-12T09:00"): FeedbackEvent {
  const decision = feedbackDecider.decide(submit, feedbackDecider.initialState(), ctx(local, citizen));
  if (!decision.ok) throw new Error("submit refused");
  return decision.events[0] as FeedbackEvent;
}

describe("feedback decider", () => {
  it("a submitted feedback is due ten working days later, on the calendar of the unit handling it", () => {
    const event = submitted("2025-03-12T09:00");
    expect(event).toMatchObject({
      type: "FeedbackSubmitted",
      data: {
        unitId: COMMUNE,
        clockStartsAt: "2025-03-12T09:00:00.000+07:00",
        dueAt: "2025-03-26T09:00:00.000+07:00",
      },
    });
    expect(FeedbackEventSchema.parse(event)).toEqual(event);
  });

  it("feedback sent on a Saturday starts its clock on Monday morning", () => {
    expect(submitted("2025-03-15T10:00").data).toMatchObject({
      clockStartsAt: "2025-03-17T07:30:00.000+07:00",
      dueAt: "2025-03-28T17:00:00.000+07:00",
    });
  });

  it("the same feedback cannot be submitted twice", () => {
    spec
      .given([submitted()])
      .when(submit, ctx("2025-03-12T10:00", citizen))
      .thenRefused("feedback.already_exists");
  });

  it("assigning hands it to another unit or officer, keeping its deadline", () => {
    spec
      .given([submitted()])
      .when(
        { type: "AssignFeedback", data: { toUnitId: OTHER, officerId: "officer-9" } },
        ctx("2025-03-13T09:00"),
      )
      .thenState((state) => {
        expect(state).toMatchObject({ status: "assigned", unitId: OTHER, officerId: "officer-9" });
        expect(state.dueAt).toBe("2025-03-26T09:00:00.000+07:00");
      });
  });

  it("an answer within the time is on time, and says whether it is published", () => {
    spec
      .given([submitted()])
      .when(
        { type: "AnswerFeedback", data: { answer: "Đã chấn chỉnh.", publish: true } },
        ctx("2025-03-20T09:00"),
      )
      .thenMatch([
        { type: "FeedbackAnswered", data: { timeliness: "on_time", publish: true, unitId: COMMUNE } },
      ]);
  });

  it("an answer after the due moment that the watcher missed records the overdue first, at the due moment", () => {
    spec
      .given([submitted()])
      .when(
        { type: "AnswerFeedback", data: { answer: "Trả lời muộn.", publish: false } },
        ctx("2025-03-27T09:00"),
      )
      .thenMatch([
        { type: "FeedbackBecameOverdue", data: { at: "2025-03-26T09:00:00.000+07:00", unitId: COMMUNE } },
        { type: "FeedbackAnswered", data: { timeliness: "late" } },
      ]);
  });

  it("a feedback is answered once", () => {
    const answered = feedbackDecider.decide(
      { type: "AnswerFeedback", data: { answer: "Đã trả lời.", publish: false } },
      feedbackDecider.evolve(feedbackDecider.initialState(), submitted()),
      ctx("2025-03-13T09:00"),
    );
    if (!answered.ok) throw new Error("refused");
    spec
      .given([submitted(), ...answered.events])
      .when({ type: "AnswerFeedback", data: { answer: "Lần hai.", publish: true } }, ctx("2025-03-14T09:00"))
      .thenRefused("feedback.already_answered");
  });

  it("a closed feedback refuses every further command", () => {
    const closed: FeedbackEvent = {
      type: "FeedbackClosed",
      schemaVersion: 1,
      data: { answered: false, at: "2025-03-13T09:00:00+07:00" },
    };
    for (const command of [
      { type: "AnswerFeedback", data: { answer: "x", publish: false } },
      { type: "CloseFeedback", data: {} },
      { type: "AssignFeedback", data: { toUnitId: OTHER, officerId: null } },
      { type: "MarkFeedbackOverdue", data: {} },
    ] as FeedbackCommand[]) {
      spec
        .given([submitted(), closed])
        .when(command, ctx("2025-04-13T09:00"))
        .thenRefused("feedback.already_closed");
    }
  });

  it("the watcher marks it overdue at its due moment, once, and not before", () => {
    const mark: FeedbackCommand = { type: "MarkFeedbackOverdue", data: {} };
    spec.given([submitted()]).when(mark, ctx("2025-03-26T08:59")).thenRefused("feedback.not_yet_due");
    const decision = spec.given([submitted()]).when(mark, ctx("2025-03-26T09:00")).decision;
    expect(decision).toMatchObject({ ok: true, events: [{ type: "FeedbackBecameOverdue" }] });
    if (!decision.ok) return;
    spec
      .given([submitted(), ...decision.events])
      .when(mark, ctx("2025-03-27T09:00"))
      .thenRefused("feedback.already_overdue");
  });

  it("the sender's data can be erased once, even after the feedback was closed", () => {
    const closed: FeedbackEvent = {
      type: "FeedbackClosed",
      schemaVersion: 1,
      data: { answered: false, at: "2025-03-13T09:00:00+07:00" },
    };
    const erase: FeedbackCommand = { type: "EraseFeedbackSender", data: { reason: "Yêu cầu số 12/2025" } };
    const decision = spec.given([submitted(), closed]).when(erase, ctx("2025-04-01T09:00")).decision;
    expect(decision).toMatchObject({
      ok: true,
      events: [{ type: "FeedbackSenderErased", data: { reason: "Yêu cầu số 12/2025" } }],
    });
    if (!decision.ok) return;
    spec
      .given([submitted(), closed, ...decision.events])
      .when(erase, ctx("2025-04-02T09:00"))
      .thenRefused("feedback.already_erased");
  });

  it("commands on a feedback that does not exist are refused", () => {
    spec
      .given([])
      .when({ type: "CloseFeedback", data: {} }, ctx("2025-03-13T09:00"))
      .thenRefused("feedback.not_found");
  });
});

describe("tracking codes", () => {
  it("are read case-insensitively, with or without hyphens, look-alikes read as digits", () => {
    expect(normalizeTrackingCode("pa-7k2m-9x4q")).toBe("PA-7K2M-9X4Q");
    expect(normalizeTrackingCode(" PA 7K2M 9X4Q ")).toBe("PA-7K2M-9X4Q");
    expect(normalizeTrackingCode("PA-O0IL-ABCD")).toBe("PA-0011-ABCD");
  });

  it("refuse anything else", () => {
    for (const typed of ["", "PA-123", "XX-7K2M-9X4Q", "PA-7K2M-9X4U", "PA-7K2M-9X4Q-1"]) {
      expect(normalizeTrackingCode(typed)).toBeNull();
    }
  });
});
