import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, projectAll, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/** Who did it: names and units recorded with each event and shown beside the ids. */
let rt: TestRuntime;
let hoa: Record<string, string>;
let auditor: Record<string, string>;
let admin: Record<string, string>;

beforeAll(async () => {
  rt = await createTestRuntime("who-did-it");
  const bearer = async (claims: Parameters<TestRuntime["token"]>[0]) => ({
    authorization: `Bearer ${await rt.token(claims)}`,
  });
  hoa = await bearer({
    role: "officer",
    sub: "officer-ca-07",
    name: "Nguyễn Thị Hoa",
    unitId: UNITS.communeA.unitId,
  });
  auditor = await rt.auth("auditor");
  admin = await bearer({ role: "admin", sub: "admin-sở-nội-vụ", name: "Quản trị hệ thống" });
  rt.clock.set("2025-03-12T09:00:00+07:00");
});
afterAll(async () => {
  await rt?.dispose();
});

type HistoryEvent = {
  type: string;
  actor: { id: string; name?: string; role: string; unitId: string | null; unitName?: string };
  recordedBy?: { id: string; name?: string; role: string };
};

const history = async (id: string) => {
  const response = await rt.app.inject({ url: `/dossiers/${id}/history`, headers: auditor });
  expect(response.statusCode, response.body).toBe(200);
  return response.json() as { events: HistoryEvent[]; unitNames: Record<string, string> };
};

describe("who did it", () => {
  it("records the officer's name and unit with each event, and names the units beside their ids", async () => {
    const { dossierId } = (
      await rt.app.inject({ method: "POST", url: "/dossiers", payload: receiveBody(), headers: hoa })
    ).json();
    const transfer = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${dossierId}/transfer`,
      payload: { toUnitId: UNITS.department.unitId },
      headers: hoa,
    });
    expect(transfer.statusCode).toBe(200);
    const h = await history(dossierId);
    expect(h.events.map((e) => e.actor)).toEqual([
      {
        id: "officer-ca-07",
        name: "Nguyễn Thị Hoa",
        role: "officer",
        unitId: UNITS.communeA.unitId,
        unitName: UNITS.communeA.name,
      },
      expect.objectContaining({ name: "Nguyễn Thị Hoa", unitName: UNITS.communeA.name }),
    ]);
    expect(h.events.every((e) => e.recordedBy === undefined)).toBe(true);
    expect(h.unitNames).toEqual({
      [UNITS.communeA.unitId]: UNITS.communeA.name,
      [UNITS.department.unitId]: UNITS.department.name,
    });

    await projectAll(rt);
    const steps = await rt.app.inject({ url: `/dossiers/${dossierId}/steps`, headers: auditor });
    expect(
      steps.json().steps.map((s: { unitId: string; unitName: string }) => [s.unitId, s.unitName]),
    ).toEqual([
      [UNITS.communeA.unitId, UNITS.communeA.name],
      [UNITS.department.unitId, UNITS.department.name],
    ]);
    const delays = await rt.app.inject({
      url: `/reports/delays?unitId=${UNITS.province.unitId}&includeSubunits=true&from=2025-03-01&to=2025-03-12`,
      headers: auditor,
    });
    expect(delays.statusCode, delays.body).toBe(200);
    const byUnit = Object.fromEntries(
      delays.json().items.map((i: { unitId: string; unitName: string }) => [i.unitId, i.unitName]),
    );
    expect(byUnit[UNITS.communeA.unitId]).toBe(UNITS.communeA.name);
    expect(byUnit[UNITS.department.unitId]).toBe(UNITS.department.name);
  });

  it("an imported action carries the officer who really did it, recorded by the importing admin", async () => {
    const lan = {
      id: "hcm-ca-lan",
      name: "Cán bộ một cửa phường Phan Đình Phùng",
      unitId: UNITS.communeA.unitId,
    };
    const minh = { id: "dept-minh", name: "Chuyên viên Sở Xây dựng", unitId: UNITS.department.unitId };
    const response = await rt.app.inject({
      method: "POST",
      url: "/dossiers/import",
      headers: admin,
      payload: {
        ...receiveBody(),
        receivedAt: "2025-02-03T08:00:00+07:00",
        actor: lan,
        actions: [
          { action: "transfer", at: "2025-02-04T08:00:00+07:00", toUnitId: UNITS.department.unitId },
          { action: "resolve", at: "2025-02-05T08:00:00+07:00", outcome: "approved", actor: minh },
        ],
      },
    });
    expect(response.statusCode, response.body).toBe(201);
    const h = await history(response.json().dossierId);
    expect(h.events.map((e) => [e.type, e.actor.id, e.actor.name, e.actor.role, e.actor.unitName])).toEqual([
      ["DossierReceived", lan.id, lan.name, "officer", UNITS.communeA.name],
      ["DossierTransferred", lan.id, lan.name, "officer", UNITS.communeA.name],
      ["DossierResolved", minh.id, minh.name, "officer", UNITS.department.name],
    ]);
    for (const e of h.events)
      expect(e.recordedBy).toMatchObject({ id: "admin-sở-nội-vụ", name: "Quản trị hệ thống", role: "admin" });
  });

  it("an import without actors is recorded as the admin's own, as before", async () => {
    const response = await rt.app.inject({
      method: "POST",
      url: "/dossiers/import",
      headers: admin,
      payload: { ...receiveBody(), receivedAt: "2025-02-03T08:00:00+07:00", actions: [] },
    });
    const h = await history(response.json().dossierId);
    expect(h.events[0]?.actor).toMatchObject({
      id: "admin-sở-nội-vụ",
      name: "Quản trị hệ thống",
      role: "admin",
    });
    expect(h.events[0]?.recordedBy).toBeUndefined();
  });

  it("refuses an import action's officer of an unknown unit, naming the field, appending nothing", async () => {
    const response = await rt.app.inject({
      method: "POST",
      url: "/dossiers/import",
      headers: admin,
      payload: {
        ...receiveBody(),
        receivedAt: "2025-02-03T08:00:00+07:00",
        actions: [
          {
            action: "resolve",
            at: "2025-02-05T08:00:00+07:00",
            outcome: "approved",
            actor: { id: "x", name: "Cán bộ", unitId: "nowhere" },
          },
        ],
      },
    });
    expect(response.statusCode).toBe(400);
    expect(response.json().errors).toEqual([
      { path: "body.actions.0.actor.unitId", message: "must be a known unit" },
    ]);
  });
});
