import { afterAll, beforeAll, describe, it } from "vitest";
import { openTestDatabase, type ReadModelTestDatabase } from "../test-support/database.test-support";
import { A, COMMUNE, dossierLife, PROVINCE, receive } from "../test-support/dossier-script.test-support";
import { projectionSpecification } from "../test-support/projection-specification.test-support";

let t: ReadModelTestDatabase;
beforeAll(async () => {
  t = await openTestDatabase("worklist_evolve");
});
afterAll(async () => {
  await t?.close();
});
const spec = projectionSpecification(() => t.db);

describe("the dossiers row (worklist)", () => {
  it("lists a received dossier under its receiving unit, due five working days later", async () => {
    const life = dossierLife([], [[receive(), "2025-03-12T09:00"]]);
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        dossiers: [
          {
            dossier_id: A,
            status: "received",
            receiving_unit_id: COMMUNE,
            current_unit_id: COMMUNE,
            units_held: [COMMUNE],
            channel: "direct",
            received_at: "2025-03-12T09:00:00.000+07:00",
            received_day: "2025-03-12",
            due_at: "2025-03-19T09:00:00.000+07:00",
            overdue: false,
            documents_total: 2,
            documents_digitized: 2,
            step_seq: 1,
            deadline_seq: 1,
            revision: 1,
            position: 1,
          },
        ],
      });
  });

  it("follows the dossier to the unit it is transferred to, and remembers every unit that held it", async () => {
    const life = dossierLife(
      [[receive(), "2025-03-12T09:00"]],
      [[{ type: "TransferDossier", data: { toUnitId: PROVINCE, reason: "liên thông" } }, "2025-03-13T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        dossiers: [
          { status: "processing", current_unit_id: PROVINCE, units_held: [COMMUNE, PROVINCE], step_seq: 2 },
        ],
      });
  });

  it("flags the dossier overdue once the overdue event is recorded for its due moment", async () => {
    const life = dossierLife(
      [[receive(), "2025-03-12T09:00"]],
      [[{ type: "MarkOverdue", data: {} }, "2025-03-20T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        dossiers: [
          {
            overdue: true,
            ever_overdue: true,
            overdue_recorded_for: "2025-03-19T09:00:00.000+07:00",
            overdue_holding_unit_id: COMMUNE,
          },
        ],
      });
  });

  it("clears the flag when a supplement received moves the due moment, but remembers it was overdue", async () => {
    const life = dossierLife(
      [
        [receive(), "2025-03-12T09:00"],
        [{ type: "MarkOverdue", data: {} }, "2025-03-20T09:00"],
        [{ type: "RequestSupplement", data: { reason: "Thiếu bản sao" } }, "2025-03-20T10:00"],
      ],
      [[{ type: "ReceiveSupplement", data: {} }, "2025-03-24T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        dossiers: [{ status: "processing", overdue: false, ever_overdue: true, paused_at: null }],
      });
  });
});
