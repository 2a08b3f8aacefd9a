import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { at } from "../test-read-scenario";
import { createTestRuntime, projectAll, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/**
 * What motcua records for the 766 beyond the 06a: the synchronisation with the national portal (1.4), the
 * electronic result (4.1), documents reused from digitised data (4.3) and how fees were paid (P.A–P.C).
 * Commune A, four dossiers received on Monday 3 March 2025 at the counter: d1 and d2 pay fees (d1 online
 * through the national portal, d2 at the counter) and are resolved, approved; d1's result is issued
 * electronically; d3 reuses a digitised document; d1 and d2 are synchronised with the national portal.
 */
let rt: TestRuntime;
let analyst: Record<string, string>;
let officer: Record<string, string>;
const ids: string[] = [];

const post = async (url: string, payload: object) =>
  rt.app.inject({ method: "POST", url, payload, headers: officer });

beforeAll(async () => {
  rt = await createTestRuntime("indicators_766_events");
  officer = await rt.auth("officer", UNITS.communeA.unitId);
  analyst = await rt.auth("analyst");
  rt.clock.set(at("2025-03-03T09:00"));
  for (let i = 0; i < 4; i++) {
    const documents =
      i === 2 ? [{ name: "Giấy chứng nhận đã số hóa", digitized: true, reused: true }] : undefined;
    const r = await post("/dossiers", receiveBody(documents ? { documents } : {}));
    expect(r.statusCode, r.body).toBe(201);
    ids.push(r.json().dossierId);
  }
  const [d1, d2] = ids as [string, string];
  rt.clock.set(at("2025-03-04T09:00"));
  for (const [id, method] of [
    [d1, "online_national_portal"],
    [d2, "counter"],
  ] as const) {
    expect(
      (await post(`/dossiers/${id}/fee-request`, { reason: "Lệ phí cấp phép", amount: 50_000 })).statusCode,
    ).toBe(200);
    const paid = await post(`/dossiers/${id}/fee-paid`, { method });
    expect(paid.statusCode, paid.body).toBe(200);
    expect((await post(`/dossiers/${id}/resolve`, { outcome: "approved" })).statusCode).toBe(200);
    expect((await post(`/dossiers/${id}/national-portal-sync`, {})).statusCode).toBe(200);
  }
  const issued = await post(`/dossiers/${d1}/electronic-result`, {});
  expect(issued.statusCode, issued.body).toBe(200);
  await projectAll(rt);
});
afterAll(async () => {
  await rt?.dispose();
});

describe("the 766 sub-indicators fed by what officers record", () => {
  it("counts synchronisation, electronic results, reuse and online payments, by hand", async () => {
    const response = await rt.app.inject({
      url: `/indicators/766?unitId=${UNITS.communeA.unitId}&period=month&date=2025-03-04`,
      headers: analyst,
    });
    expect(response.statusCode, response.body).toBe(200);
    const i = new Map(
      (response.json().indicators as { id: string }[]).map((x) => [x.id, x as Record<string, unknown>]),
    );
    // 1.4: 2 of 4 synchronised → 6 × 50 %.
    expect(i.get("1.4")).toMatchObject({ value: 50, score: 3 });
    expect(i.get("1.4")?.missingData).toBeUndefined();
    // 3.3: no online receipt (0 × the sync rate).
    expect(i.get("3.3")).toMatchObject({ value: 0, score: 0 });
    // 4.1: 1 electronic result of 2 approved results → 6 × 50 %.
    expect(i.get("4.1")).toMatchObject({ value: 50, score: 3 });
    // 4.3: 1 of 4 reused = 25 %; full points at 80 % → 2 × 25 / 80 = 0.625 → 0.63.
    expect(i.get("4.3")).toMatchObject({ value: 25, score: 0.63 });
    // P.A: 1 of 2 payments online → 6 × 0.5; P.B: the one fee procedure was paid online → 2;
    // P.C: the one online payment went through the national portal → 2.
    expect(i.get("P.A")).toMatchObject({ value: 50, score: 3 });
    expect(i.get("P.B")).toMatchObject({ value: 100, score: 2 });
    expect(i.get("P.C")).toMatchObject({ value: 100, score: 2 });
    expect(response.json().groupScores.payment).toBe(7);
  });

  it("an electronic result is refused before resolution and a second time, and nothing is recorded", async () => {
    const pending = await post(`/dossiers/${ids[3]}/electronic-result`, {});
    expect(pending.statusCode).toBe(422);
    expect(pending.json().code).toBe("dossier.not_resolved");
    const again = await post(`/dossiers/${ids[0]}/electronic-result`, {});
    expect(again.statusCode).toBe(422);
    expect(again.json().code).toBe("result.already_issued_electronically");
    const synced = await post(`/dossiers/${ids[0]}/national-portal-sync`, {});
    expect(synced.statusCode).toBe(422);
    expect(synced.json().code).toBe("sync.already_recorded");
  });

  it("a payment method that is not one of the three is 400 naming method", async () => {
    const response = await post(`/dossiers/${ids[3]}/fee-paid`, { method: "cash" });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors[0].path).toBe("body.method");
  });
});
