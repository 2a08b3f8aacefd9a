import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { projectEvents } from "../projection/project-events";
import {
  freshVersion,
  openTestDatabase,
  type ReadModelTestDatabase,
} from "../test-support/database.test-support";
import { dossierLife, receive } from "../test-support/dossier-script.test-support";
import { projectionSpecification, readRows } from "../test-support/projection-specification.test-support";
import { COMMUNE, F1, feedbackLog, OTHER, submit } from "./feedback-script.test-support";

let t: ReadModelTestDatabase;
beforeAll(async () => {
  t = await openTestDatabase("feedback_evolve");
});
afterAll(async () => {
  await t?.close();
});
const spec = projectionSpecification(() => t.db);

describe("the feedback row", () => {
  it("lists a submitted feedback under the unit handling it, due ten working days later", async () => {
    const log = feedbackLog([{ id: F1, steps: [[submit(F1), "2025-03-12T09:00"]] }]);
    await spec
      .given([])
      .when(log)
      .thenRows({
        feedback: [
          {
            feedback_id: F1,
            status: "received",
            about_unit_id: COMMUNE,
            receiving_unit_id: COMMUNE,
            unit_id: COMMUNE,
            submitted_at: "2025-03-12T09:00:00.000+07:00",
            due_at: "2025-03-26T09:00:00.000+07:00",
            overdue: false,
            published: false,
            revision: 1,
            position: 1,
          },
        ],
        dossiers: [],
      });
  });

  it("follows an assignment, an overdue mark, a late published answer and the closing", async () => {
    const log = feedbackLog([
      {
        id: F1,
        steps: [
          [submit(F1), "2025-03-12T09:00"],
          [{ type: "AssignFeedback", data: { toUnitId: OTHER, officerId: "officer-7" } }, "2025-03-13T09:00"],
          [{ type: "MarkFeedbackOverdue", data: {} }, "2025-03-26T09:00"],
          [{ type: "AnswerFeedback", data: { answer: "Đã xử lý.", publish: true } }, "2025-03-27T10:00"],
          [{ type: "CloseFeedback", data: {} }, "2025-03-28T10:00"],
        ],
      },
    ]);
    await spec
      .given(log.slice(0, 2))
      .when(log.slice(2))
      .thenRows({
        feedback: [
          {
            feedback_id: F1,
            status: "closed",
            receiving_unit_id: COMMUNE,
            unit_id: OTHER,
            officer_id: "officer-7",
            overdue: true,
            overdue_unit_id: OTHER,
            answered_at: "2025-03-27T10:00:00.000+07:00",
            answer_timeliness: "late",
            published: true,
            closed_at: "2025-03-28T10:00:00.000+07:00",
            revision: 5,
          },
        ],
      });
  });

  it("dossier and feedback events in one batch each reach their own table", async () => {
    const dossier = dossierLife([], [[receive(), "2025-03-12T09:00"]]).when;
    const feedback = feedbackLog([{ id: F1, steps: [[submit(F1), "2025-03-12T09:30"]] }], dossier.length + 1);
    await spec
      .given(dossier)
      .when(feedback)
      .thenRows({
        dossiers: [{ status: "received", revision: 1 }],
        feedback: [{ feedback_id: F1, status: "received", position: dossier.length + 1 }],
      });
  });

  it("never holds the sender's words, contact or the answer", async () => {
    const schema = "rm_feedback_private";
    await freshVersion(t.db, schema, 1);
    const log = feedbackLog([
      {
        id: F1,
        steps: [
          [submit(F1), "2025-03-12T09:00"],
          [
            { type: "AnswerFeedback", data: { answer: "Trả lời riêng.", publish: false } },
            "2025-03-13T10:00",
          ],
        ],
      },
    ]);
    await t.db.transaction().execute((trx) => projectEvents(trx, schema, 0, log));
    const text = JSON.stringify(await readRows(t.db, schema, "feedback"));
    for (const secret of ["không trả đúng hẹn", "0901234567", "Trả lời riêng"])
      expect(text).not.toContain(secret);
  });

  it("an event applied twice changes nothing", async () => {
    const log = feedbackLog([
      {
        id: F1,
        steps: [
          [submit(F1), "2025-03-12T09:00"],
          [{ type: "CloseFeedback", data: {} }, "2025-03-13T09:00"],
        ],
      },
    ]);
    const schema = "rm_feedback_twice";
    await freshVersion(t.db, schema, 1);
    await t.db.transaction().execute((trx) => projectEvents(trx, schema, 0, log));
    const once = await readRows(t.db, schema, "feedback");
    await t.db.transaction().execute((trx) => projectEvents(trx, schema, 0, log));
    expect(await readRows(t.db, schema, "feedback")).toEqual(once);
  });
});
