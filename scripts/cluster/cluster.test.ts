/**
 * `pnpm test:cluster`: motcua past one machine, on this one. On private ports and data directories, with
 * Debian's servers: a Postgres primary and a streaming standby (pg_basebackup -R), a Redis master, a
 * replica and three Sentinels; two API processes (the load spreads over both), three projector processes
 * and two schedulers, all as a deployment runs them (DATABASE_READ_URL, REDIS_SENTINELS). First the
 * throughput of 1 and 2 APIs and of 1 and 3 projectors side by side; then, under a steady load of
 * officers' commands and of worklist reads with `minPosition`, one fault at a time: the active feeder
 * killed, the active scheduler killed, one API killed, the Redis master killed (Sentinel promotes the
 * replica), the Postgres primary restarted. After each: every acknowledged command in the log once, the
 * read models on the primary and on the replica equal to a rebuild, every deadline that fell due recorded
 * overdue exactly once at its due moment, no 500, no read older than its minPosition. Prints a table.
 */

import { mkdtemp, rm } from "node:fs/promises";
import { cpus, loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { localDateOf } from "@motcua/domain";
import { createPostgresEventStore, type PostgresEventStore } from "@motcua/event-store";
import { createPostgresPool, DEV_JWT_SECRET, loadConfig, signDevToken } from "@motcua/platform";
import { appendDossierLives } from "@motcua/projector/test-support";
import {
  activeReadModelVersion,
  ensureActiveReadModelVersion,
  type ReadModelDb,
  readPosition,
  tableChecksums,
} from "@motcua/read-models";
import { putCalendar, putProcedure, putUnit } from "@motcua/reference-data";
import {
  CALENDAR_2025,
  CALENDAR_2026,
  dossiersForEvents,
  freeTcpPort,
  type PrivatePostgres,
  type PrivateSentinelGroup,
  type PrivateStandby,
  simulateDossierLives,
  startPrivatePostgres,
  startPrivateSentinelGroup,
  startPrivateStandby,
  waitFor,
} from "@motcua/testing";
import { Kysely, PostgresDialect, sql } from "kysely";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { bundleEntry } from "../faults/bundle";
import {
  compareWithRebuild,
  differingTables,
  lostAndDuplicated,
  readModelPosition as readModelPositionOf,
} from "../faults/checks";
import { type AcceptedCommand, CommandLoad, emptyTally, type Tally } from "../faults/load";
import { putTwoWardProvince } from "../faults/province";
import { SystemProcess } from "../faults/system-processes";
import { emptyReadTally, ReadLoad, type ReadTally } from "./reads";

const RATE = Number(process.env.CLUSTER_RATE ?? 20);
const READ_RATE = Number(process.env.CLUSTER_READ_RATE ?? 10);
const PARTITIONS = 6;
const DEADLINE_UNITS = 3;
const DOSSIERS_PER_DEADLINE = 5;
const BENCH_EVENTS = Number(process.env.CLUSTER_BENCH_EVENTS ?? 10_000);

const say = (line: string) =>
  process.stdout.write(`[cluster ${new Date().toISOString().slice(11, 19)}] ${line}\n`);

let primary: PrivatePostgres;
let standby: PrivateStandby;
let sentinels: PrivateSentinelGroup;
let db: Kysely<never>;
let replicaDb: Kysely<never>;
let store: PostgresEventStore;
let bundles: string;
const apis: SystemProcess[] = [];
const projectors: SystemProcess[] = [];
const schedulers: SystemProcess[] = [];
const apiUrls: string[] = [];
const schedulerUrls: string[] = [];
let load: CommandLoad;
let reads: ReadLoad;
let probeToken: string;
let officerToken: string;
let masterKey: string;
let projectorBundle: string;
let baseEnv: Record<string, string>;
const everyProcess = () => [...apis, ...projectors, ...schedulers];

/** The API processes' error lines (a 500 is logged at level 50), shown when a phase counts a 500. */
const apiErrors: string[] = [];

/** Which projector process last said it feeds, and when. */
const feederActive = new Map<string, number>();

interface Deadline {
  readonly streamId: string;
  readonly dueAt: string;
}
const deadlines: Deadline[] = [];

interface Phase {
  readonly name: string;
  /** Standby takeover or Sentinel failover, ms (null: not this phase's kind). */
  readonly takeoverMs: number | null;
  readonly recoveryMs: number;
  readonly commands: Tally;
  readonly reads: ReadTally;
  readonly lost: number;
  readonly duplicated: number;
  readonly mismatchesPrimary: number;
  readonly mismatchesReplica: number;
  readonly overdue: { due: number; once: number; wrong: number };
}
const phases: Phase[] = [];
const bench: string[] = [];

function envFor(extra: Record<string, string>, base: Record<string, string>) {
  return { ...base, ...extra };
}

beforeAll(async () => {
  say("starting Postgres primary + streaming standby, Redis master + replica + 3 Sentinels");
  primary = await startPrivatePostgres();
  const databaseUrl = await primary.createDatabase("motcua");
  standby = await startPrivateStandby(primary);
  sentinels = await startPrivateSentinelGroup({ name: "motcua-cluster" });
  say(
    `Postgres :${primary.port} → standby :${standby.port}; Redis master :${await sentinels.masterPort()}, sentinels ${sentinels.sentinels}`,
  );
  const base = {
    DATABASE_URL: databaseUrl,
    DATABASE_READ_URL: standby.url("motcua"),
    REDIS_SENTINELS: sentinels.sentinels,
    REDIS_SENTINEL_NAME: sentinels.name,
    REDIS_PREFIX: "motcua",
    HOST: "127.0.0.1",
    LOG_LEVEL: process.env.CLUSTER_LOG_LEVEL ?? "warn",
    RATE_LIMIT_MAX: "1000000",
    PROJECTION_PARTITIONS: String(PARTITIONS),
    SCHEDULER_SWEEP_INTERVAL: "5s",
    MOTCUA_DEMO: "off",
  };
  const config = loadConfig(base);
  baseEnv = base;
  masterKey = config.vaultMasterKey.toString("base64");
  bundles = await mkdtemp(join(tmpdir(), "motcua-cluster-"));
  let apiBundle: string;
  let schedulerBundle: string;
  [apiBundle, projectorBundle, schedulerBundle] = await Promise.all([
    bundleEntry("scripts/api.ts", join(bundles, "api.mjs")),
    bundleEntry("services/projector/src/main.ts", join(bundles, "projector.mjs")),
    bundleEntry("services/scheduler/src/main.ts", join(bundles, "scheduler.mjs")),
  ]);
  for (let i = 0; i < 2; i++) {
    const port = await freeTcpPort();
    apiUrls.push(`http://127.0.0.1:${port}`);
    const api = new SystemProcess(`api-${i + 1}`, apiBundle, envFor({ PORT: String(port) }, base));
    api.onLine((line) => {
      if (line.includes('"level":50')) apiErrors.push(`${api.name}: ${line.slice(0, 3_000)}`);
    });
    apis.push(api);
  }
  for (let i = 0; i < 3; i++) {
    const projector = new SystemProcess(
      `projector-${i + 1}`,
      projectorBundle,
      envFor({ LOG_LEVEL: "info", PROJECTOR_CONCURRENCY: "8" }, base),
    );
    projector.onLine((line) => {
      if (line.includes('"msg":"feeder active"')) feederActive.set(projector.name, Date.now());
      if (line.includes('"msg":"feeder on standby')) feederActive.delete(projector.name);
    });
    projectors.push(projector);
  }
  for (let i = 0; i < 2; i++) {
    const port = await freeTcpPort();
    schedulerUrls.push(`http://127.0.0.1:${port}`);
    schedulers.push(
      new SystemProcess(
        `scheduler-${i + 1}`,
        schedulerBundle,
        envFor({ SCHEDULER_METRICS_PORT: String(port) }, base),
      ),
    );
  }
  // The first API migrates the database the others use.
  apis[0]?.start();
  await waitFor("api-1 answers /health", () => healthy(0), 120_000, 100);
  apis[1]?.start();
  for (const p of [...projectors, ...schedulers]) p.start();
  await waitFor("api-2 answers /health", () => healthy(1), 120_000, 100);
  say("7 processes started: api ×2, projector ×3, scheduler ×2");

  db = new Kysely<never>({
    dialect: new PostgresDialect({ pool: createPostgresPool(databaseUrl, { max: 4 }) }),
  });
  replicaDb = new Kysely<never>({
    dialect: new PostgresDialect({ pool: createPostgresPool(standby.url("motcua"), { max: 2 }) }),
  });
  store = createPostgresEventStore({
    connectionString: databaseUrl,
    masterKey: config.vaultMasterKey.toString("base64"),
    poolSize: 4,
  });
  const at = "2025-01-01T00:00:00+07:00";
  const refDb = db as never;
  await putTwoWardProvince(refDb, "cluster", at);
  // Same-day procedures fall due at the unit's closing time: the deadline units close a minute apart.
  await putProcedure(
    refDb,
    "same-day",
    {
      code: "1.000001",
      name: "Chứng thực bản sao",
      field: "Chứng thực",
      level: "commune",
      timeLimit: { value: 0, unit: "same_day" },
      sameDayCutoff: "23:59",
      onlineService: "none",
    },
    "cluster",
    at,
  );
  await putCalendar(refDb, CALENDAR_2025, "cluster", at);
  await putCalendar(refDb, todayWorked(), "cluster", at);

  const secret = config.auth.jwtSecret ?? DEV_JWT_SECRET;
  const officer = (unitId: string, sub = `officer-${unitId}`) =>
    signDevToken({ role: "officer", sub, unitId, ttl: "2h" }, secret);
  officerToken = await officer("ca");
  probeToken = await officer("ca", "probe-ca");
  load = new CommandLoad({
    baseUrl: apiUrls[0] as string,
    baseUrls: apiUrls,
    rate: RATE,
    tokens: { communeA: await officer("ca"), communeB: await officer("cb") },
    procedureId: "birth",
    units: { communeA: "ca", communeB: "cb" },
    maxInFlight: 60,
  });
  reads = new ReadLoad({
    baseUrls: apiUrls,
    rate: READ_RATE,
    token: officerToken,
    unitId: "ca",
    minPosition: () => latestAcknowledged,
  });
  await waitFor("a command served end to end", () => probe().then((ok) => ok !== null), 180_000, 200);
  say("the system serves commands end to end");
}, 400_000);

afterAll(async () => {
  await load?.drain().catch(() => {});
  await reads?.drain().catch(() => {});
  await Promise.all(everyProcess().map((p) => p.kill("SIGKILL").catch(() => {})));
  await store?.close().catch(() => {});
  await db?.destroy().catch(() => {});
  await replicaDb?.destroy().catch(() => {});
  await sentinels?.destroy().catch(() => {});
  await standby?.destroy().catch(() => {});
  await primary?.destroy().catch(() => {});
  if (bundles) await rm(bundles, { recursive: true, force: true });
  if (bench.length > 0) process.stdout.write(`\n${bench.join("\n")}\n`);
  if (phases.length > 0) process.stdout.write(`\n${table(phases)}\n`);
}, 180_000);

/** This year's official calendar (or none), with today a working day: the deadline units work today. */
function todayWorked() {
  const today = localDateOf(Date.now());
  const year = Number(today.slice(0, 4));
  const official = year === 2026 ? CALENDAR_2026 : year === 2025 ? CALENDAR_2025 : null;
  const weekday = new Date(`${today}T00:00:00Z`).getUTCDay();
  const weekend = weekday === 0 || weekday === 6;
  return {
    year,
    holidays: (official?.holidays ?? []).filter((d) => d !== today),
    compensatoryDays: (official?.compensatoryDays ?? []).filter((d) => d !== today),
    workingDays: [...(official?.workingDays ?? []).filter((d) => d !== today), ...(weekend ? [today] : [])],
  };
}

async function healthy(index: number): Promise<boolean> {
  return fetch(`${apiUrls[index]}/health`, { signal: AbortSignal.timeout(5_000) }).then(
    (r) => r.status === 200,
    () => false,
  );
}

async function schedulerRole(index: number): Promise<string | null> {
  return fetch(`${schedulerUrls[index]}/health`, { signal: AbortSignal.timeout(3_000) }).then(
    async (r) => (r.status === 200 ? (((await r.json()) as { role?: string }).role ?? null) : null),
    () => null,
  );
}

const readModels = () => db as unknown as ReadModelDb;

const readModelPosition = () => readModelPositionOf(readModels());

let latestAcknowledged: number | undefined;
const probeAccepted: AcceptedCommand[] = [];
let probeCount = 0;

/** One receipt by the probe officer through whichever API answers; its position once projected. */
async function probe(): Promise<number | null> {
  for (const url of apiUrls) {
    try {
      const response = await fetch(`${url}/dossiers`, {
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
      if (response.status !== 201) continue;
      const { dossierId, position, revision } = (await response.json()) as {
        dossierId: string;
        position: number;
        revision: number;
      };
      probeAccepted.push({ streamId: `dossier-${dossierId}`, fromRevision: 0, toRevision: revision });
      await waitFor(
        "the probe's receipt projected",
        async () => (await readModelPosition()) >= position,
        60_000,
        50,
      );
      return position;
    } catch {
      // that API is down or Postgres is away: the next one, or the caller's next attempt
    }
  }
  return null;
}

/** Tables that differ from a rebuild of the same log: on the primary, and on the replica once caught up. */
const readModelMismatches = (): Promise<{ primary: number; replica: number }> =>
  compareWithRebuild({
    db,
    store,
    partitions: PARTITIONS,
    compare: async (active, rebuilt) => {
      await standby.caughtUp(primary);
      const [incremental, replayed, onReplica] = await Promise.all([
        tableChecksums(readModels(), active),
        tableChecksums(readModels(), rebuilt),
        tableChecksums(replicaDb as unknown as ReadModelDb, active),
      ]);
      return {
        primary: differingTables(incremental, replayed),
        replica: differingTables(onReplica, replayed),
      };
    },
  });

/** The deadlines due by now: each overdue once, recorded at its due moment. */
async function overdueChecks(): Promise<{ due: number; once: number; wrong: number }> {
  const due = deadlines.filter((d) => Date.parse(d.dueAt) <= Date.now());
  const recorded = async () => {
    const { rows } = await sql<{ stream_id: string; at: string; due_at: string }>`
      select stream_id, data::jsonb->>'at' as at, data::jsonb->>'dueAt' as due_at
      from event_store.events where type = 'DossierBecameOverdue'
        and stream_id = any(${due.map((d) => d.streamId)})`.execute(db);
    return rows;
  };
  await waitFor(
    "every due deadline recorded overdue",
    async () => new Set((await recorded()).map((r) => r.stream_id)).size === due.length,
    90_000,
    200,
  ).catch(() => {});
  const rows = await recorded();
  let once = 0;
  let wrong = 0;
  for (const d of due) {
    const mine = rows.filter((r) => r.stream_id === d.streamId);
    if (mine.length === 1 && Date.parse(mine[0]?.at as string) === Date.parse(d.dueAt)) once += 1;
    else wrong += 1;
  }
  return { due: due.length, once, wrong };
}

const whileLoadSends = (count: number) => {
  const target = load.tally.requests + count;
  return waitFor(`${count} more requests under load`, () => load.tally.requests >= target, 180_000, 20);
};

/** Returns once a new command is answered and projected. */
async function timeToRecover(): Promise<void> {
  await waitFor("a command answered and projected again", async () => (await probe()) !== null, 240_000, 100);
}

/** One phase: steady load, the fault (answering its takeover time), recovery, more load, the checks. */
async function underLoad(name: string, inject: () => Promise<number | null>): Promise<Phase> {
  load.tally = emptyTally();
  reads.tally = emptyReadTally();
  probeAccepted.length = 0;
  let takeoverMs: number | null = null;
  let recoveryMs = 0;
  load.start();
  reads.start();
  const watch = setInterval(() => {
    const last = load.tally.accepted.at(-1)?.position;
    if (last !== undefined) latestAcknowledged = Math.max(latestAcknowledged ?? 0, last);
  }, 50);
  try {
    await whileLoadSends(RATE * 2);
    say(`${name}: fault`);
    const faultAt = performance.now();
    takeoverMs = await inject();
    if (takeoverMs !== null) say(`${name}: taken over in ${takeoverMs} ms`);
    await timeToRecover();
    recoveryMs = Math.round(performance.now() - faultAt);
    say(`${name}: a new command answered and projected ${recoveryMs} ms after the fault`);
    await whileLoadSends(RATE * 2);
  } finally {
    await load.drain();
    await reads.drain();
    clearInterval(watch);
  }
  const commands = load.tally;
  const readTally = reads.tally;
  const { lost, duplicated } = await lostAndDuplicated(db, [...commands.accepted, ...probeAccepted]);
  const mismatches = await readModelMismatches();
  const overdue = await overdueChecks();
  const phase: Phase = {
    name,
    takeoverMs,
    recoveryMs,
    commands,
    reads: readTally,
    lost,
    duplicated,
    mismatchesPrimary: mismatches.primary,
    mismatchesReplica: mismatches.replica,
    overdue,
  };
  say(
    `${name}: ${commands.ok} commands acknowledged, lost ${lost}, duplicated ${duplicated}, rm mismatches ${mismatches.primary}/${mismatches.replica}, overdue ${overdue.once}/${overdue.due} once`,
  );
  if (process.env.CLUSTER_VERBOSE) {
    for (const p of everyProcess()) process.stdout.write(`--- ${p.name}\n${p.lastLines(40)}\n`);
  }
  return phase;
}

async function phaseWith(name: string, inject: () => Promise<number | null>): Promise<Phase> {
  const phase = await underLoad(name, inject);
  phases.push(phase);
  return phase;
}

function expectClean(phase: Phase) {
  const crashes = everyProcess().flatMap((p) => p.crashes.map((c) => `${c}\n${p.lastLines()}`));
  expect(crashes, "processes that died by themselves").toEqual([]);
  expect(phase.commands.ok, "commands acknowledged").toBeGreaterThan(0);
  expect(phase.lost, "acknowledged commands missing from the log").toBe(0);
  expect(phase.duplicated, "acknowledged commands stored twice").toBe(0);
  expect(phase.mismatchesPrimary, "primary read-model tables differing from a rebuild").toBe(0);
  expect(phase.mismatchesReplica, "replica read-model tables differing from a rebuild").toBe(0);
  const errors = apiErrors.splice(0).join("\n");
  expect(phase.commands.serverErrors, `500s to commands\n${errors}`).toBe(0);
  expect(phase.reads.serverErrors, `500s to reads\n${errors}`).toBe(0);
  expect(phase.commands.unavailableWithoutRetryAfter, "503s without Retry-After").toBe(0);
  expect(phase.reads.olderThanAsked, "reads older than their minPosition").toBe(0);
  expect(phase.reads.ok, "reads answered").toBeGreaterThan(0);
  expect(phase.overdue.wrong, "due deadlines not recorded overdue exactly once at their due moment").toBe(0);
}

/** Closed loop of receipts through `urls` for `seconds`: acknowledged commands per second. */
async function closedLoop(urls: readonly string[], seconds: number, concurrency = 16): Promise<number> {
  const until = Date.now() + seconds * 1_000;
  let ok = 0;
  let next = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < until) {
        const response = await fetch(`${urls[next++ % urls.length]}/dossiers`, {
          method: "POST",
          headers: { authorization: `Bearer ${officerToken}`, "content-type": "application/json" },
          body: JSON.stringify({
            procedureId: "birth",
            unitId: "ca",
            channel: "direct",
            applicant: { name: "Công dân đo tải" },
          }),
          signal: AbortSignal.timeout(15_000),
        }).catch(() => null);
        if (response?.status === 201) ok += 1;
        await response?.arrayBuffer().catch(() => {});
      }
    }),
  );
  return ok / seconds;
}

