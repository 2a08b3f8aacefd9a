/**
 * `pnpm test:faults`: the system (API, projector, scheduler, each a process of its own as a deployment
 * runs them) on a Postgres and a Redis this suite starts itself, under a steady load of officers'
 * commands, through each fault in turn: Redis stopped and started, Redis flushed, Postgres restarted
 * (`pg_ctl restart -m fast`), every process SIGKILLed and started again. After each: every command
 * answered 2xx is in the event store exactly once, the read models equal a rebuild from the log, no 500
 * (503 with Retry-After while the fault lasts is fine), no process died by itself, and the time from
 * the fault's end until a new command is visible in the read models. Prints a table of those figures.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createPostgresEventStore, type PostgresEventStore } from "@motcua/event-store";
import { createPostgresPool, DEV_JWT_SECRET, loadConfig, signDevToken } from "@motcua/platform";
import type { ReadModelDb } from "@motcua/read-models";
import { putCalendar } from "@motcua/reference-data";
import {
  CALENDAR_2025,
  CALENDAR_2026,
  freeTcpPort,
  type PrivatePostgres,
  type PrivateRedis,
  startPrivatePostgres,
  startPrivateRedis,
  waitFor,
} from "@motcua/testing";
import { Kysely, PostgresDialect } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleEntry } from "./bundle";
import { lostAndDuplicated, readModelMismatches, readModelPosition as readModelPositionOf } from "./checks";
import { type AcceptedCommand, CommandLoad, emptyTally, type Tally } from "./load";
import { putTwoWardProvince } from "./province";
import { SystemProcess } from "./system-processes";

const RATE = Number(process.env.FAULTS_RATE ?? 30);
const PARTITIONS = 4;

let postgres: PrivatePostgres;
let redis: PrivateRedis;
let db: Kysely<never>;
let store: PostgresEventStore;
let processes: SystemProcess[] = [];
let load: CommandLoad;
let baseUrl: string;
let schedulerUrl: string;
let probeToken: string;
let bundles: string;

interface Figures {
  readonly fault: string;
  readonly tally: Tally;
  readonly lost: number;
  readonly duplicated: number;
  readonly mismatches: number;
  readonly recoveryMs: number;
}
const results: Figures[] = [];

beforeAll(async () => {
  postgres = await startPrivatePostgres();
  redis = await startPrivateRedis();
  const databaseUrl = await postgres.createDatabase("motcua");
  const apiPort = await freeTcpPort();
  const schedulerPort = await freeTcpPort();
  const env = {
    DATABASE_URL: databaseUrl,
    REDIS_URL: redis.url,
    REDIS_PREFIX: "motcua",
    HOST: "127.0.0.1",
    PORT: String(apiPort),
    LOG_LEVEL: process.env.FAULTS_LOG_LEVEL ?? "warn",
    RATE_LIMIT_MAX: "1000000",
    PROJECTION_PARTITIONS: String(PARTITIONS),
    SCHEDULER_METRICS_PORT: String(schedulerPort),
    SCHEDULER_SWEEP_INTERVAL: "5s",
    MOTCUA_DEMO: "off",
  };
  const config = loadConfig(env);
  baseUrl = `http://127.0.0.1:${apiPort}`;
  schedulerUrl = `http://127.0.0.1:${schedulerPort}`;
  bundles = await mkdtemp(join(tmpdir(), "motcua-faults-"));
  processes = [
    new SystemProcess("api", await bundleEntry("scripts/api.ts", join(bundles, "api.mjs")), env),
    new SystemProcess(
      "projector",
      await bundleEntry("services/projector/src/main.ts", join(bundles, "projector.mjs")),
      env,
    ),
    new SystemProcess(
      "scheduler",
      await bundleEntry("services/scheduler/src/main.ts", join(bundles, "scheduler.mjs")),
      env,
    ),
  ];
  // The API first: it migrates the database the others use.
  processes[0]?.start();
  await waitFor("the API answers /health", healthy, 120_000, 100);
  processes[1]?.start();
  processes[2]?.start();

  const pool = createPostgresPool(databaseUrl, { max: 4 });
  db = new Kysely<never>({ dialect: new PostgresDialect({ pool }) });
  store = createPostgresEventStore({
    connectionString: databaseUrl,
    masterKey: config.vaultMasterKey.toString("base64"),
    poolSize: 4,
  });
  const at = "2025-01-01T00:00:00+07:00";
  const refDb = db as never;
  await putTwoWardProvince(refDb, "faults", at);
  await putCalendar(refDb, CALENDAR_2025, "faults", at);
  await putCalendar(refDb, CALENDAR_2026, "faults", at);

  const secret = config.auth.jwtSecret ?? DEV_JWT_SECRET;
  const officer = (unitId: string) =>
    signDevToken({ role: "officer", sub: `officer-${unitId}`, unitId, ttl: "2h" }, secret);
  const tokens = { communeA: await officer("ca"), communeB: await officer("cb") };
  probeToken = await signDevToken({ role: "officer", sub: "probe-ca", unitId: "ca", ttl: "2h" }, secret);
  load = new CommandLoad({
    baseUrl,
    rate: RATE,
    tokens,
    procedureId: "birth",
    units: { communeA: "ca", communeB: "cb" },
    maxInFlight: 60,
  });
  await waitFor(
    "the system serves a command end to end",
    () => probe().then((ok) => ok !== null),
    120_000,
    200,
  );
}, 240_000);

afterAll(async () => {
  await load?.drain().catch(() => {});
  for (const p of processes) await p.kill("SIGTERM").catch(() => {});
  await store?.close().catch(() => {});
  await db?.destroy().catch(() => {});
  await redis?.destroy().catch(() => {});
  await postgres?.destroy().catch(() => {});
  if (bundles) await rm(bundles, { recursive: true, force: true });
  if (results.length > 0) process.stdout.write(`\n${table(results)}\n`);
}, 120_000);

async function healthy(): Promise<boolean> {
  return fetch(`${baseUrl}/health`, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.status === 200,
    () => false,
  );
}

async function schedulerActive(): Promise<boolean> {
  return fetch(`${schedulerUrl}/health`, { signal: AbortSignal.timeout(5_000) }).then(
    async (r) => r.status === 200 && ((await r.json()) as { role?: string }).role === "active",
    () => false,
  );
}

const readModels = () => db as unknown as ReadModelDb;

const readModelPosition = () => readModelPositionOf(readModels());

/** One receipt by the probe officer; its answer's position once the read models show it, else null. */
let probeCount = 0;
const probeAccepted: AcceptedCommand[] = [];
async function probe(): Promise<number | null> {
  try {
    const response = await fetch(`${baseUrl}/dossiers`, {
      method: "POST",
      headers: { authorization: `Bearer ${probeToken}`, "content-type": "application/json" },
      body: JSON.stringify({
        procedureId: "birth",
        unitId: "ca",
        channel: "direct",
        applicant: { name: `Người thử ${++probeCount}` },
      }),
      signal: AbortSignal.timeout(5_000),
    });
    if (response.status !== 201) return null;
    const { dossierId, position, revision } = (await response.json()) as {
      dossierId: string;
      position: number;
      revision: number;
    };
    probeAccepted.push({ streamId: `dossier-${dossierId}`, fromRevision: 0, toRevision: revision });
    await waitFor(
      "the probe's receipt in the read models",
      async () => (await readModelPosition()) >= position,
      60_000,
      50,
    );
    return position;
  } catch {
    return null;
  }
}

