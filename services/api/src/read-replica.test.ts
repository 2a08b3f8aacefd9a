import { DEV_JWT_SECRET, manualClock, signDevToken } from "@motcua/platform";
import { putCalendar, putProcedure, putUnit } from "@motcua/reference-data";
import {
  CALENDAR_2025,
  type PrivatePostgres,
  type PrivateStandby,
  startPrivatePostgres,
  startPrivateStandby,
  waitFor,
} from "@motcua/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { READ_SOURCE_HEADER } from "./read-model-access";
import { type ApiRuntime, createApiRuntime } from "./runtime";
import { testConfig } from "./test-app";
import { PROCEDURES, projectAll, receiveBody, UNITS } from "./test-runtime";

/*
 * Worklists and reports read from a real streaming standby (pg_basebackup -R of a private primary): each
 * answer says where it was read and the position that replica reflects; `minPosition` waits for the
 * replica, or goes to the primary when the replica stays behind or is gone.
 */
let primary: PrivatePostgres;
let standby: PrivateStandby;
let rt: ApiRuntime;
let officer: { authorization: string };
let analyst: { authorization: string };

beforeAll(async () => {
  primary = await startPrivatePostgres();
  const url = await primary.createDatabase("motcua");
  standby = await startPrivateStandby(primary);
  rt = await createApiRuntime({
    config: testConfig({ RATE_LIMIT_MAX: "100000" }),
    databaseUrl: url,
    databaseReadUrls: [standby.url("motcua")],
    clock: manualClock("2025-03-12T09:00:00+07:00"),
    poolSize: 4,
  });
  const at = "2025-01-01T00:00:00+07:00";
  for (const unit of Object.values(UNITS)) await putUnit(rt.db, unit, "test-admin", at);
  await putProcedure(rt.db, "permit", PROCEDURES.restart, "test-admin", at);
  await putCalendar(rt.db, CALENDAR_2025, "test-admin", at);
  const token = (role: "officer" | "analyst", unitId?: string) =>
    signDevToken({ role, sub: `${role}-t`, ttl: "1h", ...(unitId ? { unitId } : {}) }, DEV_JWT_SECRET);
  officer = { authorization: `Bearer ${await token("officer", UNITS.communeA.unitId)}` };
  analyst = { authorization: `Bearer ${await token("analyst")}` };
}, 120_000);

afterAll(async () => {
  await rt?.close();
  await standby?.destroy();
  await primary?.destroy();
}, 60_000);

/** Receives one dossier through the API and projects the log; answers its id and the head position. */
async function receiveAndProject(): Promise<{ dossierId: string; head: number }> {
  const response = await rt.app.inject({
    method: "POST",
    url: "/dossiers",
    headers: officer,
    payload: receiveBody(),
  });
  expect(response.statusCode, response.body).toBe(201);
  const head = await projectAll(rt);
  return { dossierId: response.json().dossierId, head };
}

const worklist = (query = "") => rt.app.inject({ url: `/dossiers?status=open${query}`, headers: officer });
const ids = (response: { json: () => { items: { dossierId: string }[] } }) =>
  response.json().items.map((i) => i.dossierId);

describe("reads from a streaming replica (DATABASE_READ_URL)", () => {
  it("a worklist waits for the replica to reach minPosition and answers the replica's position", async () => {
    const { dossierId, head } = await receiveAndProject();
    const response = await worklist(`&minPosition=${head}`);
    expect(response.statusCode, response.body).toBe(200);
    expect(response.headers[READ_SOURCE_HEADER]).toBe("replica");
    expect(response.json().position).toBeGreaterThanOrEqual(head);
    expect(response.headers["x-read-position"]).toBe(String(response.json().position));
    expect(ids(response)).toContain(dossierId);

    const report = await rt.app.inject({
      url: `/reports/06a?unitId=${UNITS.province.unitId}&includeSubunits=true&from=2025-03-01&to=2025-03-31&minPosition=${head}`,
      headers: analyst,
    });
    expect(report.statusCode, report.body).toBe(200);
    expect(report.headers[READ_SOURCE_HEADER]).toBe("replica");
    expect(report.json().position).toBeGreaterThanOrEqual(head);
  });

  it("a replica that stays behind answers its own older position; with minPosition the primary answers", async () => {
    await standby.caughtUp(primary);
    await standby.pauseReplay();
    try {
      const before = (await worklist()).json().position as number;
      const { dossierId, head } = await receiveAndProject();
      expect(head).toBeGreaterThan(before);

      const stale = await worklist();
      expect(stale.statusCode).toBe(200);
      expect(stale.headers[READ_SOURCE_HEADER]).toBe("replica");
      expect(stale.json().position).toBe(before);
      expect(ids(stale)).not.toContain(dossierId);

      const fresh = await worklist(`&minPosition=${head}`);
      expect(fresh.statusCode, fresh.body).toBe(200);
      expect(fresh.headers[READ_SOURCE_HEADER]).toBe("primary");
      expect(fresh.json().position).toBeGreaterThanOrEqual(head);
      expect(ids(fresh)).toContain(dossierId);
    } finally {
      await standby.resumeReplay();
    }
    const { head } = await receiveAndProject();
    const caughtUp = await worklist(`&minPosition=${head}`);
    expect(caughtUp.headers[READ_SOURCE_HEADER]).toBe("replica");
  });

  it("a minPosition nobody has reached yet is still 503 with Retry-After", async () => {
    const { head } = await receiveAndProject();
    const response = await worklist(`&minPosition=${head + 1_000}`);
    expect(response.statusCode).toBe(503);
    expect(response.headers["retry-after"]).toBe("1");
  });

  it("a replica that is down hands its reads to the primary (no 500), and gets them back when it returns", async () => {
    await standby.stop();
    try {
      const { dossierId, head } = await receiveAndProject();
      for (let i = 0; i < 3; i++) {
        const response = await worklist(`&minPosition=${head}`);
        expect(response.statusCode, response.body).toBe(200);
        expect(response.headers[READ_SOURCE_HEADER]).toBe("primary");
        expect(ids(response)).toContain(dossierId);
      }
    } finally {
      await standby.start();
    }
    const { head } = await receiveAndProject();
    await waitFor(
      "reads back on the replica",
      async () => {
        const response = await worklist(`&minPosition=${head}`);
        expect(response.statusCode).toBe(200);
        return response.headers[READ_SOURCE_HEADER] === "replica";
      },
      30_000,
      200,
    );
  });

  it("commands and the one-dossier reads stay on the primary", async () => {
    await standby.pauseReplay();
    try {
      const { dossierId } = await receiveAndProject();
      const one = await rt.app.inject({ url: `/dossiers/${dossierId}`, headers: officer });
      expect(one.statusCode, one.body).toBe(200);
      const transfer = await rt.app.inject({
        method: "POST",
        url: `/dossiers/${dossierId}/transfer`,
        headers: { ...officer, "if-match": '"1"' },
        payload: { toUnitId: UNITS.communeB.unitId },
      });
      expect(transfer.statusCode, transfer.body).toBe(200);
    } finally {
      await standby.resumeReplay();
    }
  });
});
