import { describe, expect, it } from "vitest";
import { deciderSpecification } from "../decider-specification.test-support";
import type { DossierCommand } from "../dossier/commands";
import { dossierDecider } from "../dossier/decide";
import { FREE_TEXT_PATHS, withoutPersonalData } from "../dossier/events";
import { ctx, history, receive } from "../dossier/fixtures.test-support";
import { meanScore, RATING_CRITERIA, RatingScoresSchema } from "./criteria";

const spec = deciderSpecification(dossierDecider);
const citizen = { id: "citizen", role: "citizen" as const, unitId: null };

const SCORES = {
  overall: 5,
  convenience: 4,
  punctuality: 5,
  staff_conduct: 5,
  total_time: 4,
  agency_time: 4,
  contact_rounds: 5,
  agencies_contacted: 5,
  one_stop: 4,
  disclosure: 3,
};
const rate = (comment?: string): DossierCommand => ({
  type: "RateDossier",
  data: { scores: SCORES, ...(comment === undefined ? {} : { comment }) },
});
const resolved = () =>
  history([
    [receive(), "2025-03-12T09:00"],
    [{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-14T09:00"],
  ]).events;
const returned = () =>
  history([
    [receive(), "2025-03-12T09:00"],
    [{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-14T09:00"],
    [{ type: "ReturnResult", data: { method: "counter" } }, "2025-03-14T10:00"],
  ]).events;

describe("rating a returned dossier", () => {
  it("records the scores and the comment, at the moment of rating", () => {
    spec
      .given(returned())
      .when(rate("Cán bộ hướng dẫn tận tình"), ctx("2025-03-20T20:15", { actor: citizen }))
      .thenEvents([
        {
          type: "DossierRated",
          schemaVersion: 1,
          data: { scores: SCORES, comment: "Cán bộ hướng dẫn tận tình", at: "2025-03-20T20:15:00.000+07:00" },
        },
      ]);
  });

  it("records no comment as null, and keeps the dossier returned", () => {
    spec
      .given(returned())
      .when(rate(""), ctx("2025-03-20T20:15", { actor: citizen }))
      .thenState((s) => {
        expect(s.status).toBe("returned");
        expect(s.status !== "none" && "ratedAt" in s ? s.ratedAt : null).toBe(
          "2025-03-20T20:15:00.000+07:00",
        );
      });
  });

  it("is refused a second time", () => {
    const first = dossierDecider.decide(rate(), dossierDecider.initialState(), ctx("2025-03-20T20:15"));
    expect(first.ok).toBe(false);
    const once = history([
      [receive(), "2025-03-12T09:00"],
      [{ type: "ResolveDossier", data: { outcome: "approved" } }, "2025-03-14T09:00"],
      [{ type: "ReturnResult", data: { method: "counter" } }, "2025-03-14T10:00"],
      [rate(), "2025-03-20T20:15", { actor: citizen }],
    ]).events;
    const refusal = spec
      .given(once)
      .when(rate(), ctx("2025-03-21T08:00", { actor: citizen }))
      .thenRefused("rating.already_rated");
    expect(refusal.message).toContain("2025-03-20T20:15:00.000+07:00");
  });

  it("is refused before the result is returned, and for a dossier that does not exist", () => {
    spec.given(resolved()).when(rate(), ctx("2025-03-14T09:30")).thenRefused("rating.not_returned");
    spec
      .given(history([[receive(), "2025-03-12T09:00"]]).events)
      .when(rate(), ctx("2025-03-13T09:30"))
      .thenRefused("rating.not_returned");
    spec.given([]).when(rate(), ctx("2025-03-13T09:30")).thenRefused("dossier.not_found");
  });

  it("keeps the comment out of what read models and jobs see", () => {
    expect(FREE_TEXT_PATHS.DossierRated).toEqual(["comment"]);
    expect(
      withoutPersonalData("DossierRated", { scores: SCORES, comment: "Tôi là Nguyễn Văn A", at: "x" }),
    ).toEqual({ scores: SCORES, at: "x" });
  });
});

describe("the rating criteria", () => {
  it("accept every required criterion scored 1..5, the optional ones left out", () => {
    expect(RatingScoresSchema.safeParse(SCORES).success).toBe(true);
    expect(RatingScoresSchema.safeParse({ ...SCORES, online_service: 1 }).success).toBe(true);
  });

  it("refuse a score out of 1..5 or not whole, naming the criterion in Vietnamese", () => {
    for (const bad of [0, 6, 4.5]) {
      const result = RatingScoresSchema.safeParse({ ...SCORES, overall: bad });
      expect(result.success).toBe(false);
      expect(result.error?.issues[0]?.path).toEqual(["overall"]);
      expect(result.error?.issues[0]?.message).toContain("Đánh giá tổng thể dịch vụ");
    }
  });

  it("refuse an unknown criterion and a missing required one", () => {
    const unknown = RatingScoresSchema.safeParse({ ...SCORES, price: 5 });
    expect(unknown.error?.issues[0]?.message).toBe("Không có tiêu chí đánh giá “price”");
    const { disclosure: _missing, ...partial } = SCORES;
    const missing = RatingScoresSchema.safeParse(partial);
    expect(missing.error?.issues[0]?.path).toEqual(["disclosure"]);
  });

  it("have unique ids and Vietnamese labels; the mean is over the scores given", () => {
    expect(new Set(RATING_CRITERIA.map((c) => c.id)).size).toBe(RATING_CRITERIA.length);
    expect(meanScore({ overall: 5, convenience: 4, punctuality: 4 })).toBe(4.33);
  });
});