/** Milliseconds from now until a new command is visible in the read models and the scheduler leads. */
async function timeToRecover(): Promise<number> {
  const from = performance.now();
  const since = () => Math.round(performance.now() - from);
  const marks: string[] = [];
  const watching = (async () => {
    await waitFor("API healthy", healthy, 180_000, 100).catch(() => {});
    marks.push(`api ${since()}`);
  })();
  await waitFor("the scheduler active again", schedulerActive, 180_000, 100);
  marks.push(`scheduler ${since()}`);
  await waitFor("a command answered and projected again", async () => (await probe()) !== null, 180_000, 100);
  marks.push(`projected ${since()}`);
  await watching;
  process.stdout.write(`  recovery: ${marks.join(", ")} ms\n`);
  return since();
}

/** Waits until the load has sent `count` more requests than now (the load runs meanwhile). */
const whileLoadSends = (count: number) => {
  const target = load.tally.requests + count;
  return waitFor(`${count} more requests under load`, () => load.tally.requests >= target, 120_000, 20);
};

/** A phase: load, the fault, recovery, more load, then quiet and the checks. */
async function underLoad(fault: string, inject: () => Promise<void>): Promise<Figures> {
  load.tally = emptyTally();
  probeAccepted.length = 0;
  load.start();
  await whileLoadSends(RATE * 2);
  await inject();
  const recoveryMs = await timeToRecover();
  await whileLoadSends(RATE * 2);
  await load.drain();
  const tally = load.tally;
  const { lost, duplicated } = await lostAndDuplicated(db, [...tally.accepted, ...probeAccepted]);
  const mismatches = await readModelMismatches({ db, store, partitions: PARTITIONS });
  const figures = { fault, tally, lost, duplicated, mismatches, recoveryMs };
  results.push(figures);
  if (process.env.FAULTS_VERBOSE) {
    for (const p of processes) process.stdout.write(`--- ${p.name}\n${p.lastLines(60)}\n`);
  }
  return figures;
}

