import { describe, expect, it } from "vitest";
import { zeroSums } from "./queries";
import { noSatisfaction } from "./satisfaction";
import { type Figures766, score766 } from "./score";

/** A unit's figures: 100 dossiers received in the month, 80 finished, 20 pending. */
const figures = (over: Partial<Figures766> = {}): Figures766 => ({
  sums: { ...zeroSums(), received: 100 },
  progress: {
    finished: 80,
    finishedLate766: 4,
    pending: 20,
    pendingLate766: 1,
    resolutions: 75,
    resolutionWorkingMinutes: 75 * 480 * 3,
  },
  procedures: { applicable: 10, offeredOnline: 10 },
  offeredOnlineWithDossiers: 0,
  feeProcedures: 0,
  paidOnlineProcedures: 0,
  satisfaction: noSatisfaction(),
  ...over,
});
const byId = (f: Figures766) => new Map(score766(f).indicators.map((i) => [i.id, i]));

describe("score766, by hand", () => {
  it("2.1 and 2.2: (80 − 4 + 20 − 1) / 100 = 95 % → 19 points; 3 working days on average", () => {
    const i = byId(figures());
    expect(i.get("2.1")).toMatchObject({ value: 95, score: 19 });
    expect(i.get("2.2")).toMatchObject({ value: 3, score: 0, max: 0 });
  });

  it("5.2: 8 of 10 feedback answered on time (9 answered, 1 became overdue) → 6 × 80 % = 4.8", () => {
    const satisfaction = {
      ...noSatisfaction(),
      feedbackAnswered: 9,
      feedbackAnsweredOnTime: 8,
      feedbackOverdue: 1,
    };
    expect(byId(figures({ satisfaction })).get("5.2")).toMatchObject({ value: 80, score: 4.8 });
  });

  it("5.3: of 20 received, 2 answered late and 1 overdue → 17 / 20 = 85 % → 5.1", () => {
    const satisfaction = {
      ...noSatisfaction(),
      feedbackReceived: 20,
      feedbackAnsweredLate: 2,
      feedbackOverdue: 1,
    };
    expect(byId(figures({ satisfaction })).get("5.3")).toMatchObject({ value: 85, score: 5.1 });
  });

  it("5.4: 95 % on time less 10 of 100 dossiers rated unsatisfied = 85 %; full points from 90 % → 6 × 85 / 90 = 5.67", () => {
    const satisfaction = { ...noSatisfaction(), rated: 40, satisfied: 30 };
    expect(byId(figures({ satisfaction })).get("5.4")).toMatchObject({ value: 85, score: 5.67 });
  });

  it("the payment terms: A = 30 of 60 payments online → 3; B = 3 of 5 procedures → 2.5 × 0.6 = 1.5; C = 12 of 30 through the portal → 2.5 × 0.4 = 1", () => {
    const sums = {
      ...zeroSums(),
      received: 100,
      fees_paid: 60,
      fees_paid_online: 30,
      fees_paid_national: 12,
    };
    const score = score766(figures({ sums, feeProcedures: 5, paidOnlineProcedures: 3 }));
    const i = new Map(score.indicators.map((x) => [x.id, x]));
    expect([i.get("P.A")?.score, i.get("P.B")?.score, i.get("P.C")?.score]).toEqual([3, 1.5, 1]);
    expect(score.groupScores.payment).toBe(5.5);
  });

  it("rates above the target earn the full points and no more; the total is the sum of the groups", () => {
    const sums = {
      ...zeroSums(),
      received: 100,
      received_online: 100,
      received_digitized: 100,
      received_reused: 100,
      synced: 100,
      results: 50,
      e_results: 50,
      fees_paid: 10,
      fees_paid_online: 10,
      fees_paid_national: 10,
    };
    const score = score766(
      figures({
        sums,
        progress: {
          finished: 100,
          finishedLate766: 0,
          pending: 0,
          pendingLate766: 0,
          resolutions: 1,
          resolutionWorkingMinutes: 480,
        },
        offeredOnlineWithDossiers: 10,
        feeProcedures: 2,
        paidOnlineProcedures: 2,
      }),
    );
    // Everything motcua can measure at its best: all but 1.1–1.3 (12), 4.4–4.6 (8) and 5.1 (0).
    expect(score.groupScores).toEqual({
      transparency: 6,
      progress: 20,
      online: 12,
      payment: 10,
      digitisation: 12,
      satisfaction: 18,
    });
    expect(score.totalScore).toBe(78);
  });
});
