import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { marchScenario } from "../test-read-scenario";
import { type TestRuntime, UNITS } from "../test-runtime";

let rt: TestRuntime;
let analyst: Record<string, string>;

beforeAll(async () => {
  ({ rt, analyst } = await marchScenario("reports_monthly"));
});
afterAll(async () => {
  await rt?.dispose();
});

describe("GET /reports/monthly", () => {
  it("answers each month as the 06a and the indicators answer it for that month alone", async () => {
    const today = "2025-03-11";
    const r = await rt.app.inject({
      url: `/reports/monthly?unitId=${UNITS.province.unitId}&to=${today}&months=3&includeSubunits=true`,
      headers: analyst,
    });
    expect(r.statusCode, r.body).toBe(200);
    const { months, position } = r.json();
    expect(months.map((m: { month: string }) => m.month)).toEqual(["2025-01", "2025-02", "2025-03"]);
    expect(months[0]).toMatchObject({ from: "2025-01-01", to: "2025-01-31", received: 0, onTimeRate: null });
    expect(months[1]).toMatchObject({ from: "2025-02-01", to: "2025-02-28" });
    const query = `unitId=${UNITS.province.unitId}&from=2025-03-01&to=${today}&includeSubunits=true`;
    const report = (await rt.app.inject({ url: `/reports/06a?${query}`, headers: analyst })).json();
    const figures = (await rt.app.inject({ url: `/indicators?${query}`, headers: analyst })).json();
    expect(months[2]).toEqual({
      month: "2025-03",
      from: "2025-03-01",
      to: today,
      received: report.total.receivedOnline + report.total.receivedDirect,
      resolved: report.total.resolved,
      resolvedLate: report.total.resolvedLate,
      pendingOverdue: report.total.pendingOverdue,
      onTimeRate: figures.onTimeRate,
      progressScore766: figures.progressScore766,
    });
    expect(months[2].received).toBe(6);
    expect(position).toBe(report.position);
  });

  it("refuses a last month after today, naming the parameter", async () => {
    const r = await rt.app.inject({
      url: `/reports/monthly?unitId=${UNITS.province.unitId}&to=2025-04-01`,
      headers: analyst,
    });
    expect(r.statusCode).toBe(400);
    expect(r.json().errors).toEqual([
      { path: "query.to", message: "must be a date (YYYY-MM-DD) not after today" },
    ]);
  });
});
