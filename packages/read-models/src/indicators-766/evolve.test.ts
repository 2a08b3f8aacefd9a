import { afterAll, beforeAll, describe, it } from "vitest";
import { openTestDatabase, type ReadModelTestDatabase } from "../test-support/database.test-support";
import { COMMUNE, dossierLife, receive } from "../test-support/dossier-script.test-support";
import { projectionSpecification } from "../test-support/projection-specification.test-support";

let t: ReadModelTestDatabase;
beforeAll(async () => {
  t = await openTestDatabase("indicators_766_evolve");
});
afterAll(async () => {
  await t?.close();
});
const spec = projectionSpecification(() => t.db);
const RECEIVED = [receive(), "2025-03-12T09:00"] as const;
const FEE = [{ type: "RequestFee", data: { reason: "Lệ phí" } }, "2025-03-13T09:00"] as const;
const APPROVED = [{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-04-02T09:00"] as const;

describe("the 766 counts (indicator766_counts)", () => {
  it("counts a receipt under its unit, procedure and month: digitised, not online, nothing reused", async () => {
    const life = dossierLife([], [RECEIVED]);
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        indicator766_counts: [
          {
            receiving_unit_id: COMMUNE,
            month: "2025-03-01",
            received: 1,
            received_online: 0,
            received_digitized: 1,
            received_reused: 0,
            results: 0,
          },
        ],
      });
  });

  it("counts a payment online through the national portal under the month of receipt, not of payment", async () => {
    const life = dossierLife(
      [RECEIVED, FEE],
      [[{ type: "RecordFeePaid", data: { method: "online_national_portal" } }, "2025-04-01T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        indicator766_counts: [
          {
            month: "2025-03-01",
            received: 1,
            fee_requests: 1,
            fees_paid: 1,
            fees_paid_online: 1,
            fees_paid_national: 1,
          },
        ],
      });
  });

  it("a payment without a method counts as paid, not online", async () => {
    const life = dossierLife([RECEIVED, FEE], [[{ type: "RecordFeePaid", data: {} }, "2025-03-14T09:00"]]);
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({ indicator766_counts: [{ fees_paid: 1, fees_paid_online: 0, fees_paid_national: 0 }] });
  });

  it("counts an approved result, its electronic issue and the synchronisation, in March though it happened in April", async () => {
    const life = dossierLife(
      [RECEIVED, APPROVED],
      [
        [{ type: "IssueElectronicResult", data: {} }, "2025-04-02T10:00"],
        [{ type: "RecordNationalPortalSync", data: {} }, "2025-04-02T11:00"],
      ],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({ indicator766_counts: [{ month: "2025-03-01", results: 1, e_results: 1, synced: 1 }] });
  });

  it("a rejection is no result to issue", async () => {
    const life = dossierLife(
      [RECEIVED],
      [[{ type: "ResolveDossier", data: { outcome: "rejected" } }, "2025-03-14T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({ indicator766_counts: [{ received: 1, results: 0, e_results: 0 }] });
  });
});
