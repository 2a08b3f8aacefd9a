import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { marchScenario } from "../test-read-scenario";
import { type TestRuntime, UNITS } from "../test-runtime";

let rt: TestRuntime;
let analyst: Record<string, string>;

beforeAll(async () => {
  ({ rt, analyst } = await marchScenario("reports_voice"));
});
afterAll(async () => {
  await rt?.dispose();
});

const QUERY = `unitId=${UNITS.province.unitId}&from=2025-03-01&to=2025-03-31&includeSubunits=true`;

describe("GET /reports/ratings, the ratings in figures for the board", () => {
  it("answers ratings: none given, the returned dossiers counted, shares null", async () => {
    const r = await rt.app.inject({ url: `/reports/ratings?${QUERY}`, headers: analyst });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.json()).toMatchObject({ rated: 0, satisfied: 0, satisfiedShare: null, averageScore: null });
    expect(typeof r.json().returned).toBe("number");
  });

  it("refuses an officer another unit's figures, as every report does", async () => {
    const officerB = await rt.auth("officer", UNITS.communeB.unitId);
    const r = await rt.app.inject({ url: `/reports/ratings?${QUERY}`, headers: officerB });
    expect(r.statusCode).toBe(403);
  });
});