/**
 * Projection throughput with `count` projector processes: a database of its own on the primary holding
 * `events` events of realistic dossier lives (the same seed each time), the processes started on it (own
 * Redis prefix, through the Sentinels), timed from the feeder's start to the read models at the head.
 */
interface ProjectionFigures {
  readonly events: number;
  readonly perSecond: number;
  /** The log's table with its indexes, per event. */
  readonly bytesPerEvent: number;
  /** The event store's other tables (vault keys, command ids…), per dossier. */
  readonly otherEventStoreBytesPerDossier: number;
  /** The active read-model version's tables with their indexes, per dossier. */
  readonly readModelBytesPerDossier: number;
  readonly eventsPerDossier: number;
}

async function projectionThroughput(count: number, events: number): Promise<ProjectionFigures> {
  const url = await primary.createDatabase(`bench_${count}`);
  const benchStore = createPostgresEventStore({
    connectionString: url,
    masterKey,
    poolSize: 8,
    notify: false,
  });
  const benchDb = new Kysely<never>({
    dialect: new PostgresDialect({ pool: createPostgresPool(url, { max: 4 }) }),
  });
  const processes: SystemProcess[] = [];
  try {
    await benchStore.migrate();
    const lives = simulateDossierLives({ seed: 17, dossiers: dossiersForEvents(events * 1.05) });
    const appended = await appendDossierLives(benchStore, lives, { maxEvents: events, concurrency: 8 });
    await ensureActiveReadModelVersion(benchDb as never, PARTITIONS);
    const head = await benchStore.headPosition();
    let feederAt = 0;
    for (let i = 0; i < count; i++) {
      const p = new SystemProcess(`bench-projector-${count}-${i + 1}`, projectorBundle, {
        ...baseEnv,
        DATABASE_URL: url,
        DATABASE_READ_URL: "",
        REDIS_PREFIX: `bench${count}`,
        LOG_LEVEL: "info",
      });
      p.onLine((line) => {
        if (line.includes('"msg":"feeder active"') && feederAt === 0) feederAt = performance.now();
      });
      processes.push(p);
      p.start();
    }
    const position = async () => {
      const schema = await activeReadModelVersion(benchDb as never);
      return schema === null ? -1 : readPosition(benchDb as never, schema);
    };
    await waitFor("the bench projectors reach the head", async () => (await position()) >= head, 600_000, 20);
    const seconds = (performance.now() - feederAt) / 1_000;
    const schema = (await activeReadModelVersion(benchDb as never)) as string;
    const { rows } = await sql<{ log: string; vault: string; read_models: string; dossiers: string }>`
      select pg_total_relation_size('event_store.events') as log,
        (select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c
           join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'event_store' and c.relkind = 'r' and c.relname <> 'events') as vault,
        (select coalesce(sum(pg_total_relation_size(c.oid)), 0) from pg_class c
           join pg_namespace n on n.oid = c.relnamespace where n.nspname = ${schema} and c.relkind = 'r') as read_models,
        (select count(distinct stream_id) from event_store.events) as dossiers`.execute(benchDb);
    const sizes = rows[0];
    return {
      events: appended,
      perSecond: Math.round(appended / Math.max(seconds, 0.001)),
      bytesPerEvent: Math.round(Number(sizes?.log) / appended),
      otherEventStoreBytesPerDossier: Math.round(Number(sizes?.vault) / Number(sizes?.dossiers)),
      readModelBytesPerDossier: Math.round(Number(sizes?.read_models) / Number(sizes?.dossiers)),
      eventsPerDossier: appended / Number(sizes?.dossiers),
    };
  } finally {
    await Promise.all(processes.map((p) => p.kill("SIGKILL")));
    await benchStore.close().catch(() => {});
    await benchDb.destroy().catch(() => {});
  }
}

