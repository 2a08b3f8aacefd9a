import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidQueryError } from "../errors";
import { projectEvents } from "../projection/project-events";
import {
  freshVersion,
  openTestDatabase,
  type ReadModelTestDatabase,
} from "../test-support/database.test-support";
import { COMMUNE, F1, F2, feedbackLog, OTHER, submit } from "./feedback-script.test-support";
import { feedbackSummary, listFeedback } from "./queries";

const F3 = "7c2e9e3a-4d6f-4b5a-8c73-2b8b5e3f9a32";
const F4 = "8d3f0f4b-5e7a-4c6b-9d84-3c9c6f4a0b43";
const SCHEMA = "rm_feedback_queries";
let t: ReadModelTestDatabase;

/*
 * March 2025 at the commune: F1 answered on time and published; F2 marked overdue on 26 March and
 * answered late on 27 March; F3 still open, due 26 March (overdue by the 27th); F4 sent to the other unit.
 */
beforeAll(async () => {
  t = await openTestDatabase("feedback_queries");
  await freshVersion(t.db, SCHEMA, 1);
  const log = feedbackLog([
    {
      id: F1,
      steps: [
        [submit(F1), "2025-03-12T09:00"],
        [{ type: "AnswerFeedback", data: { answer: "Đã xử lý.", publish: true } }, "2025-03-14T09:00"],
      ],
    },
    {
      id: F2,
      steps: [
        [submit(F2), "2025-03-12T09:00"],
        [{ type: "MarkFeedbackOverdue", data: {} }, "2025-03-26T09:00"],
        [
          { type: "AnswerFeedback", data: { answer: "Xin lỗi vì chậm.", publish: false } },
          "2025-03-27T09:00",
        ],
      ],
    },
    { id: F3, steps: [[submit(F3), "2025-03-12T10:00"]] },
    { id: F4, steps: [[submit(F4, OTHER), "2025-03-20T09:00"]] },
  ]);
  await t.db.transaction().execute((trx) => projectEvents(trx, SCHEMA, 0, log));
});
afterAll(async () => {
  await t?.close();
});

const march = { from: "2025-03-01T00:00:00+07:00", to: "2025-04-01T00:00:00+07:00" };

describe("feedbackSummary", () => {
  it("counts a unit's feedback of the period: received, answered on time and late, overdue, published", async () => {
    const summary = await feedbackSummary(t.db, SCHEMA, {
      unitIds: [COMMUNE],
      ...march,
      now: "2025-03-27T12:00:00+07:00",
    });
    expect(summary).toMatchObject({
      received: 3,
      answered: 2,
      answeredOnTime: 1,
      answeredLate: 1,
      published: 1,
      closedUnanswered: 0,
      overdue: 1,
      open: 1,
      overdueOpen: 1,
      dueSoon: 0,
      units: [{ unitId: COMMUNE, received: 3 }],
    });
  });

  it("counts per unit, and the open ones due within the look-ahead as due soon", async () => {
    const summary = await feedbackSummary(t.db, SCHEMA, {
      unitIds: [COMMUNE, OTHER],
      ...march,
      now: "2025-03-25T09:00:00+07:00",
    });
    expect(summary.received).toBe(4);
    expect(summary.units.map((u) => [u.unitId, u.received, u.open, u.dueSoon])).toEqual([
      [COMMUNE, 3, 1, 1],
      [OTHER, 1, 1, 0],
    ]);
  });

  it("a period before anything happened counts nothing", async () => {
    const summary = await feedbackSummary(t.db, SCHEMA, {
      unitIds: [COMMUNE],
      from: "2025-02-01T00:00:00+07:00",
      to: "2025-03-01T00:00:00+07:00",
      now: "2025-03-01T00:00:00+07:00",
    });
    expect(summary).toMatchObject({ received: 0, answered: 0, open: 0, units: [] });
  });

  it("refuses a period that ends before it starts", async () => {
    await expect(
      feedbackSummary(t.db, SCHEMA, { unitIds: [COMMUNE], from: march.to, to: march.from, now: march.to }),
    ).rejects.toBeInstanceOf(InvalidQueryError);
  });
});

describe("listFeedback", () => {
  it("lists a unit's open feedback earliest due first, flagging what is past due", async () => {
    const page = await listFeedback(t.db, SCHEMA, {
      unitIds: [COMMUNE],
      status: "open",
      now: "2025-03-26T12:00:00+07:00",
    });
    expect(page.items.map((i) => [i.feedbackId, i.status, i.overdue])).toEqual([[F3, "received", true]]);
  });

  it("pages with a cursor, each feedback once", async () => {
    const now = "2025-03-26T12:00:00+07:00";
    const first = await listFeedback(t.db, SCHEMA, { now, limit: 2 });
    expect(first.nextCursor).not.toBeNull();
    const second = await listFeedback(t.db, SCHEMA, { now, limit: 2, cursor: first.nextCursor as string });
    const ids = [...first.items, ...second.items].map((i) => i.feedbackId);
    expect(new Set(ids)).toEqual(new Set([F1, F2, F3, F4]));
    expect(second.nextCursor).toBeNull();
  });

  it("lists the overdue ones", async () => {
    const page = await listFeedback(t.db, SCHEMA, { status: "overdue", now: "2025-03-26T12:00:00+07:00" });
    expect(page.items.map((i) => i.feedbackId)).toEqual([F3]);
  });
});
