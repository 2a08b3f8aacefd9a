import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { marchScenario } from "../test-read-scenario";
import { type TestRuntime, UNITS } from "../test-runtime";

let rt: TestRuntime;
let analyst: Record<string, string>;

beforeAll(async () => {
  ({ rt, analyst } = await marchScenario("reports"));
});
afterAll(async () => {
  await rt?.dispose();
});

describe("the 06a and the indicators from the read models", () => {
  it("reports 06a whose identities hold and whose counts match the dossiers' lives", async () => {
    const r = await rt.app.inject({
      method: "GET",
      url: `/reports/06a?unitId=${UNITS.province.unitId}&from=2025-03-01&to=2025-03-31&includeSubunits=true`,
      headers: analyst,
    });
    expect(r.statusCode, r.body).toBe(200);
    const t = r.json().total;
    expect(t).toMatchObject({
      received: 6,
      receivedOnline: 1,
      receivedDirect: 5,
      carriedOver: 0,
      resolved: 4, // early, late, online (late), withdrawn (counts on time)
      resolvedEarly: 1,
      resolvedOnTime: 1,
      resolvedLate: 2,
      pending: 2,
      pendingInTime: 0,
      pendingOverdue: 2,
    });
    expect(t.received).toBe(t.resolved + t.pending);
    expect(r.json().rows).toEqual([expect.objectContaining({ field: "Xây dựng", received: 6 })]);
    const ownUnitOnly = (
      await rt.app.inject({
        method: "GET",
        url: `/reports/06a?unitId=${UNITS.province.unitId}&from=2025-03-01&to=2025-03-31`,
        headers: analyst,
      })
    ).json();
    expect(ownUnitOnly.total.received).toBe(0);
  });

  it("reads a past period as it stood on its last day", async () => {
    const r = await rt.app.inject({
      method: "GET",
      url: `/reports/06a?unitId=${UNITS.communeA.unitId}&from=2025-03-01&to=2025-03-07`,
      headers: analyst,
    });
    expect(r.json().total).toMatchObject({
      received: 6,
      resolved: 2,
      pending: 4,
      pendingInTime: 4,
      pendingOverdue: 0,
    });
  });

  it("computes the indicators", async () => {
    const r = (
      await rt.app.inject({
        method: "GET",
        url: `/indicators?unitId=${UNITS.communeA.unitId}&from=2025-03-01&to=2025-03-31`,
        headers: analyst,
      })
    ).json();
    expect(r.onTimeRate).toBeCloseTo(2 / 4);
    expect(r.onlineShare).toBeCloseTo(1 / 6);
    expect(r.digitizedShare).toBeCloseTo(1);
  });

  it("refuses bad periods and unknown units with 400 naming the parameter", async () => {
    const bad = async (query: string, path: string) => {
      const r = await rt.app.inject({ method: "GET", url: `/reports/06a?${query}`, headers: analyst });
      expect(r.statusCode, r.body).toBe(400);
      expect(r.json().errors.map((e: { path: string }) => e.path)).toContain(path);
    };
    await bad(`unitId=${UNITS.communeA.unitId}&from=2025-03-31&to=2025-03-01`, "query.to");
    await bad(`unitId=${UNITS.communeA.unitId}&from=2025-02-30&to=2025-03-01`, "query.from");
    await bad(`unitId=${UNITS.communeA.unitId}&from=2015-01-01&to=2025-03-01`, "query.to");
    await bad("unitId=nowhere&from=2025-03-01&to=2025-03-31", "query.unitId");
  });
});