describe("the cluster under faults", () => {
  it("deadlines that fall due during the faults", async () => {
    // A few dossiers at each deadline unit, which closes a minute after the previous one: the first falls due
    // about when the benchmark ends, the others during the faults.
    const now = Date.now();
    const firstClose = Math.ceil((now + 70_000) / 60_000) * 60_000;
    const at = "2025-01-01T00:00:00+07:00";
    for (let i = 0; i < DEADLINE_UNITS; i++) {
      const closing = new Date(firstClose + i * 60_000 + 7 * 3_600_000).toISOString().slice(11, 16);
      await putUnit(
        db as never,
        {
          unitId: `d${i + 1}`,
          code: `055.${60 + i}.00.H19`,
          name: `UBND xã thử hạn ${i + 1}`,
          level: "commune",
          parentId: "p",
          officeHours: { periods: [{ start: "00:00", end: closing }] },
        },
        "cluster",
        at,
      );
    }
    for (let i = 0; i < DEADLINE_UNITS; i++) {
      const token = await signDevToken(
        { role: "officer", sub: `officer-d${i + 1}`, unitId: `d${i + 1}`, ttl: "2h" },
        DEV_JWT_SECRET,
      );
      for (let n = 0; n < DOSSIERS_PER_DEADLINE; n++) {
        let answer: { dossierId: string; dueAt: string } | null = null;
        // The APIs' reference caches learn the new units within 5 s.
        await waitFor(
          "a receipt at a deadline unit",
          async () => {
            const response = await fetch(`${apiUrls[n % 2]}/dossiers`, {
              method: "POST",
              headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
              body: JSON.stringify({
                procedureId: "same-day",
                unitId: `d${i + 1}`,
                channel: "direct",
                applicant: { name: "Công dân hẹn trong ngày" },
              }),
            });
            if (response.status !== 201) return false;
            answer = (await response.json()) as { dossierId: string; dueAt: string };
            return true;
          },
          30_000,
          250,
        );
        const received = answer as unknown as { dossierId: string; dueAt: string };
        deadlines.push({ streamId: `dossier-${received.dossierId}`, dueAt: received.dueAt });
      }
    }
    const dues = [...new Set(deadlines.map((d) => d.dueAt))].sort();
    say(`deadlines: ${deadlines.length} dossiers due at ${dues.join(", ")}`);
    expect(dues).toHaveLength(DEADLINE_UNITS);
  });

  it("throughput: 1 and 2 APIs, 1 and 3 projectors", async () => {
    await Promise.all(projectors.map((p) => p.kill("SIGTERM")));
    say("bench: projectors stopped; closed loop of receipts through api-1 alone for 8 s");
    const oneApi = await closedLoop([apiUrls[0] as string], 8);
    say(`bench: 1 API ${oneApi.toFixed(0)} commands/s; through api-1 and api-2 for 8 s`);
    const twoApis = await closedLoop(apiUrls, 8);
    say(`bench: 2 APIs ${twoApis.toFixed(0)} commands/s`);
    for (const p of projectors) p.start();
    const oneProjector = await projectionThroughput(1, BENCH_EVENTS);
    say(`bench: 1 projector process ${oneProjector.perSecond} events/s`);
    const threeProjectors = await projectionThroughput(3, BENCH_EVENTS);
    say(`bench: 3 projector processes ${threeProjectors.perSecond} events/s`);
    const [load1] = loadavg();
    bench.push(
      `pnpm test:cluster — throughput on this machine (${cpus().length} cores, load average ${load1?.toFixed(1)} at the end)`,
      `  API processes    1: ${oneApi.toFixed(0)} commands/s   2: ${twoApis.toFixed(0)} commands/s (${(twoApis / Math.max(oneApi, 0.001)).toFixed(2)}×)   closed loop of receipts, 16 in flight, 8 s each, projectors stopped`,
      `  projector procs  1: ${oneProjector.perSecond} events/s   3: ${threeProjectors.perSecond} events/s (${(threeProjectors.perSecond / Math.max(1, oneProjector.perSecond)).toFixed(2)}×)   catch-up of ${oneProjector.events} events of dossier lives, ${PARTITIONS} partitions, from the feeder's start`,
      `  storage          ${oneProjector.bytesPerEvent} bytes per event in the log (with indexes), ${oneProjector.eventsPerDossier.toFixed(1)} events per dossier; ${oneProjector.otherEventStoreBytesPerDossier} bytes per dossier in the event store's other tables; ${oneProjector.readModelBytesPerDossier} bytes per dossier in the read models`,
    );
    expect(oneApi).toBeGreaterThan(0);
    expect(twoApis).toBeGreaterThan(0);
    // Wait for one feeder to lead again before the faults.
    await waitFor("a feeder leads", () => feederActive.size > 0, 60_000, 50);
  });

  it("the active feeder killed: a standby feeds", async () => {
    expectClean(
      await phaseWith("active feeder killed", async () => {
        const active = projectors.find((p) => feederActive.has(p.name) && p.running) as SystemProcess;
        expect(active, "the projector that feeds").toBeDefined();
        feederActive.delete(active.name);
        const killedAt = Date.now();
        await active.kill("SIGKILL");
        await waitFor("another feeder leads", () => feederActive.size > 0, 120_000, 20);
        const took = Math.max(...feederActive.values()) - killedAt;
        active.start();
        return took;
      }),
    );
  });

  it("the active scheduler killed: the standby takes over", async () => {
    expectClean(
      await phaseWith("active scheduler killed", async () => {
        await waitFor(
          "one scheduler active",
          async () => (await Promise.all([0, 1].map(schedulerRole))).includes("active"),
          120_000,
          100,
        );
        const roles = await Promise.all([0, 1].map(schedulerRole));
        const index = roles.indexOf("active");
        const other = 1 - index;
        const from = performance.now();
        await schedulers[index]?.kill("SIGKILL");
        await waitFor(
          "the standby scheduler active",
          async () => (await schedulerRole(other)) === "active",
          120_000,
          20,
        );
        const took = Math.round(performance.now() - from);
        schedulers[index]?.start();
        return took;
      }),
    );
  });

  it("one API killed: the load goes on through the other", async () => {
    expectClean(
      await phaseWith("one API killed", async () => {
        await apis[1]?.kill("SIGKILL");
        await whileLoadSends(RATE * 2);
        apis[1]?.start();
        const from = performance.now();
        await waitFor("api-2 back", () => healthy(1), 120_000, 50);
        return Math.round(performance.now() - from);
      }),
    );
  });

  it("the Redis master killed: Sentinel promotes the replica, nothing restarts", async () => {
    expectClean(
      await phaseWith("Redis master killed", async () => {
        const from = performance.now();
        const old = await sentinels.killMaster();
        await sentinels.promoted(old);
        const took = Math.round(performance.now() - from);
        await sentinels.restartAsReplica(old);
        return took;
      }),
    );
  });

  it("the Postgres primary restarted", async () => {
    expectClean(
      await phaseWith("Postgres primary restarted", async () => {
        const from = performance.now();
        await primary.restart();
        return Math.round(performance.now() - from);
      }),
    );
  });

  it("every deadline of the run recorded overdue exactly once at its due moment", async () => {
    const last = Math.max(...deadlines.map((d) => Date.parse(d.dueAt)));
    await waitFor("the last deadline passes", () => Date.now() > last, 600_000, 500);
    const overdue = await overdueChecks();
    say(`deadlines: ${overdue.once} of ${deadlines.length} overdue exactly once at their due moment`);
    expect(overdue.due).toBe(deadlines.length);
    expect(overdue.once).toBe(deadlines.length);
  });
});

