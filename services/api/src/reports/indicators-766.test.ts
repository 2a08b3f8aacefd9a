import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { marchScenario } from "../test-read-scenario";
import { type TestRuntime, UNITS } from "../test-runtime";

/**
 * `GET /indicators/766` and `GET /rankings/766` over commune A's March 2025 (see `marchScenario`): six
 * dossiers received on 3 March under the commune-level procedure "permit" (offered online, partially),
 * five at the counter and one online, every document digitised; by 11 March (today) one resolved early
 * and one withdrawn in time, two resolved on 11 March after their due moment (10 March), two pending and
 * overdue. The test runtime knows two commune-level procedures, both offered online.
 */
let rt: TestRuntime;
let analyst: Record<string, string>;
let officerA: Record<string, string>;

beforeAll(async () => {
  ({ rt, analyst, officerA } = await marchScenario("indicators_766"));
});
afterAll(async () => {
  await rt?.dispose();
});

const get = (path: string, query: Record<string, string>, headers = analyst) =>
  rt.app.inject({ url: `${path}?${new URLSearchParams(query)}`, headers });

type Indicator = { id: string; value: number | null; score: number; max: number; missingData?: string };
const byId = (indicators: Indicator[]) => new Map(indicators.map((i) => [i.id, i]));

describe("the 766 score of a unit", () => {
  it("scores every sub-indicator from the dossiers, by hand", async () => {
    const response = await get("/indicators/766", {
      unitId: UNITS.communeA.unitId,
      period: "month",
      date: "2025-03-11",
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({
      unitId: UNITS.communeA.unitId,
      period: "month",
      from: "2025-03-01",
      to: "2025-03-31",
      asOf: "2025-03-11",
    });
    const i = byId(body.indicators);
    // 2.1: (4 finished − 2 late + 2 pending − 2 overdue) / 6 → 20 × 1/3.
    expect(i.get("2.1")).toMatchObject({ value: 33.33, score: 6.67, max: 20 });
    // 3.1: both procedures the commune may receive are offered online (full points from 80 %).
    expect(i.get("3.1")).toMatchObject({ value: 100, score: 2, max: 2 });
    // 3.2: of the two online procedures, one had an online receipt.
    expect(i.get("3.2")).toMatchObject({ value: 50, score: 2, max: 4 });
    // 3.3: 1 online of 6 received = 16.67 %; full points from 50 % → 6 × 16.67 / 50 = 2.
    expect(i.get("3.3")).toMatchObject({ value: 16.67, score: 2, max: 6 });
    // 4.2: 6 of 6 digitised at intake.
    expect(i.get("4.2")).toMatchObject({ value: 100, score: 4, max: 4 });
    // 4.3: none reused.
    expect(i.get("4.3")).toMatchObject({ value: 0, score: 0, max: 2 });
    // No synchronisation and no electronic result recorded: missing, not a silent zero.
    expect(i.get("1.4")).toMatchObject({
      value: null,
      score: 0,
      missingData: "Chưa ghi nhận lần đồng bộ hồ sơ nào với Cổng DVCQG trong kỳ",
    });
    expect(i.get("4.1")).toMatchObject({
      value: null,
      score: 0,
      missingData: expect.stringContaining("kết quả điện tử"),
    });
    // Nothing the portal reads from outside motcua.
    for (const id of ["1.1", "1.2", "1.3", "4.4", "4.5a", "4.5b", "4.6"]) {
      expect(i.get(id), id).toMatchObject({ score: 0, missingData: expect.any(String) });
    }
    // No feedback to handle: full points; 5.4 = 2.1's rate (1/3), no rating unsatisfied → 6 × (1/3) / 90 %.
    expect(i.get("5.1")).toMatchObject({ score: 0, max: 0, missingData: expect.any(String) });
    expect(i.get("5.2")).toMatchObject({ value: null, score: 6, max: 6 });
    expect(i.get("5.3")).toMatchObject({ value: null, score: 6, max: 6 });
    expect(i.get("5.4")).toMatchObject({ value: 33.33, score: 2.22, max: 6 });
    // No fees requested: nothing counted.
    for (const id of ["P.A", "P.B", "P.C"]) expect(i.get(id), id).toMatchObject({ value: null, score: 0 });
    expect(body.groupScores).toEqual({
      transparency: 0,
      progress: 6.67,
      online: 6,
      payment: 0,
      digitisation: 4,
      satisfaction: 14.22,
    });
    expect(body.totalScore).toBe(30.89);
  });

  it("the progress group equals the existing indicator's progress score", async () => {
    const [score, indicators] = await Promise.all([
      get("/indicators/766", { unitId: UNITS.communeA.unitId, period: "month", date: "2025-03-11" }),
      get("/indicators", { unitId: UNITS.communeA.unitId, from: "2025-03-01", to: "2025-03-11" }),
    ]);
    expect(score.json().groupScores.progress).toBe(
      Math.round(indicators.json().progressScore766 * 100) / 100,
    );
  });

  it("the total is the sum of the groups, the groups the sums of their sub-indicators, for every unit and period", async () => {
    for (const unitId of Object.values(UNITS).map((u) => u.unitId)) {
      for (const period of ["month", "quarter", "year"]) {
        const body = (
          await get("/indicators/766", { unitId, period, date: "2025-03-11", includeSubunits: "true" })
        ).json();
        const hundredths = (n: number) => Math.round(n * 100);
        const groups = Object.values(body.groupScores as Record<string, number>).map(hundredths);
        expect(hundredths(body.totalScore), `${unitId} ${period}`).toBe(groups.reduce((a, b) => a + b, 0));
        for (const [group, points] of Object.entries(body.groupScores as Record<string, number>)) {
          const subs = (body.indicators as (Indicator & { group: string })[]).filter(
            (x) => x.group === group,
          );
          expect(hundredths(points), group).toBe(subs.reduce((a, s) => a + hundredths(s.score), 0));
        }
        const maxima = (body.indicators as Indicator[]).reduce((a, s) => a + s.max, 0);
        expect(maxima).toBe(100);
      }
    }
  });

  it("a quarter and a year read the same dossiers as their month here", async () => {
    const quarter = (
      await get("/indicators/766", { unitId: UNITS.communeA.unitId, period: "quarter", date: "2025-02-01" })
    ).json();
    expect(quarter).toMatchObject({
      from: "2025-01-01",
      to: "2025-03-31",
      asOf: "2025-03-11",
      totalScore: 30.89,
    });
    const year = (
      await get("/indicators/766", { unitId: UNITS.communeA.unitId, period: "year", date: "2025-01-15" })
    ).json();
    expect(year).toMatchObject({ from: "2025-01-01", to: "2025-12-31", totalScore: 30.89 });
  });

  it("an officer reads their own unit, not another", async () => {
    const own = await get("/indicators/766", { unitId: UNITS.communeA.unitId, period: "month" }, officerA);
    expect(own.statusCode, own.body).toBe(200);
    const other = await get("/indicators/766", { unitId: UNITS.communeB.unitId, period: "month" }, officerA);
    expect(other.statusCode).toBe(403);
  });
});

describe("bad input to the 766", () => {
  it("a period that is not a month, quarter or year is 400 naming period, in Vietnamese", async () => {
    const response = await get("/indicators/766", { unitId: UNITS.communeA.unitId, period: "week" });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: "query.period", message: "phải là month, quarter hoặc year (tháng, quý hoặc năm)" },
    ]);
  });

  it("a date after today is 400 naming date", async () => {
    for (const [path, unit] of [
      ["/indicators/766", { unitId: UNITS.communeA.unitId }],
      ["/rankings/766", { parentId: UNITS.province.unitId }],
    ] as const) {
      const response = await get(path, { ...unit, period: "month", date: "2025-03-12" });
      expect(response.statusCode, path).toBe(400);
      expect(response.json().errors).toEqual([{ path: "query.date", message: "không được sau hôm nay" }]);
    }
  });

  it("a date that is no day is 400 naming date", async () => {
    const response = await get("/indicators/766", {
      unitId: UNITS.communeA.unitId,
      period: "month",
      date: "2025-02-30",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].path).toBe("query.date");
  });

  it("an unknown ranking key is 400 naming by", async () => {
    const response = await get("/rankings/766", {
      parentId: UNITS.province.unitId,
      period: "month",
      by: "speed",
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].path).toBe("query.by");
  });
});

