import { PoisonEventError } from "../errors";
import { normalizeIso } from "../local-time";
import type { ParsedFeedbackEvent } from "./events";
import { emptyFeedback, type FeedbackRecord } from "./table";

/** One feedback event applied to its row. Pure: the same events give the same row however batched. */
export function evolveFeedbackRow(
  before: FeedbackRecord | null,
  parsed: ParsedFeedbackEvent,
): FeedbackRecord {
  const { event, at, position, revision } = parsed;
  if (before === null && event.type !== "FeedbackSubmitted") {
    throw new PoisonEventError(
      { streamId: `feedback-${parsed.feedbackId}`, position, type: event.type },
      "a feedback event before the feedback was submitted",
    );
  }
  const row = before ?? emptyFeedback(parsed.feedbackId);
  const stamped = { ...row, revision, position };
  switch (event.type) {
    case "FeedbackSubmitted": {
      const d = event.data;
      return {
        ...stamped,
        status: "received",
        about_unit_id: d.about.unitId,
        about_procedure_id: d.about.procedureId,
        about_dossier_code: d.about.dossierCode,
        receiving_unit_id: d.unitId,
        unit_id: d.unitId,
        submitted_at: at,
        due_at: normalizeIso(d.dueAt),
      };
    }
    case "FeedbackAssigned":
      return {
        ...stamped,
        status: "assigned",
        unit_id: event.data.toUnitId,
        officer_id: event.data.officerId,
      };
    case "FeedbackAnswered":
      return {
        ...stamped,
        status: "answered",
        answered_at: at,
        answer_timeliness: event.data.timeliness,
        published: event.data.publish,
      };
    case "FeedbackClosed":
      return { ...stamped, status: "closed", closed_at: at };
    case "FeedbackBecameOverdue":
      return { ...stamped, overdue: true, overdue_unit_id: event.data.unitId };
    case "FeedbackSenderErased":
      // Nothing of the sender is here to erase; the row only notes it has seen the event.
      return stamped;
    default: {
      const unknown: never = event;
      throw new Error(`unknown feedback event ${JSON.stringify(unknown)}`);
    }
  }
}
