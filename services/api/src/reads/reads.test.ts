import { dossierStreamId } from "@motcua/domain";
import { type ProjectableEvent, partitionOf, projectEvents, readModelSchemaName } from "@motcua/read-models";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

let rt: TestRuntime;
const at = (local: string) => `${local}:00+07:00`;
const PARTITIONS = 8;

/** Stands in for the projector: applies everything in the log, partition by partition. */
async function projectAll(): Promise<number> {
  const byPartition = new Map<number, ProjectableEvent[]>();
  let head = 0;
  for await (const e of rt.store.readAll()) {
    const p = partitionOf(e.streamId, PARTITIONS);
    const list = byPartition.get(p) ?? [];
    list.push(e);
    byPartition.set(p, list);
    head = e.position;
  }
  await rt.db.transaction().execute(async (trx) => {
    for (let p = 0; p < PARTITIONS; p++) {
      await projectEvents(trx as never, readModelSchemaName(1), p, byPartition.get(p) ?? [], {
        throughPosition: head,
      });
    }
  });
  return head;
}

async function post(url: string, body: object, headers: Record<string, string>) {
  const r = await rt.app.inject({ method: "POST", url, payload: body, headers });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json();
}

let officerA: Record<string, string>;
let analyst: Record<string, string>;
let ids: {
  resolvedEarly: string;
  late: string;
  pending: string;
  overdue: string;
  withdrawn: string;
  online: string;
};

beforeAll(async () => {
  rt = await createTestRuntime("reads", { env: { PROJECTION_PARTITIONS: String(PARTITIONS) } });
  officerA = await rt.auth("officer", UNITS.communeA.unitId);
  analyst = await rt.auth("analyst");
  rt.clock.set(at("2025-03-03T09:00"));
  const receive = async (extra: Record<string, unknown> = {}) =>
    (await post("/dossiers", receiveBody(extra), officerA)).dossierId as string;
  ids = {
    resolvedEarly: await receive(),
    late: await receive(),
    pending: await receive(),
    overdue: await receive(),
    withdrawn: await receive(),
    online: await receive({ channel: "online" }),
  };
  // Due Monday 10 March 09:00 (5 working days).
  rt.clock.set(at("2025-03-05T10:00"));
  await post(`/dossiers/${ids.resolvedEarly}/resolve`, { outcome: "approved" }, officerA);
  await post(`/dossiers/${ids.withdrawn}/withdraw`, { reason: "Rút hồ sơ" }, officerA);
  await post(
    `/dossiers/${ids.overdue}/transfer`,
    { toUnitId: UNITS.department.unitId, reason: "Liên thông thẩm định" },
    officerA,
  );
  rt.clock.set(at("2025-03-11T10:00"));
  await post(`/dossiers/${ids.late}/resolve`, { outcome: "rejected" }, officerA);
  await post(`/dossiers/${ids.online}/resolve`, { outcome: "approved" }, officerA);
  // The deadline watcher's command (no scheduler runs in this test).
  expect(await rt.service.markOverdue(ids.overdue)).toMatchObject({ status: "processing" });
  expect(await rt.service.markOverdue(ids.overdue)).toBeNull();
  expect(await rt.service.markOverdue(ids.resolvedEarly)).toBeNull();
  await projectAll();
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