function table(rows: readonly Phase[]): string {
  const header = [
    "fault",
    "takeover ms",
    "recovery ms",
    "commands",
    "2xx",
    "client errors",
    "500",
    "reads",
    "replica/primary",
    "stale",
    "lost",
    "duplicated",
    "rm ≠ rebuild",
    "overdue once",
  ];
  const lines = rows.map((r) => [
    r.name,
    r.takeoverMs === null ? "—" : String(r.takeoverMs),
    String(r.recoveryMs),
    String(r.commands.requests),
    String(r.commands.ok),
    String(
      r.commands.unavailable +
        r.commands.noAnswer +
        r.reads.unavailable +
        r.reads.noAnswer +
        Object.values(r.commands.other).reduce((a, b) => a + b, 0),
    ),
    String(r.commands.serverErrors + r.reads.serverErrors),
    String(r.reads.requests),
    `${r.reads.bySource.replica ?? 0}/${r.reads.bySource.primary ?? 0}`,
    String(r.reads.olderThanAsked),
    String(r.lost),
    String(r.duplicated),
    `${r.mismatchesPrimary}/${r.mismatchesReplica}`,
    `${r.overdue.once}/${r.overdue.due}`,
  ]);
  const widths = header.map((h, i) => Math.max(h.length, ...lines.map((l) => (l[i] as string).length)));
  const format = (cells: string[]) =>
    cells
      .map((c, i) => (i === 0 ? c.padEnd(widths[i] as number) : c.padStart(widths[i] as number)))
      .join("  ");
  const notes = rows
    .filter((r) => Object.keys(r.commands.other).length + Object.keys(r.commands.noAnswerReasons).length > 0)
    .map(
      (r) =>
        `  ${r.name}: other answers ${JSON.stringify(r.commands.other)}, no answer ${JSON.stringify(r.commands.noAnswerReasons)}`,
    );
  return [
    `pnpm test:cluster — ${RATE} commands/s and ${READ_RATE} reads/s (minPosition) offered over 2 APIs; 3 projectors, 2 schedulers; Postgres primary + standby, Redis behind 3 Sentinels`,
    format(header),
    format(widths.map((w) => "-".repeat(w))),
    ...lines.map(format),
    ...notes,
    "  takeover: feeder/scheduler — kill until the standby leads; API — restart until healthy; Redis — kill until Sentinel's new master answers; Postgres — the restart. recovery: from the fault until a new command is projected. client errors: 503 + no answer + 409/4xx, commands and reads (retried with the same key). rm ≠ rebuild: tables differing, primary/replica.",
  ].join("\n");
}
