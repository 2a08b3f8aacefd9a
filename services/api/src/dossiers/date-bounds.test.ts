import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/*
 * Every date a person supplies is bounded (issue 11, items 1 and 6): an apology promised for 9999 or a
 * step due in 9999 was accepted and halted a projection partition for good; an import dated 1000-01-01
 * got the same dossier code as one dated 2000-01-01.
 */

let rt: TestRuntime;
let officer: Record<string, string>;
let admin: Record<string, string>;

beforeAll(async () => {
  rt = await createTestRuntime("datebounds");
  officer = await rt.auth("officer", UNITS.communeA.unitId);
  admin = await rt.auth("admin");
  rt.clock.set("2025-03-12T09:00:00+07:00");
});
afterAll(async () => {
  await rt?.dispose();
});

async function totalEvents(): Promise<number> {
  let n = 0;
  for await (const _ of rt.store.readAll()) n++;
  return n;
}

async function receive(): Promise<string> {
  const response = await rt.app.inject({
    method: "POST",
    url: "/dossiers",
    payload: receiveBody(),
    headers: officer,
  });
  expect(response.statusCode, response.body).toBe(201);
  return response.json().dossierId;
}

/** Must fail with 400 problem+json naming `path`, and append nothing. */
async function refusedNaming(
  request: { url: string; payload: object; headers?: Record<string, string> },
  path: string,
) {
  const before = await totalEvents();
  const response = await rt.app.inject({
    method: "POST",
    url: request.url,
    payload: request.payload,
    headers: request.headers ?? officer,
  });
  expect(response.statusCode, response.body).toBe(400);
  expect(response.headers["content-type"]).toMatch(/application\/problem\+json/);
  expect(response.json().errors.map((e: { path: string }) => e.path)).toContain(path);
  expect(await totalEvents()).toBe(before);
  return response.json();
}

const importBody = (receivedAt: string, actions: object[] = []) => ({
  ...receiveBody(),
  receivedAt,
  actions,
});

describe("dates people supply are bounded", () => {
  it("an apology promised for 9999 is 400 naming promisedAt, and so is one six years after receipt", async () => {
    const id = await receive();
    await refusedNaming(
      {
        url: `/dossiers/${id}/apology`,
        payload: { reason: "Chậm do liên thông", promisedAt: "9999-12-31T23:59:59Z" },
      },
      "body.promisedAt",
    );
    const far = await refusedNaming(
      {
        url: `/dossiers/${id}/apology`,
        payload: { reason: "Chậm do liên thông", promisedAt: "2031-03-20T09:00:00+07:00" },
      },
      "body.promisedAt",
    );
    expect(far.code).toBe("time.promised_at_too_far_ahead");
    const fine = await rt.app.inject({
      method: "POST",
      url: `/dossiers/${id}/apology`,
      payload: { reason: "Chậm do liên thông", promisedAt: "2029-03-20T09:00:00+07:00" },
      headers: officer,
    });
    expect(fine.statusCode, fine.body).toBe(200);
  });

  it("a step due in 9999, or more than five years after receipt, is 400 naming stepDueAt", async () => {
    const id = await receive();
    await refusedNaming(
      {
        url: `/dossiers/${id}/forward`,
        payload: { toUnitId: UNITS.department.unitId, stepDueAt: "9999-12-31T23:59:59Z" },
      },
      "body.stepDueAt",
    );
    await refusedNaming(
      {
        url: `/dossiers/${id}/forward`,
        payload: { toUnitId: UNITS.department.unitId, stepDueAt: "2099-12-31T09:00:00+07:00" },
      },
      "body.stepDueAt",
    );
  });

  it("an admin's `at` before 2000 is 400 naming at", async () => {
    const id = await receive();
    await refusedNaming(
      {
        url: `/dossiers/${id}/resolve`,
        payload: { outcome: "approved", at: "1999-12-31T09:00:00+07:00" },
        headers: admin,
      },
      "body.at",
    );
  });

  it("an import received in year 0000 or 1000, or with an action promised in 9999, is 400 naming the field", async () => {
    const url = "/dossiers/import";
    await refusedNaming(
      { url, payload: importBody("0000-01-01T09:00:00+07:00"), headers: admin },
      "body.receivedAt",
    );
    await refusedNaming(
      { url, payload: importBody("1000-01-01T09:00:00+07:00"), headers: admin },
      "body.receivedAt",
    );
    await refusedNaming(
      {
        url,
        payload: importBody("2025-02-03T09:00:00+07:00", [
          {
            action: "apology",
            at: "2025-02-04T09:00:00+07:00",
            reason: "Chậm",
            promisedAt: "9999-01-01T00:00:00Z",
          },
        ]),
        headers: admin,
      },
      "body.actions.0.promisedAt",
    );
    const far = await refusedNaming(
      {
        url,
        payload: importBody("2025-02-03T09:00:00+07:00", [
          {
            action: "apology",
            at: "2025-02-04T09:00:00+07:00",
            reason: "Chậm",
            promisedAt: "2035-01-02T09:00:00Z",
          },
        ]),
        headers: admin,
      },
      "body.actions.0.promisedAt",
    );
    expect(far.actionIndex).toBe(0);
  });

  it("dossier codes no longer collide across centuries: only 2000–2099 is accepted, each date its own sequence", async () => {
    const url = "/dossiers/import";
    await refusedNaming(
      { url, payload: importBody("1000-01-01T09:00:00+07:00"), headers: admin },
      "body.receivedAt",
    );
    const first = await rt.app.inject({
      method: "POST",
      url,
      payload: importBody("2000-01-01T09:00:00+07:00"),
      headers: admin,
    });
    const second = await rt.app.inject({
      method: "POST",
      url,
      payload: importBody("2000-01-01T10:00:00+07:00"),
      headers: admin,
    });
    expect(first.statusCode, first.body).toBe(201);
    expect(second.statusCode, second.body).toBe(201);
    expect(first.json().code).toBe(`${UNITS.communeA.code}-000101-0001`);
    expect(second.json().code).toBe(`${UNITS.communeA.code}-000101-0002`);
  });
});
