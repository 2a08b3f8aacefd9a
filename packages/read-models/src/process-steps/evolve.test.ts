import { afterAll, beforeAll, describe, it } from "vitest";
import { openTestDatabase, type ReadModelTestDatabase } from "../test-support/database.test-support";
import {
  A,
  COMMUNE,
  DEPARTMENT,
  dossierLife,
  PROVINCE,
  receive,
} from "../test-support/dossier-script.test-support";
import { projectionSpecification } from "../test-support/projection-specification.test-support";

let t: ReadModelTestDatabase;
beforeAll(async () => {
  t = await openTestDatabase("process_steps_evolve");
});
afterAll(async () => {
  await t?.close();
});
const spec = projectionSpecification(() => t.db);
const RECEIVED = [receive(), "2025-03-12T09:00"] as const;

describe("the process-control slip (process_steps)", () => {
  it("ends the holding at a transfer and opens the next; a unit that kept it past due ran late", async () => {
    const life = dossierLife(
      [RECEIVED],
      [[{ type: "TransferDossier", data: { toUnitId: PROVINCE, reason: "liên thông" } }, "2025-03-20T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        process_steps: [
          {
            dossier_id: A,
            seq: 1,
            unit_id: COMMUNE,
            kind: "received",
            from_at: "2025-03-12T09:00:00.000+07:00",
            to_at: "2025-03-20T09:00:00.000+07:00",
            ended_by: "DossierTransferred",
            due_at: "2025-03-19T09:00:00.000+07:00",
            overdue_recorded: true,
            late: true,
          },
          {
            seq: 2,
            unit_id: PROVINCE,
            kind: "transferred",
            to_at: null,
            late: false,
            overdue_recorded: false,
          },
        ],
      });
  });

  it("judges a forwarded holding by its own step deadline, and keeps the step name out", async () => {
    const life = dossierLife(
      [RECEIVED],
      [
        [
          {
            type: "ForwardDossier",
            data: { toUnitId: DEPARTMENT, step: "thẩm định", stepDueAt: "2025-03-13T17:00:00+07:00" },
          },
          "2025-03-12T10:00",
        ],
        [{ type: "TransferDossier", data: { toUnitId: PROVINCE, reason: "liên thông" } }, "2025-03-14T08:00"],
      ],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        process_steps: [
          { seq: 1, unit_id: COMMUNE, ended_by: "DossierForwarded", late: false },
          {
            seq: 2,
            unit_id: DEPARTMENT,
            kind: "forwarded",
            step: null,
            step_due_at: "2025-03-13T17:00:00.000+07:00",
            ended_by: "DossierTransferred",
            late: true,
          },
          { seq: 3, unit_id: PROVINCE, to_at: null },
        ],
      });
  });

  it("ends the last holding at the resolution", async () => {
    const life = dossierLife(
      [RECEIVED],
      [[{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-14T10:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        process_steps: [
          { seq: 1, to_at: "2025-03-14T10:00:00.000+07:00", ended_by: "DossierResolved", late: false },
        ],
      });
  });
});
