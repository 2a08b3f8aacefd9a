import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

let rt: TestRuntime;
beforeAll(async () => {
  rt = await createTestRuntime("lifecycle");
});
afterAll(async () => {
  await rt?.dispose();
});

const at = (local: string) => `${local}:00+07:00`;

async function post(url: string, body: unknown, headers: Record<string, string>) {
  const response = await rt.app.inject({ method: "POST", url, payload: body as object, headers });
  return { status: response.statusCode, body: response.json() as Record<string, unknown> };
}

describe("a dossier's whole life over HTTP", () => {
  it("walks receive → forward → inter-level transfer → supplement (restart) → apology → resolve → return", async () => {
    const officerA = await rt.auth("officer", UNITS.communeA.unitId);
    const officerDept = await rt.auth("officer", UNITS.department.unitId);

    rt.clock.set(at("2025-03-12T09:00"));
    const received = await post("/dossiers", receiveBody(), officerA);
    expect(received.status).toBe(201);
    expect(received.body).toMatchObject({
      status: "received",
      code: "055.43.00.H19-250312-0001",
      dueAt: "2025-03-19T09:00:00.000+07:00",
      revision: 1,
    });
    const id = received.body.dossierId as string;

    rt.clock.set(at("2025-03-12T10:00"));
    const forwarded = await post(
      `/dossiers/${id}/forward`,
      { toUnitId: UNITS.communeA.unitId, step: "thẩm định" },
      officerA,
    );
    expect(forwarded.body).toMatchObject({
      status: "processing",
      revision: 2,
      dueAt: "2025-03-19T09:00:00.000+07:00",
    });

    rt.clock.set(at("2025-03-13T09:00"));
    const transferred = await post(
      `/dossiers/${id}/transfer`,
      { toUnitId: UNITS.department.unitId, reason: "liên thông cấp tỉnh" },
      officerA,
    );
    expect(transferred.status).toBe(200);
    expect(transferred.body).toMatchObject({
      status: "processing",
      revision: 3,
      dueAt: "2025-03-19T09:00:00.000+07:00",
    });

    // The commune no longer holds it.
    const late = await post(`/dossiers/${id}/resolve`, { outcome: "approved" }, officerA);
    expect(late.status).toBe(403);

    rt.clock.set(at("2025-03-14T09:00"));
    const supplement = await post(
      `/dossiers/${id}/supplement-request`,
      { reason: "Thiếu bản vẽ thiết kế" },
      officerDept,
    );
    expect(supplement.body).toMatchObject({ status: "awaiting_supplement", revision: 4 });

    rt.clock.set(at("2025-03-17T14:00"));
    const resumed = await post(`/dossiers/${id}/supplement-received`, {}, officerDept);
    // Restart: the full 5 working days again from Monday 14:00.
    expect(resumed.body).toMatchObject({
      status: "processing",
      revision: 5,
      dueAt: "2025-03-24T14:00:00.000+07:00",
    });

    rt.clock.set(at("2025-03-21T09:00"));
    const apology = await post(
      `/dossiers/${id}/apology`,
      { reason: "Chờ ý kiến liên ngành", promisedAt: at("2025-03-28T17:00") },
      officerDept,
    );
    expect(apology.body).toMatchObject({
      status: "processing",
      revision: 6,
      dueAt: "2025-03-24T14:00:00.000+07:00",
    });

    rt.clock.set(at("2025-03-24T10:00"));
    const resolved = await post(
      `/dossiers/${id}/resolve`,
      { outcome: "approved", note: "Đủ điều kiện" },
      officerDept,
    );
    expect(resolved.body).toMatchObject({ status: "resolved", revision: 7 });

    rt.clock.set(at("2025-03-24T15:00"));
    const returned = await post(`/dossiers/${id}/return`, { method: "counter" }, officerDept);
    expect(returned.body).toMatchObject({ status: "returned", revision: 8 });

    const read = await rt.app.inject({ method: "GET", url: `/dossiers/${id}`, headers: officerA });
    expect(read.json()).toMatchObject({
      status: "returned",
      receivingUnitId: UNITS.communeA.unitId,
      currentUnitId: UNITS.department.unitId,
      timeliness: "on_time",
      promisedAt: "2025-03-28T17:00:00.000+07:00",
      overdue: false,
      revision: 8,
    });
    expect(read.headers["x-read-position"]).toBe(String(returned.body.position));
  });

  it("moves the due moment by the paused working time under the resume policy", async () => {
    const officerB = await rt.auth("officer", UNITS.communeB.unitId);
    rt.clock.set(at("2025-03-12T09:00"));
    const received = await post(
      "/dossiers",
      receiveBody({ procedureId: "land", unitId: UNITS.communeB.unitId }),
      officerB,
    );
    expect(received.body).toMatchObject({ dueAt: "2025-03-19T09:00:00.000+07:00", revision: 1 });
    const id = received.body.dossierId as string;

    rt.clock.set(at("2025-03-13T09:00"));
    expect(
      (await post(`/dossiers/${id}/supplement-request`, { reason: "Thiếu trích đo" }, officerB)).body,
    ).toMatchObject({
      status: "awaiting_supplement",
      revision: 2,
    });
    rt.clock.set(at("2025-03-17T14:00"));
    // Thursday 09:00 → Monday 14:00 paused: 2 working days and 5 hours.
    expect((await post(`/dossiers/${id}/supplement-received`, {}, officerB)).body).toMatchObject({
      status: "processing",
      dueAt: "2025-03-21T14:00:00.000+07:00",
      revision: 3,
    });
  });

  it("pauses for fees, withdraws at the applicant's request, and stops an ineligible dossier", async () => {
    const officerB = await rt.auth("officer", UNITS.communeB.unitId);
    rt.clock.set(at("2025-03-12T09:00"));
    const first = (await post("/dossiers", receiveBody({ unitId: UNITS.communeB.unitId }), officerB)).body
      .dossierId as string;
    const second = (await post("/dossiers", receiveBody({ unitId: UNITS.communeB.unitId }), officerB)).body
      .dossierId as string;
    rt.clock.set(at("2025-03-13T09:00"));
    expect(
      (await post(`/dossiers/${first}/fee-request`, { reason: "Lệ phí cấp phép", amount: 75000 }, officerB))
        .body,
    ).toMatchObject({
      status: "awaiting_payment",
    });
    rt.clock.set(at("2025-03-14T09:00"));
    expect((await post(`/dossiers/${first}/fee-paid`, {}, officerB)).body).toMatchObject({
      status: "processing",
      dueAt: "2025-03-20T09:00:00.000+07:00",
    });
    expect(
      (await post(`/dossiers/${first}/withdraw`, { reason: "Công dân xin rút" }, officerB)).body,
    ).toMatchObject({ status: "withdrawn" });
    expect(
      (await post(`/dossiers/${second}/stop`, { reason: "Không đủ điều kiện" }, officerB)).body,
    ).toMatchObject({ status: "stopped" });
    const again = await post(`/dossiers/${second}/resolve`, { outcome: "approved" }, officerB);
    expect(again.status).toBe(422);
    expect(again.body).toMatchObject({ code: "dossier.stopped", status: 422 });
  });

  it("numbers dossier codes per unit per day from 0001, without repeats under concurrency", async () => {
    const officerB = await rt.auth("officer", UNITS.communeB.unitId);
    rt.clock.set(at("2025-04-02T08:00"));
    const results = await Promise.all(
      Array.from({ length: 20 }, () =>
        post("/dossiers", receiveBody({ unitId: UNITS.communeB.unitId }), officerB),
      ),
    );
    const codes = results.map((r) => r.body.code as string).sort();
    expect(new Set(codes).size).toBe(20);
    expect(codes[0]).toBe("055.44.00.H19-250402-0001");
    expect(codes[19]).toBe("055.44.00.H19-250402-0020");
  });
});