describe("the 766 rankings", () => {
  it("ranks the units under a parent by total, with ties sharing a rank, and the change from February", async () => {
    const response = await get("/rankings/766", {
      parentId: UNITS.province.unitId,
      period: "month",
      date: "2025-03-11",
    });
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    // Commune A 30.89; commune B 14: 3.1 (2 points: both its procedures are online) and 5.2, 5.3 (no
    // feedback: full points); the department may receive neither procedure: 12. In February A and B
    // both had 14: tied first.
    expect(
      body.items.map((x: Record<string, unknown>) => [
        x.unitId,
        x.rank,
        x.totalScore,
        x.change,
        x.scoreChange,
        x.band,
      ]),
    ).toEqual([
      [UNITS.communeA.unitId, 1, 30.89, 0, 16.89, "yếu"],
      [UNITS.communeB.unitId, 2, 14, -1, 0, "yếu"],
      [UNITS.department.unitId, 3, 12, 0, 0, "yếu"],
    ]);
    expect(body.bands).toEqual([
      { band: "xuất sắc", from: 90 },
      { band: "tốt", from: 80 },
      { band: "khá", from: 65 },
      { band: "trung bình", from: 50 },
    ]);
  });

  it("ranks by one group, sharing ranks on equal points", async () => {
    const body = (
      await get("/rankings/766", {
        parentId: UNITS.province.unitId,
        period: "month",
        date: "2025-03-11",
        by: "payment",
      })
    ).json();
    expect(body.items.map((x: { rank: number; value: number }) => [x.rank, x.value])).toEqual([
      [1, 0],
      [1, 0],
      [1, 0],
    ]);
  });

  it("each unit's figures in the ranking are its own 766 with its subunits", async () => {
    const body = (
      await get("/rankings/766", { parentId: UNITS.province.unitId, period: "quarter", date: "2025-03-11" })
    ).json();
    for (const item of body.items) {
      const own = (
        await get("/indicators/766", {
          unitId: item.unitId,
          period: "quarter",
          date: "2025-03-11",
          includeSubunits: "true",
        })
      ).json();
      expect(item.groupScores).toEqual(own.groupScores);
      expect(item.totalScore).toBe(own.totalScore);
    }
  });
});
