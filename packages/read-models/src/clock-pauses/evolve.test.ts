import { afterAll, beforeAll, describe, it } from "vitest";
import { openTestDatabase, type ReadModelTestDatabase } from "../test-support/database.test-support";
import { A, dossierLife, receive } from "../test-support/dossier-script.test-support";
import { projectionSpecification } from "../test-support/projection-specification.test-support";

let t: ReadModelTestDatabase;
beforeAll(async () => {
  t = await openTestDatabase("clock_pauses_evolve");
});
afterAll(async () => {
  await t?.close();
});
const spec = projectionSpecification(() => t.db);
const RECEIVED = [receive(), "2025-03-12T09:00"] as const;

const requestFee = (at: string) =>
  [{ type: "RequestFee", data: { reason: "Lệ phí", amount: 100_000 } }, at] as const;
const FEE = requestFee("2025-03-13T09:00");

describe("the clock stops (dossier_pauses)", () => {
  it("stops the clock at a fee request until the fees are paid, with the working minutes it stood still", async () => {
    const life = dossierLife([RECEIVED, FEE], [[{ type: "RecordFeePaid", data: {} }, "2025-03-14T09:00"]]);
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        dossier_pauses: [
          {
            dossier_id: A,
            seq: 1,
            kind: "fee",
            paused_at: "2025-03-13T09:00:00.000+07:00",
            ended_at: "2025-03-14T09:00:00.000+07:00",
            ended_by: "FeePaid",
            paused_working_minutes: 480,
          },
        ],
        dossiers: [{ pause_seq: 1, paused_at: null, paused_working_minutes: 480 }],
      });
  });

  it("ends the pause at a withdrawal while waiting, counting no minutes", async () => {
    const life = dossierLife(
      [RECEIVED, FEE],
      [[{ type: "WithdrawDossier", data: { reason: "Công dân rút" } }, "2025-03-14T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        dossier_pauses: [
          {
            seq: 1,
            kind: "fee",
            ended_at: "2025-03-14T09:00:00.000+07:00",
            ended_by: "DossierWithdrawn",
            paused_working_minutes: null,
          },
        ],
      });
  });

  it("numbers a second request after the first", async () => {
    const life = dossierLife(
      [RECEIVED, [{ type: "RequestSupplement", data: { reason: "Thiếu bản sao" } }, "2025-03-12T10:00"]],
      [[{ type: "ReceiveSupplement", data: {} }, "2025-03-13T09:00"], requestFee("2025-03-13T10:00")],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        dossier_pauses: [
          { seq: 1, kind: "supplement", ended_by: "SupplementReceived" },
          { seq: 2, kind: "fee", paused_at: "2025-03-13T10:00:00.000+07:00", ended_at: null },
        ],
      });
  });
});
