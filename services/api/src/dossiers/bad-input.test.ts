import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

let rt: TestRuntime;
let officer: Record<string, string>;
let admin: Record<string, string>;
let dossierId: string;

beforeAll(async () => {
  rt = await createTestRuntime("badinput", { env: { BODY_LIMIT_BYTES: "65536" } });
  officer = await rt.auth("officer", UNITS.communeA.unitId);
  admin = await rt.auth("admin");
  rt.clock.set("2025-03-12T09:00:00+07:00");
  dossierId = (
    await rt.app.inject({ method: "POST", url: "/dossiers", payload: receiveBody(), headers: officer })
  ).json().dossierId;
  rt.clock.set("2025-03-13T09:00:00+07:00");
});
afterAll(async () => {
  await rt?.dispose();
});

async function totalEvents(): Promise<number> {
  let n = 0;
  for await (const _ of rt.store.readAll()) n++;
  return n;
}

/** Sends a request that must fail with `status`, name `path` in its errors, and append nothing. */
async function refused(
  request: { method: "POST" | "PUT"; url: string; payload: unknown; headers?: Record<string, string> },
  status: number,
  path?: string,
) {
  const before = await totalEvents();
  const response = await rt.app.inject({
    method: request.method,
    url: request.url,
    headers: request.headers ?? officer,
    ...(typeof request.payload === "string"
      ? {
          payload: request.payload,
          headers: { ...(request.headers ?? officer), "content-type": "application/json" },
        }
      : { payload: request.payload as object }),
  });
  expect(response.statusCode, response.body).toBe(status);
  expect(response.headers["content-type"]).toMatch(/application\/problem\+json/);
  const body = response.json();
  if (path) expect(body.errors.map((e: { path: string }) => e.path)).toContain(path);
  // Personal data never comes back in an error.
  expect(response.body).not.toMatch(/Nguyễn Văn An|019085001234|0912345678/);
  expect(await totalEvents()).toBe(before);
  return body;
}

describe("bad input changes nothing and says which field broke which rule", () => {
  it("a wrong type", async () => {
    await refused(
      { method: "POST", url: "/dossiers", payload: receiveBody({ channel: 3 }) },
      400,
      "body.channel",
    );
  });

  it("an unknown field", async () => {
    await refused(
      {
        method: "POST",
        url: `/dossiers/${dossierId}/resolve`,
        payload: { outcome: "approved", verdict: "ok" },
      },
      400,
    );
  });

  it("an out-of-range value, without echoing the applicant's data", async () => {
    const body = await refused(
      {
        method: "POST",
        url: "/dossiers",
        payload: receiveBody({ applicant: { name: "Nguyễn Văn An", idNumber: "019085001234", phone: "12" } }),
      },
      400,
      "body.applicant.phone",
    );
    expect(body.errors[0].message).toMatch(/Vietnamese phone number/);
  });

  it("an oversized body (413)", async () => {
    await refused(
      {
        method: "POST",
        url: `/dossiers/${dossierId}/supplement-request`,
        payload: JSON.stringify({ reason: "x".repeat(70_000) }),
      },
      413,
    );
  });

  it("an invalid date", async () => {
    await refused(
      {
        method: "POST",
        url: `/dossiers/${dossierId}/apology`,
        payload: { reason: "Chậm", promisedAt: "2025-02-30" },
      },
      400,
      "body.promisedAt",
    );
  });

  it("`at` from anyone but an admin (403)", async () => {
    await refused(
      {
        method: "POST",
        url: `/dossiers/${dossierId}/resolve`,
        payload: { outcome: "approved", at: "2025-03-12T10:00:00+07:00" },
      },
      403,
    );
  });

  it("`at` in the future", async () => {
    await refused(
      {
        method: "POST",
        url: `/dossiers/${dossierId}/resolve`,
        headers: admin,
        payload: { outcome: "approved", at: "2025-03-20T10:00:00+07:00" },
      },
      400,
      "body.at",
    );
  });

  it("`at` before the dossier's last event", async () => {
    await refused(
      {
        method: "POST",
        url: `/dossiers/${dossierId}/resolve`,
        headers: admin,
        payload: { outcome: "approved", at: "2025-03-12T08:00:00+07:00" },
      },
      400,
      "body.at",
    );
  });

  it("an unknown procedure or unit", async () => {
    await refused(
      { method: "POST", url: "/dossiers", payload: receiveBody({ procedureId: "no-such-procedure" }) },
      400,
      "body.procedureId",
    );
    await refused(
      { method: "POST", url: `/dossiers/${dossierId}/transfer`, payload: { toUnitId: "no-such-unit" } },
      400,
      "body.toUnitId",
    );
  });

  it("a transfer to the unit already holding the dossier (422 with the rule's code)", async () => {
    const body = await refused(
      {
        method: "POST",
        url: `/dossiers/${dossierId}/transfer`,
        payload: { toUnitId: UNITS.communeA.unitId },
      },
      422,
    );
    expect(body.code).toBe("dossier.transfer_to_same_unit");
  });

  it("a malformed dossier id and a command on a dossier that does not exist", async () => {
    await refused(
      { method: "POST", url: "/dossiers/not-a-uuid/resolve", payload: { outcome: "approved" } },
      400,
      "params.id",
    );
    const body = await refused(
      {
        method: "POST",
        url: "/dossiers/7d1a3b5c-0000-4000-8000-000000000000/resolve",
        payload: { outcome: "approved" },
      },
      404,
    );
    expect(body.code).toBe("dossier.not_found");
  });

  it("malformed reference data", async () => {
    const unit = {
      code: "000.20.40.H19",
      name: "Phường",
      level: "commune",
      parentId: "p",
      validFrom: "2025-07-01",
      validTo: "2025-06-30",
    };
    await refused({ method: "PUT", url: "/units/w1", headers: admin, payload: unit }, 400, "body.validTo");
    await refused(
      {
        method: "PUT",
        url: "/units/w1",
        headers: admin,
        payload: { ...unit, validTo: undefined, parentId: "ghost" },
      },
      400,
      "body.parentId",
    );
    const procedure = {
      code: "1.1",
      name: "X",
      field: "Y",
      level: "commune",
      onlineService: "full",
      timeLimit: { value: -1, unit: "working_days" },
    };
    await refused(
      { method: "PUT", url: "/procedures/x", headers: admin, payload: procedure },
      400,
      "body.timeLimit.value",
    );
    await refused(
      {
        method: "PUT",
        url: "/calendars/2025",
        headers: admin,
        payload: { holidays: ["2025-05-02"], workingDays: ["2025-05-02"] },
      },
      400,
      "body.workingDays.0",
    );
  });
});
