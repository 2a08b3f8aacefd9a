import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, projectAll, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/** Online submission and intake (API.md "Online submission and intake"), over HTTP. */
let rt: TestRuntime;
let officerA: Record<string, string>;
let officerB: Record<string, string>;
let portal: Record<string, string>;

const { channel: _channel, ...submission } = receiveBody();

beforeAll(async () => {
  rt = await createTestRuntime("intake");
  officerA = await rt.auth("officer", UNITS.communeA.unitId);
  officerB = await rt.auth("officer", UNITS.communeB.unitId);
  portal = await rt.auth("portal");
  rt.clock.set("2025-03-12T09:00:00+07:00");
});
afterAll(async () => {
  await rt?.dispose();
});

const post = (url: string, headers: Record<string, string>, payload: object = {}) =>
  rt.app.inject({ method: "POST", url, headers, payload });

describe("online submission and intake", () => {
  it("the portal submits a dossier: 201 submitted, with no code and no clock", async () => {
    const response = await post("/submissions", portal, submission);
    expect(response.statusCode, response.body).toBe(201);
    const answer = response.json();
    expect(answer).toMatchObject({ status: "submitted", revision: 1 });
    expect(answer.position).toBeGreaterThan(0);
    expect(answer).not.toHaveProperty("code");
  });

  it("an officer may submit only for their own unit", async () => {
    expect((await post("/submissions", officerA, submission)).statusCode).toBe(201);
    const other = await post("/submissions", officerB, submission);
    expect(other.statusCode).toBe(403);
    expect(other.json().code).toBe("dossier.not_your_unit");
    expect((await post("/submissions", await rt.auth("analyst"), submission)).statusCode).toBe(403);
  });

  it("rejects a channel on a submission, and an unknown procedure, naming the field", async () => {
    const withChannel = await post("/submissions", portal, { ...submission, channel: "direct" });
    expect(withChannel.statusCode).toBe(400);
    const unknown = await post("/submissions", portal, { ...submission, procedureId: "nope" });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().errors).toEqual([
      { path: "body.procedureId", message: "must be a known procedure" },
    ]);
  });

  it("accepting issues the code and computes dueAt as a counter receipt does", async () => {
    rt.clock.set("2025-03-12T09:00:00+07:00");
    const { dossierId } = (await post("/submissions", portal, submission)).json();
    const counter = (await post("/dossiers", officerA, receiveBody({ channel: "online" }))).json();

    expect((await post(`/dossiers/${dossierId}/accept`, officerB)).statusCode).toBe(403);
    const stale = await post(`/dossiers/${dossierId}/accept`, { ...officerA, "if-match": '"7"' });
    expect(stale.statusCode).toBe(409);

    const accepted = await post(`/dossiers/${dossierId}/accept`, {
      ...officerA,
      "idempotency-key": "accept-1",
      "if-match": '"1"',
    });
    expect(accepted.statusCode, accepted.body).toBe(200);
    expect(accepted.json()).toMatchObject({
      dossierId,
      status: "received",
      dueAt: counter.dueAt,
      revision: 2,
    });
    expect(accepted.json().code).toMatch(/^055\.43\.00\.H19-250312-\d{4}$/);

    // A retry with the same key answers the same and appends nothing.
    const retry = await post(`/dossiers/${dossierId}/accept`, { ...officerA, "idempotency-key": "accept-1" });
    expect(retry.statusCode).toBe(200);
    expect(retry.json()).toEqual(accepted.json());

    const again = await post(`/dossiers/${dossierId}/accept`, officerA);
    expect(again.statusCode).toBe(422);
    expect(again.json().code).toBe("dossier.already_received");

    const read = await rt.app.inject({ url: `/dossiers/${dossierId}`, headers: officerA });
    expect(read.json()).toMatchObject({ status: "received", channel: "online", code: accepted.json().code });
    const history = await rt.app.inject({ url: `/dossiers/${dossierId}/history`, headers: officerA });
    const received = history.json().events.find((e: { type: string }) => e.type === "DossierReceived");
    expect(received.data.applicant.name).toBe(submission.applicant.name);
  });

  it("refusing at intake closes the dossier, outside every report", async () => {
    rt.clock.set("2025-03-12T10:00:00+07:00");
    const { dossierId } = (await post("/submissions", portal, submission)).json();
    const noReason = await post(`/dossiers/${dossierId}/refuse-intake`, officerA, {});
    expect(noReason.statusCode).toBe(400);
    expect(noReason.json().errors[0].path).toBe("body.reason");

    const refused = await post(`/dossiers/${dossierId}/refuse-intake`, officerA, {
      reason: "Hồ sơ không thuộc thẩm quyền",
    });
    expect(refused.statusCode, refused.body).toBe(200);
    expect(refused.json()).toMatchObject({ dossierId, status: "refused", revision: 2 });

    const accept = await post(`/dossiers/${dossierId}/accept`, officerA);
    expect(accept.statusCode).toBe(422);
    expect(accept.json().code).toBe("dossier.intake_refused");
    const twice = await post(`/dossiers/${dossierId}/refuse-intake`, officerA, { reason: "Lại" });
    expect(twice.statusCode).toBe(422);

    // A received dossier cannot be refused at intake.
    const counter = (await post("/dossiers", officerA, receiveBody())).json();
    const late = await post(`/dossiers/${counter.dossierId}/refuse-intake`, officerA, { reason: "Muộn" });
    expect(late.statusCode).toBe(422);
    expect(late.json().code).toBe("dossier.not_submitted");
  });

  it("lists the submissions awaiting acceptance for the unit (status=submitted), and no one else's", async () => {
    rt.clock.set("2025-03-12T11:00:00+07:00");
    const { dossierId } = (await post("/submissions", portal, submission)).json();
    await post("/submissions", portal, { ...submission, unitId: UNITS.communeB.unitId });
    await projectAll(rt);
    const list = await rt.app.inject({ url: "/dossiers?status=submitted", headers: officerA });
    expect(list.statusCode, list.body).toBe(200);
    const items = list.json().items as { dossierId: string; status: string; currentUnitId: string }[];
    expect(items.map((i) => i.dossierId)).toContain(dossierId);
    expect(items.every((i) => i.status === "submitted" && i.currentUnitId === UNITS.communeA.unitId)).toBe(
      true,
    );
    // Accepted and refused submissions have left the intake worklist.
    const accepted = items[0]?.dossierId as string;
    expect((await post(`/dossiers/${accepted}/accept`, officerA)).statusCode).toBe(200);
    await projectAll(rt);
    const after = await rt.app.inject({ url: "/dossiers?status=submitted", headers: officerA });
    expect(after.json().items.map((i: { dossierId: string }) => i.dossierId)).not.toContain(accepted);
    const received = await rt.app.inject({ url: "/dossiers?status=received", headers: officerA });
    expect(received.json().items.map((i: { dossierId: string }) => i.dossierId)).toContain(accepted);
  });

  it("refused submissions stay outside the 06a report", async () => {
    await projectAll(rt);
    const report = await rt.app.inject({
      url: `/reports/06a?unitId=${UNITS.communeA.unitId}&from=2025-03-01&to=2025-03-31`,
      headers: officerA,
    });
    expect(report.statusCode).toBe(200);
    const received = await rt.app.inject({ url: "/dossiers?status=received&limit=200", headers: officerA });
    // Every dossier counted is one that was received; submissions and refusals are not.
    expect(report.json().total.received).toBe(received.json().items.length);
  });
});
