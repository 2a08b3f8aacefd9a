import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, projectAll, receiveBody, type TestRuntime, UNITS } from "../../test-runtime";

/** Worklists officers can use: open dossiers, due soon, the applicant for the holder; overdue for analysts. */
let rt: TestRuntime;
let officerA: Record<string, string>;
let officerDept: Record<string, string>;
let ids: {
  overdue: string;
  dueSoon: string;
  later: string;
  resolved: string;
  paused: string;
  transferred: string;
};
const APPLICANT = receiveBody().applicant;

beforeAll(async () => {
  rt = await createTestRuntime("worklist");
  officerA = await rt.auth("officer", UNITS.communeA.unitId);
  officerDept = await rt.auth("officer", UNITS.department.unitId);
  const post = async (url: string, payload: object, headers = officerA) => {
    const r = await rt.app.inject({ method: "POST", url, payload, headers });
    expect(r.statusCode, r.body).toBeLessThan(300);
    return r.json();
  };
  const receive = async () => (await post("/dossiers", receiveBody())).dossierId as string;
  // 5 working days each: received Mon 3 March 09:00 → due Mon 10 March 09:00 (overdue on 12 March).
  rt.clock.set("2025-03-03T09:00:00+07:00");
  const overdue = await receive();
  const transferred = await receive();
  // Received Thu 6 March 09:00 → due Thu 13 March 09:00: 8 working hours after "now" (due soon).
  rt.clock.set("2025-03-06T09:00:00+07:00");
  const dueSoon = await receive();
  const resolved = await receive();
  rt.clock.set("2025-03-06T10:00:00+07:00");
  const paused = await receive();
  // Now: Wed 12 March 09:00. Received now → due 19 March: not due soon.
  rt.clock.set("2025-03-12T09:00:00+07:00");
  const later = await receive();
  await post(`/dossiers/${resolved}/resolve`, { outcome: "approved" });
  await post(`/dossiers/${paused}/supplement-request`, { reason: "Thiếu bản vẽ" });
  await post(`/dossiers/${transferred}/transfer`, { toUnitId: UNITS.department.unitId });
  expect(await rt.service.markOverdue(overdue)).not.toBeNull();
  // The transfer, after its due moment, recorded its overdue event first (the watcher has nothing to add).
  expect(await rt.service.markOverdue(transferred)).toBeNull();
  ids = { overdue, dueSoon, later, resolved, paused, transferred };
  await projectAll(rt);
});
afterAll(async () => {
  await rt?.dispose();
});

type Item = { dossierId: string; overdue: boolean; dueSoon: boolean; applicantName?: string | null };
const worklist = async (query: string, headers: Record<string, string>) => {
  const response = await rt.app.inject({ url: `/dossiers?${query}`, headers });
  expect(response.statusCode, response.body).toBe(200);
  return response.json().items as Item[];
};

describe("the officer's worklist", () => {
  it("status=open lists every pending dossier, overdue first, then by due moment", async () => {
    const items = await worklist("status=open", officerA);
    expect(items.map((i) => i.dossierId)).toEqual([ids.overdue, ids.dueSoon, ids.paused, ids.later]);
    expect(items[0]?.overdue).toBe(true);
  });

  it("flags the dossiers due within the next 24 working hours", async () => {
    const items = await worklist("status=open", officerA);
    const flag = Object.fromEntries(items.map((i) => [i.dossierId, i.dueSoon]));
    expect(flag).toEqual({
      [ids.overdue]: false,
      [ids.dueSoon]: true,
      [ids.paused]: true,
      [ids.later]: false,
    });
  });

  it("shows the applicant's name to the officer of the holding unit, and to nobody else", async () => {
    const mine = await worklist("status=open", officerA);
    expect(mine.every((i) => i.applicantName === APPLICANT.name)).toBe(true);
    const dept = await worklist("status=open", officerDept);
    expect(dept.map((i) => [i.dossierId, i.applicantName])).toEqual([[ids.transferred, APPLICANT.name]]);

    const auditor = await rt.app.inject({
      url: `/dossiers?status=open&unitId=${UNITS.communeA.unitId}`,
      headers: await rt.auth("auditor"),
    });
    expect(auditor.json().items).toHaveLength(4);
    expect(auditor.body).not.toContain(APPLICANT.name);
    expect(auditor.json().items[0]).not.toHaveProperty("applicantName");
    // A unit that held the dossier before finds it by code, but the applicant stays with the holder.
    const code = (await rt.app.inject({ url: `/dossiers/${ids.transferred}`, headers: officerA })).json()
      .code;
    const byCode = await rt.app.inject({ url: `/dossiers?code=${code}`, headers: officerA });
    expect(byCode.json().items).toHaveLength(1);
    expect(byCode.body).not.toContain(APPLICANT.name);
  });
});

describe("the overdue list for analysts", () => {
  it("lists overdue dossiers with the holding unit, procedure, dueAt and days overdue, nothing personal", async () => {
    const analyst = await rt.auth("analyst");
    const response = await rt.app.inject({
      url: `/reports/overdue?unitId=${UNITS.province.unitId}&includeSubunits=true`,
      headers: analyst,
    });
    expect(response.statusCode, response.body).toBe(200);
    const items = response.json().items;
    // Both were due at the same moment: their order is by id.
    expect(items).toHaveLength(2);
    expect(items).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          dossierId: ids.overdue,
          procedureId: "permit",
          holdingUnitId: UNITS.communeA.unitId,
          holdingUnitName: UNITS.communeA.name,
          dueAt: expect.stringMatching(/^2025-03-10T09:00/),
          daysOverdue: 2,
        }),
        expect.objectContaining({
          dossierId: ids.transferred,
          receivingUnitId: UNITS.communeA.unitId,
          holdingUnitId: UNITS.department.unitId,
          holdingUnitName: UNITS.department.name,
        }),
      ]),
    );
    for (const personal of [APPLICANT.name, APPLICANT.idNumber, APPLICANT.phone])
      expect(response.body).not.toContain(personal);
  });

  it("is by holding unit, and officers read it for their own subtree only", async () => {
    const mine = await rt.app.inject({
      url: `/reports/overdue?unitId=${UNITS.communeA.unitId}`,
      headers: officerA,
    });
    expect(mine.json().items.map((i: { dossierId: string }) => i.dossierId)).toEqual([ids.overdue]);
    const other = await rt.app.inject({
      url: `/reports/overdue?unitId=${UNITS.department.unitId}`,
      headers: officerA,
    });
    expect(other.statusCode).toBe(403);
  });
});
