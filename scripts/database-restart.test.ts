import { DEV_JWT_SECRET, loadConfig, signDevToken } from "@motcua/platform";
import { putCalendar, putProcedure, putUnit } from "@motcua/reference-data";
import {
  CALENDAR_2025,
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
  waitFor,
} from "@motcua/testing";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type System, startSystem } from "./system";

/**
 * The whole system in this process (API, projector, scheduler, as `pnpm start` runs it) on a Postgres of
 * this test's own, which the test restarts under it: every long-held connection (the scheduler's and the
 * feeder's lock sessions, the event store's LISTEN) is killed with 57P01. Before the fix, the scheduler's
 * lock session had no error listener and the process died of an unhandled 'error' event.
 */

let postgres: PrivatePostgres;
let redis: PrivateRedis;
let system: System;
let token: string;
let databaseUrl: string;

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  redis = await startPrivateRedis();
  databaseUrl = await postgres.createDatabase("motcua");
  const config = loadConfig({
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    LOG_LEVEL: "silent",
    RATE_LIMIT_MAX: "100000",
  });
  system = await startSystem({ config, port: 0 });
  const at = "2025-01-01T00:00:00+07:00";
  const db = system.runtime.db;
  await putUnit(
    db,
    { unitId: "p", code: "000.00.00.H19", name: "UBND tỉnh", level: "province", parentId: null },
    "test",
    at,
  );
  await putUnit(
    db,
    { unitId: "ca", code: "055.43.00.H19", name: "UBND phường A", level: "commune", parentId: "p" },
    "test",
    at,
  );
  await putProcedure(
    db,
    "birth",
    {
      code: "1.001193",
      name: "Đăng ký khai sinh",
      field: "Hộ tịch",
      level: "commune",
      timeLimit: { value: 3, unit: "working_days" },
      onlineService: "full",
    },
    "test",
    at,
  );
  await putCalendar(db, CALENDAR_2025, "test", at);
  token = await signDevToken({ role: "officer", sub: "officer-ca", unitId: "ca" }, DEV_JWT_SECRET);
}, 120_000);

afterAll(async () => {
  await system?.stop().catch(() => {});
  await redis?.destroy();
  await postgres?.destroy();
});

/** Receives a dossier; answers its position once the read models show it. */
async function receiveAndSee(): Promise<number> {
  const response = await fetch(`${system.baseUrl}/dossiers`, {
    method: "POST",
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: JSON.stringify({
      procedureId: "birth",
      unitId: "ca",
      channel: "direct",
      applicant: { name: "Công dân" },
    }),
  });
  expect(response.status).toBe(201);
  const { dossierId, position } = (await response.json()) as { dossierId: string; position: number };
  const seen = await fetch(`${system.baseUrl}/dossiers/${dossierId}?minPosition=${position}`, {
    headers: { authorization: `Bearer ${token}` },
  });
  expect(seen.status).toBe(200);
  return position;
}

/** Who holds the scheduler's and the feeder's advisory locks now (backend pids of live sessions). */
async function lockHolders(): Promise<number> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    const { rows } = await client.query<{ n: number }>(
      `select count(*)::int as n from pg_locks
       where locktype = 'advisory' and granted
         and ((classid::bigint << 32) | objid::bigint) in
             (hashtext('motcua.scheduler.leader')::bigint, hashtext('motcua.projector.feeder')::bigint)`,
    );
    return rows[0]?.n ?? 0;
  } finally {
    await client.end();
  }
}

describe("a Postgres restart under the running system", () => {
  it("loses leadership, reconnects and carries on: the scheduler and the feeder lead again, commands are projected", async () => {
    await waitFor("scheduler active", () => system.scheduler?.state.role === "active");
    await waitFor("feeder active", () => system.projector?.feeder?.state.role === "active");
    await receiveAndSee();
    expect(await lockHolders()).toBe(2);

    await postgres.restart();

    // Both leaders notice their sessions died, stand by, and take their locks again on new sessions.
    await waitFor(
      "both locks held again",
      async () => (await lockHolders().catch(() => 0)) === 2,
      30_000,
      100,
    );
    await waitFor("scheduler active again", () => system.scheduler?.state.role === "active", 30_000);
    await waitFor("feeder active again", () => system.projector?.feeder?.state.role === "active", 30_000);
    await waitFor(
      "the API healthy again",
      async () => (await fetch(`${system.baseUrl}/health`)).status === 200,
      30_000,
    );
    const after = await receiveAndSee();
    expect(after).toBeGreaterThan(1);
    // The scheduler follows the log again from where it was.
    await waitFor("scheduler caught up", () => (system.scheduler?.state.position ?? 0) >= after, 30_000);
  }, 90_000);
});
