import { type ProjectableEvent, partitionOf, projectEvents, readModelSchemaName } from "@motcua/read-models";
import { putUnit } from "@motcua/reference-data";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/**
 * The rules the decider enforces beyond the state machine, over HTTP: where a procedure may be received
 * and which way it travels (receivableAt, interLevels), units that ceased (validTo, successor), and the
 * promised moment of an apology.
 */
let rt: TestRuntime;
const at = (local: string) => `${local}:00+07:00`;
const PARTITIONS = 8;
let admin: Record<string, string>;
let officerA: Record<string, string>;
let officerOld: Record<string, string>;

const OLD = { unitId: "old", code: "055.40.00.H19", name: "UBND xã Cũ", level: "commune", parentId: "p" };

async function request(method: "POST" | "PUT" | "GET", url: string, headers: object, body?: object) {
  const r = await rt.app.inject({
    method,
    url,
    headers: headers as never,
    ...(body ? { payload: body } : {}),
  });
  return { status: r.statusCode, body: r.json() as Record<string, unknown> };
}

async function projectAll(): Promise<number> {
  const byPartition = new Map<number, ProjectableEvent[]>();
  let head = 0;
  for await (const e of rt.store.readAll()) {
    const p = partitionOf(e.streamId, PARTITIONS);
    byPartition.set(p, [...(byPartition.get(p) ?? []), e]);
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

beforeAll(async () => {
  rt = await createTestRuntime("rules", { env: { PROJECTION_PARTITIONS: String(PARTITIONS) } });
  admin = await rt.auth("admin");
  officerA = await rt.auth("officer", UNITS.communeA.unitId);
  officerOld = await rt.auth("officer", OLD.unitId);
  const procedure = (extra: object) => ({
    name: "Thủ tục",
    field: "Địa chất và khoáng sản",
    timeLimit: { value: 5, unit: "working_days" },
    onlineService: "none",
    ...extra,
  });
  for (const [id, body] of [
    ["mining", procedure({ code: "1.004345", level: "department" })],
    [
      "civil",
      procedure({ code: "1.000894", level: "commune", receivableAt: ["commune"], interLevels: ["commune"] }),
    ],
    [
      "land",
      procedure({
        code: "1.004221",
        level: "commune",
        interLevel: true,
        interLevels: ["commune", "department"],
      }),
    ],
  ] as const) {
    const put = await request("PUT", `/procedures/${id}`, admin, body);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
  }
  await putUnit(rt.db, OLD, "test-admin", at("2025-01-01T00:00"));
});
afterAll(async () => {
  await rt?.dispose();
});

describe("competence over HTTP", () => {
  it("keeps receivableAt and interLevels on the procedure's version", async () => {
    const list = await request("GET", "/procedures", admin);
    const civil = (list.body.items as Record<string, unknown>[] | undefined)?.find(
      (p) => p.procedureId === "civil",
    );
    expect(civil).toMatchObject({ receivableAt: ["commune"], interLevels: ["commune"] });
  });

  it("refuses a department's procedure at a commune's counter (422 dossier.unit_not_competent)", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const r = await request("POST", "/dossiers", officerA, receiveBody({ procedureId: "mining" }));
    expect(r.status).toBe(422);
    expect(r.body.code).toBe("dossier.unit_not_competent");
  });

  it("refuses a civil-status transfer to another commune or to the province (422 dossier.transfer_off_path)", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const received = await request("POST", "/dossiers", officerA, receiveBody({ procedureId: "civil" }));
    expect(received.status).toBe(201);
    for (const toUnitId of [UNITS.communeB.unitId, UNITS.province.unitId]) {
      const r = await request("POST", `/dossiers/${received.body.dossierId}/transfer`, officerA, {
        toUnitId,
      });
      expect(r.status).toBe(422);
      expect(r.body.code).toBe("dossier.transfer_off_path");
    }
  });

  it("transfers an inter-level dossier along its path", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const received = await request("POST", "/dossiers", officerA, receiveBody({ procedureId: "land" }));
    const r = await request("POST", `/dossiers/${received.body.dossierId}/transfer`, officerA, {
      toUnitId: UNITS.department.unitId,
    });
    expect(r.status).toBe(200);
  });
});

