import { afterAll, beforeAll, describe, it } from "vitest";
import { openTestDatabase, type ReadModelTestDatabase } from "../test-support/database.test-support";
import { A, COMMUNE, dossierLife, receive } from "../test-support/dossier-script.test-support";
import { projectionSpecification } from "../test-support/projection-specification.test-support";

let t: ReadModelTestDatabase;
beforeAll(async () => {
  t = await openTestDatabase("overdue_spans_evolve");
});
afterAll(async () => {
  await t?.close();
});
const spec = projectionSpecification(() => t.db);
const RECEIVED = [receive(), "2025-03-12T09:00"] as const;

describe("the days a dossier counted overdue (overdue_spans)", () => {
  it("counts overdue from the day after the due date to the day before the resolution", async () => {
    const life = dossierLife(
      [RECEIVED],
      [[{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-27T10:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        overdue_spans: [
          { dossier_id: A, from_day: "2025-03-20", to_day: "2025-03-26", receiving_unit_id: COMMUNE },
        ],
        dossiers: [{ overdue_span_from: null, late766_span_from: null }],
        report_counts: {
          where: { grain: "d" },
          rows: [
            { period_start: "2025-03-12", received_direct: 1, overdue_starts: 0 },
            { period_start: "2025-03-20", overdue_starts: 1, late766_starts: 1 },
            {
              period_start: "2025-03-27",
              overdue_ends: 1,
              late766_ends: 1,
              finished_late: 1,
              resolutions: 1,
            },
          ],
        },
      });
  });

  it("keeps the span open while the dossier is pending", async () => {
    const life = dossierLife([], [RECEIVED]);
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        overdue_spans: [{ from_day: "2025-03-20", to_day: null }],
        dossiers: [{ overdue_span_from: "2025-03-20", late766_span_from: "2025-03-20" }],
      });
  });

  it("drops a span that never began when the clock stops before the due date", async () => {
    const life = dossierLife(
      [RECEIVED],
      [[{ type: "RequestSupplement", data: { reason: "Thiếu bản sao" } }, "2025-03-14T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        overdue_spans: [],
        dossiers: [{ overdue_span_from: null, late766_span_from: null }],
        report_counts: { where: { grain: "d", period_start: "2025-03-20" }, rows: [{ overdue_starts: 0 }] },
      });
  });

  it("counts a dossier paused after its due date overdue from the day of the pause", async () => {
    const life = dossierLife(
      [RECEIVED],
      [[{ type: "RequestSupplement", data: { reason: "Thiếu bản sao" } }, "2025-03-21T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        overdue_spans: [
          { from_day: "2025-03-20", to_day: "2025-03-20" },
          { from_day: "2025-03-21", to_day: null },
        ],
      });
  });
});
