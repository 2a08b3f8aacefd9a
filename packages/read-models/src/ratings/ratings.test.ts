import type { DossierCommand } from "@motcua/domain";
import { RATING_CRITERION_IDS } from "@motcua/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { ProjectableEvent } from "../events";
import { projectEvents } from "../projection/project-events";
import {
  freshVersion,
  openTestDatabase,
  type ReadModelTestDatabase,
} from "../test-support/database.test-support";
import { A, COMMUNE, DEPARTMENT, dossierLife, receive } from "../test-support/dossier-script.test-support";
import { projectionSpecification } from "../test-support/projection-specification.test-support";
import { scoreColumn } from "./evolve";
import { isDossierRated, ratingSummary } from "./queries";
import { ratingColumns } from "./table";

let t: ReadModelTestDatabase;
beforeAll(async () => {
  t = await openTestDatabase("ratings");
});
afterAll(async () => {
  await t?.close();
});
const spec = projectionSpecification(() => t.db);

const scores = (overall: number, rest = 4, extra: Record<string, number> = {}) => ({
  overall,
  convenience: rest,
  punctuality: rest,
  staff_conduct: rest,
  total_time: rest,
  agency_time: rest,
  contact_rounds: rest,
  agencies_contacted: rest,
  one_stop: rest,
  disclosure: rest,
  ...extra,
});
const rate = (s: ReturnType<typeof scores>, comment?: string): DossierCommand => ({
  type: "RateDossier",
  data: { scores: s, ...(comment ? { comment } : {}) },
});
type Step = readonly [DossierCommand, string];
const returnedAt = (dossierId = A, resolveAt = "2025-03-14T09:00", returnAt = "2025-03-14T10:00"): Step[] => [
  [receive(dossierId), "2025-03-12T09:00"],
  [{ type: "TransferDossier", data: { toUnitId: DEPARTMENT } }, "2025-03-12T10:00"],
  [{ type: "ResolveDossier", data: { outcome: "approved" } }, resolveAt],
  [{ type: "ReturnResult", data: { method: "counter" } }, returnAt],
];

describe("the ratings (dossier_ratings)", () => {
  it("adds one row when a returned dossier is rated: where it was handled, each score, the mean; no comment", async () => {
    const life = dossierLife(returnedAt(), [
      [rate(scores(5, 4, { online_service: 3 }), "Nguyễn Văn A rất hài lòng"), "2025-03-20T20:15"],
    ]);
    await spec
      .given(life.given)
      .when(life.when)
      .thenRows({
        dossier_ratings: [
          {
            dossier_id: A,
            receiving_unit_id: COMMUNE,
            holding_unit_id: DEPARTMENT,
            procedure_code: life.given[0]
              ? (life.given[0].data as { procedureCode: string }).procedureCode
              : "",
            channel: "direct",
            returned_at: "2025-03-14T10:00:00.000+07:00",
            rated_at: "2025-03-20T20:15:00.000+07:00",
            rated_day: "2025-03-20",
            score_overall: 5,
            score_convenience: 4,
            score_disclosure: 4,
            score_feedback_handling: null,
            score_online_service: 3,
            // (5 + 9 × 4 + 3) / 11
            mean_score: 4,
          },
        ],
        dossiers: [{ status: "returned" }],
      });
    // Nothing of the comment anywhere in the row.
    expect(JSON.stringify(ratingColumns)).not.toContain("comment");
  });

  it("adds nothing for a dossier returned but not rated", async () => {
    const life = dossierLife(returnedAt().slice(0, 3), returnedAt().slice(3));
    await spec.given(life.given).when(life.when).thenRows({ dossier_ratings: [] });
  });

  it("has a score column for every criterion", () => {
    for (const id of RATING_CRITERION_IDS) expect(Object.keys(ratingColumns)).toContain(scoreColumn(id));
  });
});

describe("ratingSummary", () => {
  const B = "1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f";
  const C = "2d3e4f5a-6b7c-4d8e-9f0a-1b2c3d4e5f60";
  const schema = "rm_summary";
  beforeAll(async () => {
    await freshVersion(t.db, schema, 1);
    const lives: ProjectableEvent[][] = [
      dossierLife([...returnedAt(A), [rate(scores(5, 5)), "2025-03-20T20:15"]], [], A).given,
      dossierLife([...returnedAt(B), [rate(scores(2, 3, { online_service: 1 })), "2025-03-31T23:30"]], [], B)
        .given,
      // Returned in March, never rated.
      dossierLife(returnedAt(C), [], C).given,
    ];
    // One log: positions ascend across dossiers.
    let position = 0;
    const log = lives.flat().map((e) => ({ ...e, position: ++position }));
    await t.db.transaction().execute((trx) => projectEvents(trx, schema, 0, log));
  });

  it("counts ratings and returns, the satisfied share and each criterion's mean, by hand", async () => {
    const march = await ratingSummary(t.db, schema, {
      unitIds: [COMMUNE],
      from: "2025-03-01",
      to: "2025-03-31",
    });
    expect(march).toMatchObject({
      rated: 2,
      returned: 3,
      satisfied: 1,
      satisfiedShare: 0.5,
      // A: 5.00; B: (2 + 9 × 3 + 1) / 11 = 2.727… → 2.73; mean (5 + 2.73) / 2 = 3.865 → 3.87
      averageScore: 3.87,
    });
    expect(march.averageByCriterion.overall).toBe(3.5);
    expect(march.averageByCriterion.convenience).toBe(4);
    // Only B scored online service; nobody scored feedback handling.
    expect(march.averageByCriterion.online_service).toBe(1);
    expect(march.averageByCriterion.feedback_handling).toBeNull();
  });

  it("counts a rating on its local day, and nothing for other units or periods", async () => {
    const lastDay = await ratingSummary(t.db, schema, {
      unitIds: [COMMUNE],
      from: "2025-03-31",
      to: "2025-03-31",
    });
    expect(lastDay).toMatchObject({ rated: 1, returned: 0, satisfied: 0, satisfiedShare: 0 });
    const april = await ratingSummary(t.db, schema, {
      unitIds: [COMMUNE],
      from: "2025-04-01",
      to: "2025-04-30",
    });
    expect(april).toMatchObject({ rated: 0, satisfiedShare: null, averageScore: null });
    expect(april.averageByCriterion.overall).toBeNull();
    const other = await ratingSummary(t.db, schema, {
      unitIds: [DEPARTMENT],
      from: "2025-03-01",
      to: "2025-03-31",
    });
    expect(other).toMatchObject({ rated: 0, returned: 0 });
  });

  it("tells whether a dossier was rated", async () => {
    expect(await isDossierRated(t.db, schema, A)).toBe(true);
    expect(await isDossierRated(t.db, schema, C)).toBe(false);
  });

  it("refuses a period that is not one", async () => {
    await expect(
      ratingSummary(t.db, schema, { unitIds: [COMMUNE], from: "2025-04-01", to: "2025-03-01" }),
    ).rejects.toThrow(/to/);
  });
});
