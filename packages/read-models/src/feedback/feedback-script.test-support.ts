import {
  type Actor,
  CALENDAR_2025,
  CalendarYearSchema,
  createWorkSchedule,
  type FeedbackCommand,
  type FeedbackEvent,
  feedbackDecider,
  feedbackStreamId,
} from "@motcua/domain";
import type { ProjectableEvent } from "../events";

const schedule = createWorkSchedule([CalendarYearSchema.parse(CALENDAR_2025)]);
export const F1 = "5a0c7c1e-2b4d-4f3e-8a51-0f6f3c1d7e10";
export const F2 = "6b1d8d2f-3c5e-4a4f-9b62-1a7a4d2e8f21";
export const COMMUNE = "unit-commune";
export const OTHER = "unit-other";
const officer: Actor = { id: "officer-1", role: "officer", unitId: COMMUNE };

export const submit = (feedbackId: string, unitId = COMMUNE): FeedbackCommand => ({
  type: "SubmitFeedback",
  data: {
    feedbackId,
    about: { unitId, procedureId: null, dossierCode: null },
    unitId,
    content: "Cán bộ hẹn trả kết quả nhưng không trả đúng hẹn.",
    contact: "0901234567",
    handlingWorkingDays: 10,
  },
});

type Step = readonly [FeedbackCommand, string];

/**
 * Feedback lives decided by the domain, their events numbered in the log in the order given (each
 * life's steps at `local` times in 2025), as the event store would hand them to the projection.
 */
export function feedbackLog(
  lives: readonly { id: string; steps: readonly Step[] }[],
  firstPosition = 1,
): ProjectableEvent[] {
  const out: ProjectableEvent[] = [];
  let position = firstPosition;
  for (const { id, steps } of lives) {
    let state = feedbackDecider.initialState();
    let revision = 0;
    for (const [command, local] of steps) {
      const now = `${local}:00+07:00`;
      const decision = feedbackDecider.decide(command, state, { now, actor: officer, schedule });
      if (!decision.ok) throw new Error(`refused: ${decision.refusal.code}`);
      for (const event of decision.events as FeedbackEvent[]) {
        state = feedbackDecider.evolve(state, event);
        out.push({
          streamId: feedbackStreamId(id),
          revision: ++revision,
          position: position++,
          type: event.type,
          schemaVersion: event.schemaVersion,
          data: event.data,
          metadata: { occurredAt: event.data.at, actor: officer },
        });
      }
    }
  }
  return out;
}
