import { afterAll, beforeAll, describe, it } from "vitest";
import { openTestDatabase, type ReadModelTestDatabase } from "../test-support/database.test-support";
import { A, COMMUNE, dossierLife, receive } from "../test-support/dossier-script.test-support";
import { projectionSpecification } from "../test-support/projection-specification.test-support";

let t: ReadModelTestDatabase;
beforeAll(async () => {
  t = await openTestDatabase("report_06a_evolve");
});
afterAll(async () => {
  await t?.close();
});
const spec = projectionSpecification(() => t.db);
const RECEIVED = [receive(), "2025-03-12T09:00"] as const;

describe("the 06a counts (report_counts)", () => {
  it("counts a receipt on its day, at every grain, under the receiving unit", async () => {
    const life = dossierLife([], [RECEIVED]);
    const received = {
      receiving_unit_id: COMMUNE,
      field: "Xây dựng",
      received_direct: 1,
      received_digitized: 1,
      received_online: 0,
    };
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        report_counts: {
          where: { received_direct: 1 },
          rows: [
            { ...received, grain: "d", period_start: "2025-03-12" },
            { ...received, grain: "m", period_start: "2025-03-01" },
            { ...received, grain: "t", period_start: "2025-03-11" },
            { ...received, grain: "y", period_start: "2025-01-01" },
          ],
        },
      });
  });

  it("counts a resolution in time as early or on time on its day, with its working minutes", async () => {
    const life = dossierLife(
      [RECEIVED],
      [[{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-14T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        report_counts: {
          where: { grain: "d", period_start: "2025-03-14" },
          rows: [
            {
              finished_early: 1,
              finished_late: 0,
              finished_late_766: 0,
              resolutions: 1,
              resolution_working_minutes: 960,
            },
          ],
        },
        dossiers: [{ dossier_id: A, finish_class: "early", finished_day: "2025-03-14" }],
      });
  });

  it("judges a dossier closed while waiting for a supplement at the pause: early, not a resolution", async () => {
    const life = dossierLife(
      [RECEIVED, [{ type: "RequestSupplement", data: { reason: "Thiếu bản sao" } }, "2025-03-13T09:00"]],
      [[{ type: "CloseMissedSupplement", data: {} }, "2025-04-15T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        report_counts: {
          where: { grain: "d", period_start: "2025-04-15" },
          rows: [{ finished_early: 1, finished_late: 0, resolutions: 0 }],
        },
      });
  });
});
