import { dossierStreamId } from "@motcua/domain";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { at, type MarchDossiers, type MarchScenario, marchScenario } from "../../test-read-scenario";
import { receiveBody, type TestRuntime, UNITS } from "../../test-runtime";

let rt: TestRuntime;
let post: MarchScenario["post"];
let officerA: Record<string, string>;
let analyst: Record<string, string>;
let ids: MarchDossiers;

beforeAll(async () => {
  ({ rt, post, officerA, analyst, ids } = await marchScenario("reads"));
});
afterAll(async () => {
  await rt?.dispose();
});

describe("reads from the read models", () => {
  it("answers a dossier with the position its read model reflects", async () => {
    const r = await rt.app.inject({ method: "GET", url: `/dossiers/${ids.late}`, headers: officerA });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({
      status: "resolved",
      timeliness: "late",
      receivingUnitId: UNITS.communeA.unitId,
    });
    expect(Number(r.headers["x-read-position"])).toBe(r.json().position);
  });

  it("waits for ?minPosition and answers 503 with Retry-After when the read models do not get there", async () => {
    const head = await rt.store.headPosition();
    const ok = await rt.app.inject({
      method: "GET",
      url: `/dossiers/${ids.late}?minPosition=${head}`,
      headers: officerA,
    });
    expect(ok.statusCode).toBe(200);
    const behind = await rt.app.inject({
      method: "GET",
      url: `/dossiers/${ids.late}?minPosition=${head + 1000}`,
      headers: officerA,
    });
    expect(behind.statusCode).toBe(503);
    expect(behind.headers["retry-after"]).toBeDefined();
    expect(behind.json().code).toBe("read.position_not_reached");
  }, 15_000);

  it("lists the worklist of the officer's unit, overdue ones on request", async () => {
    const all = (await rt.app.inject({ method: "GET", url: "/dossiers?limit=2", headers: officerA })).json();
    expect(all.items).toHaveLength(2);
    expect(all.nextCursor).not.toBeNull();
    const officerDept = await rt.auth("officer", UNITS.department.unitId);
    const overdue = (
      await rt.app.inject({ method: "GET", url: "/dossiers?overdue=true", headers: officerDept })
    ).json();
    expect(overdue.items.map((d: { dossierId: string }) => d.dossierId)).toEqual([ids.overdue]);
    const other = await rt.app.inject({
      method: "GET",
      url: `/dossiers?unitId=${UNITS.department.unitId}`,
      headers: officerA,
    });
    expect(other.statusCode).toBe(403);
  });

  it("gives analysts aggregates only, and officers only their unit's reports", async () => {
    expect(
      (await rt.app.inject({ method: "GET", url: `/dossiers/${ids.late}`, headers: analyst })).statusCode,
    ).toBe(403);
    expect((await rt.app.inject({ method: "GET", url: "/dossiers", headers: analyst })).statusCode).toBe(403);
    const officerB = await rt.auth("officer", UNITS.communeB.unitId);
    const r = await rt.app.inject({
      method: "GET",
      url: `/reports/06a?unitId=${UNITS.communeA.unitId}&from=2025-03-01&to=2025-03-31`,
      headers: officerB,
    });
    expect(r.statusCode).toBe(403);
  });

  it("looks a dossier up by its code for the public, with nothing personal", async () => {
    const code = (
      await rt.app.inject({ method: "GET", url: `/dossiers/${ids.pending}`, headers: officerA })
    ).json().code;
    const r = await rt.app.inject({ method: "GET", url: `/public/dossiers/${code}` });
    expect(r.statusCode).toBe(200);
    expect(Object.keys(r.json()).sort()).toEqual([
      "code",
      "dueAt",
      "dueAtProvisional",
      "position",
      "promisedAt",
      "rated",
      "receivedAt",
      "status",
    ]);
    expect(r.body).not.toMatch(/Nguyễn|019085001234|0912345678/);
    expect(
      (await rt.app.inject({ method: "GET", url: "/public/dossiers/000.00.00.H19-250101-9999" })).statusCode,
    ).toBe(404);
  });

  it("shows each unit's holding in the process-control log", async () => {
    const r = (
      await rt.app.inject({
        method: "GET",
        url: `/dossiers/${ids.overdue}/steps`,
        headers: await rt.auth("auditor"),
      })
    ).json();
    expect(r.steps.map((s: { unitId: string; reason: string | null }) => [s.unitId, s.reason])).toEqual([
      [UNITS.communeA.unitId, null],
      [UNITS.department.unitId, "Liên thông thẩm định"],
    ]);
  });

  it("falls back to the event store for a dossier not projected yet", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const fresh = await post("/dossiers", receiveBody(), officerA);
    const r = await rt.app.inject({ method: "GET", url: `/dossiers/${fresh.dossierId}`, headers: officerA });
    expect(r.statusCode).toBe(200);
    expect(r.json()).toMatchObject({ status: "received", position: fresh.position });
    expect(dossierStreamId(fresh.dossierId)).toBe(`dossier-${fresh.dossierId}`);
  });
});