describe("units that ceased", () => {
  it("receives no dossier and takes no transfer after validTo; the successor finds its open dossiers", async () => {
    rt.clock.set(at("2025-03-10T09:00"));
    const open = await request("POST", "/dossiers", officerOld, receiveBody({ unitId: OLD.unitId }));
    expect(open.status).toBe(201);
    // The commune merges into ward A: it ceases on 11 March.
    const { unitId, ...oldUnit } = OLD;
    const closing = await request("PUT", `/units/${unitId}`, admin, {
      ...oldUnit,
      validTo: "2025-03-11",
      successorId: UNITS.communeA.unitId,
    });
    expect(closing.status, JSON.stringify(closing.body)).toBe(200);

    rt.clock.set(at("2025-03-12T09:00"));
    const receipt = await request("POST", "/dossiers", officerOld, receiveBody({ unitId: OLD.unitId }));
    expect(receipt.status).toBe(422);
    expect(receipt.body.code).toBe("dossier.unit_closed");

    const elsewhere = await request("POST", "/dossiers", officerA, receiveBody());
    const transfer = await request("POST", `/dossiers/${elsewhere.body.dossierId}/transfer`, officerA, {
      toUnitId: OLD.unitId,
    });
    expect(transfer.status).toBe(422);
    expect(transfer.body.code).toBe("dossier.target_unit_closed");

    // An import is judged at each action's own moment: a receipt dated before the closure stands.
    const imported = await request("POST", "/dossiers/import", admin, {
      ...receiveBody({ unitId: OLD.unitId }),
      receivedAt: at("2025-03-11T10:00"),
      actions: [],
    });
    expect(imported.status, JSON.stringify(imported.body)).toBe(201);
    const importedLate = await request("POST", "/dossiers/import", admin, {
      ...receiveBody({ unitId: OLD.unitId }),
      receivedAt: at("2025-03-12T08:00"),
      actions: [],
    });
    expect(importedLate.status).toBe(422);
    expect(importedLate.body.code).toBe("dossier.unit_closed");

    const position = await projectAll();
    const own = await request(
      "GET",
      `/dossiers?unitId=${UNITS.communeA.unitId}&minPosition=${position}`,
      officerA,
    );
    const ids = (b: Record<string, unknown>) => (b.items as { dossierId: string }[]).map((i) => i.dossierId);
    expect(ids(own.body)).not.toContain(open.body.dossierId);
    const withPredecessors = await request(
      "GET",
      `/dossiers?unitId=${UNITS.communeA.unitId}&includePredecessors=true&minPosition=${position}`,
      officerA,
    );
    expect(withPredecessors.status).toBe(200);
    expect(ids(withPredecessors.body)).toEqual(
      expect.arrayContaining([open.body.dossierId, imported.body.dossierId, elsewhere.body.dossierId]),
    );

    // The successor's officers open them (the state, the history, the process-control steps) before
    // acting; an officer of an unrelated unit still may not.
    const officerB = await rt.auth("officer", UNITS.communeB.unitId);
    for (const path of ["", "/history", "/steps"]) {
      const url = `/dossiers/${open.body.dossierId}${path}`;
      const read = await request("GET", url, officerA);
      expect(read.status, `${url}: ${JSON.stringify(read.body)}`).toBe(200);
      const other = await request("GET", url, officerB);
      expect(other.status, url).toBe(403);
      expect(other.body.code).toBe("dossier.not_readable");
    }

    // The successor's officers act on them: here, take the dossier over.
    const takeOver = await request("POST", `/dossiers/${open.body.dossierId}/transfer`, officerA, {
      toUnitId: UNITS.communeA.unitId,
      reason: "Tiếp nhận hồ sơ của xã đã sáp nhập",
    });
    expect(takeOver.status, JSON.stringify(takeOver.body)).toBe(200);
  });
});

describe("apology dates over HTTP", () => {
  it("refuses a promise at or before the legal due moment, or on a Sunday at 03:00, naming promisedAt", async () => {
    rt.clock.set(at("2025-03-12T09:00"));
    const received = await request("POST", "/dossiers", officerA, receiveBody());
    expect(received.body.dueAt).toBe("2025-03-19T09:00:00.000+07:00");
    const url = `/dossiers/${received.body.dossierId}/apology`;
    const cases = [
      ["2025-03-19T09:00:00+07:00", "apology.promised_at_not_after_due"],
      ["2025-03-23T03:00:00+07:00", "apology.promised_at_outside_working_time"],
    ] as const;
    for (const [promisedAt, code] of cases) {
      const r = await request("POST", url, officerA, { reason: "Chờ ý kiến sở", promisedAt });
      expect(r.status).toBe(422);
      expect(r.body.code).toBe(code);
      expect(String(r.body.detail)).toContain("promisedAt");
    }
    const ok = await request("POST", url, officerA, {
      reason: "Chờ ý kiến sở",
      promisedAt: "2025-03-24T10:00:00+07:00",
    });
    expect(ok.status).toBe(200);
  });
});

describe("the 766 progress indicator over HTTP", () => {
  it("counts an open dossier asked twice for supplements, and a withdrawal past due, as late", async () => {
    const officerB = await rt.auth("officer", UNITS.communeB.unitId);
    const analyst = await rt.auth("analyst");
    const atB = receiveBody({ unitId: UNITS.communeB.unitId });
    // Both received Wednesday 12 March 09:00 under 5 working days: due Wednesday 19 March 09:00.
    rt.clock.set(at("2025-03-12T09:00"));
    const twice = (await request("POST", "/dossiers", officerB, atB)).body.dossierId as string;
    const withdrawn = (await request("POST", "/dossiers", officerB, atB)).body.dossierId as string;
    const act = async (id: string, path: string, local: string, body: object = {}) => {
      rt.clock.set(at(local));
      const r = await request("POST", `/dossiers/${id}/${path}`, officerB, body);
      expect(r.status, JSON.stringify(r.body)).toBe(200);
    };
    await act(twice, "supplement-request", "2025-03-13T09:00", { reason: "Thiếu bản sao" });
    await act(twice, "supplement-received", "2025-03-14T09:00");
    await act(twice, "supplement-request", "2025-03-17T09:00", { reason: "Thiếu bản vẽ" });
    await act(withdrawn, "withdraw", "2025-03-20T10:00", { reason: "Công dân xin rút" });
    rt.clock.set(at("2025-03-20T11:00"));
    const position = await projectAll();
    const r = await request(
      "GET",
      `/indicators?unitId=${UNITS.communeB.unitId}&from=2025-03-01&to=2025-03-20&minPosition=${position}`,
      analyst,
    );
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    // Finished 1 (the withdrawal, a day past due: late for 766), pending 1 (asked twice: late for 766):
    // 20 × (1 − 1 + 1 − 1) / 2 = 0. The 06a still counts the withdrawal on time and the other in time.
    expect(r.body.progressScore766).toBe(0);
    const report = await request(
      "GET",
      `/reports/06a?unitId=${UNITS.communeB.unitId}&from=2025-03-01&to=2025-03-20&minPosition=${position}`,
      analyst,
    );
    expect(report.body.total).toMatchObject({ resolvedOnTime: 1, pendingInTime: 1, pendingOverdue: 0 });
  });
});