function expectSurvived(figures: Figures) {
  const crashes = processes.flatMap((p) => p.crashes.map((c) => `${c}\n${p.lastLines()}`));
  expect(crashes, "processes that died by themselves").toEqual([]);
  expect(figures.tally.ok, "commands answered 2xx").toBeGreaterThan(0);
  expect(figures.lost, "2xx commands missing from the event store").toBe(0);
  expect(figures.duplicated, "2xx commands stored more than once").toBe(0);
  expect(figures.mismatches, "read-model tables that differ from a rebuild").toBe(0);
  expect(figures.tally.serverErrors, "500s").toBe(0);
  expect(figures.tally.unavailableWithoutRetryAfter, "503s without Retry-After").toBe(0);
}

function table(rows: readonly Figures[]): string {
  const header = [
    "fault",
    "requests",
    "2xx",
    "503",
    "500",
    "no answer",
    "lost",
    "duplicated",
    "rm mismatches",
    "recovery ms",
  ];
  const lines = rows.map((r) => [
    r.fault,
    String(r.tally.requests),
    String(r.tally.ok),
    String(r.tally.unavailable),
    String(r.tally.serverErrors),
    String(r.tally.noAnswer),
    String(r.lost),
    String(r.duplicated),
    String(r.mismatches),
    String(r.recoveryMs),
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ");
  const others = rows
    .filter((r) => Object.keys(r.tally.other).length + Object.keys(r.tally.noAnswerReasons).length > 0)
    .map(
      (r) =>
        `  ${r.fault}: other answers ${JSON.stringify(r.tally.other)}, no answer ${JSON.stringify(r.tally.noAnswerReasons)}`,
    );
  return [
    `pnpm test:faults — ${RATE} commands/s offered; API, projector and scheduler as processes of their own`,
    format(header),
    format(widths.map((w) => "-".repeat(w))),
    ...lines.map(format),
    ...others,
  ].join("\n");
}

describe("faults under a steady load", () => {
  it("no fault: the baseline", async () => {
    expectSurvived(await underLoad("none (baseline)", async () => {}));
  });

  it("Redis stopped, then started again (empty: no persistence)", async () => {
    expectSurvived(
      await underLoad("Redis stopped + started", async () => {
        await redis.stop();
        await whileLoadSends(RATE * 2);
        await redis.start();
      }),
    );
  });

  it("Redis flushed", async () => {
    expectSurvived(await underLoad("Redis flushed", () => redis.flush()));
  });

  it("Postgres restarted (pg_ctl restart -m fast)", async () => {
    expectSurvived(await underLoad("Postgres restarted", () => postgres.restart()));
  });

  it("every process SIGKILLed, then started again", async () => {
    expectSurvived(
      await underLoad("processes SIGKILLed + restarted", async () => {
        await Promise.all(processes.map((p) => p.kill("SIGKILL")));
        for (const p of processes) p.start();
      }),
    );
  });
});
