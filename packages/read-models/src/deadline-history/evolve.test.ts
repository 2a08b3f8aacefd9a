import { afterAll, beforeAll, describe, it } from "vitest";
import { openTestDatabase, type ReadModelTestDatabase } from "../test-support/database.test-support";
import { A, dossierLife, PROVINCE, receive } from "../test-support/dossier-script.test-support";
import { projectionSpecification } from "../test-support/projection-specification.test-support";

let t: ReadModelTestDatabase;
beforeAll(async () => {
  t = await openTestDatabase("deadline_history_evolve");
});
afterAll(async () => {
  await t?.close();
});
const spec = projectionSpecification(() => t.db);
const RECEIVED = [receive(), "2025-03-12T09:00"] as const;

describe("the deadline history (dossier_deadlines)", () => {
  it("keeps the first due moment and adds the one a supplement received sets, from that moment", async () => {
    const life = dossierLife(
      [RECEIVED, [{ type: "RequestSupplement", data: { reason: "Thiếu bản sao" } }, "2025-03-13T09:00"]],
      [[{ type: "ReceiveSupplement", data: {} }, "2025-03-17T08:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        dossier_deadlines: [
          {
            dossier_id: A,
            seq: 1,
            cause: "received",
            effective_at: "2025-03-12T09:00:00.000+07:00",
            due_at: "2025-03-19T09:00:00.000+07:00",
          },
          // The building permit restarts its five working days when the supplement arrives.
          {
            seq: 2,
            cause: "supplement_received",
            effective_at: "2025-03-17T08:00:00.000+07:00",
            due_at: "2025-03-24T08:00:00.000+07:00",
          },
        ],
        dossiers: [{ deadline_seq: 2, due_at: "2025-03-24T08:00:00.000+07:00" }],
      });
  });

  it("adds nothing for a hand-over: only supplements and fees move the due moment", async () => {
    const life = dossierLife(
      [RECEIVED],
      [[{ type: "TransferDossier", data: { toUnitId: PROVINCE, reason: "liên thông" } }, "2025-03-13T09:00"]],
    );
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({ dossier_deadlines: [{ seq: 1, cause: "received" }] });
  });
});
