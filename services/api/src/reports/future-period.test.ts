import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, projectAll, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/** A report whose period reaches past today answers as of today, and says so. */
let rt: TestRuntime;
let officer: Record<string, string>;
let analyst: Record<string, string>;

beforeAll(async () => {
  rt = await createTestRuntime("future-period");
  officer = await rt.auth("officer", UNITS.communeA.unitId);
  analyst = await rt.auth("analyst");
  // Received Wednesday 12 March 2025, due Wednesday 19 March (5 working days); today is 12 March.
  rt.clock.set("2025-03-12T09:00:00+07:00");
  const r = await rt.app.inject({
    method: "POST",
    url: "/dossiers",
    payload: receiveBody(),
    headers: officer,
  });
  expect(r.statusCode).toBe(201);
  await projectAll(rt);
});
afterAll(async () => {
  await rt?.dispose();
});

const report = (path: string, from: string, to: string) =>
  rt.app.inject({ url: `${path}?unitId=${UNITS.communeA.unitId}&from=${from}&to=${to}`, headers: analyst });

describe("a period that reaches into the future", () => {
  it("06a counts a dossier due next week as pending in time, not overdue on days that have not come", async () => {
    const response = await report("/reports/06a", "2025-03-01", "2025-03-31");
    expect(response.statusCode, response.body).toBe(200);
    const body = response.json();
    expect(body).toMatchObject({ from: "2025-03-01", to: "2025-03-31", asOf: "2025-03-12", toCapped: true });
    expect(body.total).toMatchObject({ received: 1, pending: 1, pendingInTime: 1, pendingOverdue: 0 });
  });

  it("a past period is answered as asked", async () => {
    const response = await report("/reports/06a", "2025-03-01", "2025-03-12");
    expect(response.json()).toMatchObject({ asOf: "2025-03-12", toCapped: false });
  });

  it("the indicators and the delays say the same", async () => {
    for (const path of ["/indicators", "/reports/delays"]) {
      const response = await report(path, "2025-03-01", "2025-12-31");
      expect(response.statusCode, response.body).toBe(200);
      expect(response.json()).toMatchObject({ asOf: "2025-03-12", toCapped: true });
    }
  });

  it("a period that has not begun is 400 naming `from`", async () => {
    const response = await report("/reports/06a", "2025-04-01", "2025-04-30");
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([{ path: "query.from", message: expect.any(String) }]);
  });
});
