/**
 * pnpm bench:audit — the transparency log's costs, printed (never asserted):
 *   1. Proofs and storage: a tree of --leaves leaves (default 1,000,000), then inclusion proofs at random
 *      leaves and consistency proofs between random sizes, p50/p95/p99 per call (each proof is checked
 *      against the root, so a fast wrong answer cannot pass), and the tables' size per million leaves.
 *      --build append (default) builds it through the real appendLeaves; --build sql writes the same
 *      tables by set-based SQL (sha256() in Postgres, level by level) — for 10,000,000 leaves, where
 *      appending would take most of an hour; a small tree is built both ways first and their roots compared.
 *   2. Keeping up: a real Postgres event store holding --events events (default 100,000; the issue's
 *      figure is 1,000,000), then, side by side for --seconds each: append throughput of 8 writers without
 *      the tree's reactor, the same with the reactor running in a process of its own as the scheduler runs
 *      it (step, then wait its coalescing delay), and paced appends at --rate events/s (default 2,000)
 *      with the reactor, measuring each event's lag from its append to the tree. CPU is measured per
 *      phase: the writers' and the reactor's Node processes (process.cpuUsage) and their Postgres backends
 *      (/proc/<pid>/stat of the backends pg_stat_activity lists under each one's application_name).
 * Creates its own throw-away databases and drops them.
 *
 * BENCH_CPU_PROF=<dir> makes the reactor's process write a V8 CPU profile (node --cpu-prof) there.
 *
 *   pnpm bench:audit [--leaves 1000000] [--build append|sql] [--events 100000] [--rate 2000]
 *                    [--seconds 15] [--rounds 3] [--proofs 2000] [--only proofs|keeping-up]
 * --seconds is each side's total time; the closed-loop sides alternate in --rounds rounds.
 */
import { fork } from "node:child_process";
import { createHash, generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { readFileSync } from "node:fs";
import { cpus, loadavg } from "node:os";
import { parseArgs } from "node:util";
import { createPostgresEventStore, type NewEvent, type RecordedEvent } from "@motcua/event-store";
import { createTestDatabase, type TestDatabase } from "@motcua/testing";
import { recordBenchResult, residentMiB } from "@motcua/testing/bench";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import {
  type AnyDb,
  catchUpTree,
  consistencyProof,
  createTransparencyReactor,
  inclusionProof,
  leafHash,
  migrateTransparencyLog,
  readTreeState,
  rootFromInclusionProof,
  rootFromLeaves,
  rootHashAt,
  STORED_FROM_LEVEL,
  verifyConsistencyProof,
} from "../src/index";

const { values } = parseArgs({
  options: {
    leaves: { type: "string", default: "1000000" },
    events: { type: "string", default: "100000" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "15" },
    rounds: { type: "string", default: "3" },
    proofs: { type: "string", default: "2000" },
    build: { type: "string", default: "append" },
    only: { type: "string" },
    "reactor-child": { type: "string" },
  },
});
const LEAVES = Number(values.leaves);
const EVENTS = Number(values.events);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const ROUNDS = Math.max(1, Number(values.rounds));
const PROOFS = Number(values.proofs);

/** What this run records in the bench results file (`pnpm bench:compare … audit`). */
const figures: Record<string, number> = {};

const progress = (text: string) => process.stderr.write(`\r${text}\x1b[K`);
const done = () => process.stderr.write("\n");

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted.at(-1) ?? 0 };
}
const ms = (value: number) => `${value.toFixed(2)} ms`;

const withApplicationName = (url: string, name: string) => {
  const u = new URL(url);
  u.searchParams.set("application_name", name);
  return u.toString();
};

async function openDb(label: string): Promise<{ database: TestDatabase; db: AnyDb; pool: pg.Pool }> {
  const database = await createTestDatabase(label);
  const pool = new pg.Pool({ connectionString: withApplicationName(database.url, "bench-main"), max: 10 });
  const db = new Kysely<never>({ dialect: new PostgresDialect({ pool }) }) as AnyDb;
  await migrateTransparencyLog(db);
  return { database, db, pool };
}

/** A log of `total` synthetic events (random hashes), read the way appendLeaves reads a store. */
function syntheticLog(total: number) {
  const hashes = new Map<number, string>();
  return {
    async headPosition() {
      return total;
    },
    async *readAll(options: { fromPosition?: number; maxCount?: number } = {}) {
      const from = options.fromPosition ?? 0;
      const to = Math.min(total, from + (options.maxCount ?? total));
      for (let position = from + 1; position <= to; position++) {
        const hash = randomBytes(32).toString("hex");
        if (hashes.size < 5_000) hashes.set(position, hash);
        yield { position, hash } as unknown as RecordedEvent;
      }
    },
  };
}

async function buildByAppending(db: AnyDb, leaves: number): Promise<void> {
  const log = syntheticLog(leaves);
  const started = Date.now();
  let built = 0;
  while (built < leaves) {
    const state = await catchUpTree(
      db,
      { headPosition: async () => Math.min(leaves, built + 200_000), readAll: log.readAll },
      { maxCount: 50_000 },
    );
    built = state.treeSize;
    const rate = built / ((Date.now() - started) / 1000);
    progress(
      `  building by appendLeaves: ${built.toLocaleString("en")} leaves (${Math.round(rate).toLocaleString("en")} leaves/s)`,
    );
  }
  done();
}

/**
 * The same tables as appendLeaves writes, by set-based SQL: leaf i stands for log position i + 1 whose
 * event hash is SHA-256(int8 i); each level's complete subtrees hash pairs of the level below
 * (SHA-256(0x01 ‖ left ‖ right)). Written in chunks of leaves so progress can be shown.
 */
async function buildBySql(db: AnyDb, leaves: number, quiet = false): Promise<void> {
  const chunk = 1_048_576;
  const started = Date.now();
  const say = (text: string) => {
    if (!quiet) progress(`  building by SQL: ${text} (${((Date.now() - started) / 1000).toFixed(0)} s)`);
  };
  for (let from = 0; from < leaves; from += chunk) {
    const to = Math.min(leaves, from + chunk);
    await sql`
      insert into transparency.leaves (leaf_index, position, hash)
      select i, i + 1, sha256('\\x00'::bytea || sha256(int8send(i)))
      from generate_series(${from}::bigint, ${to - 1}::bigint) as i`.execute(db);
    say(`leaves ${to.toLocaleString("en")}/${leaves.toLocaleString("en")}`);
  }
  // Levels 1 to STORED_FROM_LEVEL − 1 are not stored (readers fold them from the leaves): they are built
  // in a scratch table only to hash the levels above them.
  await sql`create unlogged table transparency.bench_low_subtrees (like transparency.subtrees including all)`.execute(
    db,
  );
  const tableOf = (level: number) =>
    sql.table(level < STORED_FROM_LEVEL ? "transparency.bench_low_subtrees" : "transparency.subtrees");
  for (let level = 1; 2 ** level <= leaves; level++) {
    const count = Math.floor(leaves / 2 ** level);
    const below = level - 1;
    for (let from = 0; from < count; from += chunk) {
      const to = Math.min(count, from + chunk);
      if (below === 0) {
        await sql`
          insert into ${tableOf(level)} (level, idx, hash)
          select 1, l.leaf_index / 2, sha256('\\x01'::bytea || l.hash || r.hash)
          from transparency.leaves l join transparency.leaves r on r.leaf_index = l.leaf_index + 1
          where l.leaf_index >= ${2 * from} and l.leaf_index < ${2 * to} and l.leaf_index % 2 = 0`.execute(
          db,
        );
      } else {
        await sql`
          insert into ${tableOf(level)} (level, idx, hash)
          select ${level}, l.idx / 2, sha256('\\x01'::bytea || l.hash || r.hash)
          from ${tableOf(below)} l join ${tableOf(below)} r on r.level = l.level and r.idx = l.idx + 1
          where l.level = ${below} and l.idx >= ${2 * from} and l.idx < ${2 * to} and l.idx % 2 = 0`.execute(
          db,
        );
      }
      say(`level ${level}: ${to.toLocaleString("en")}/${count.toLocaleString("en")} subtrees`);
    }
  }
  await sql`drop table transparency.bench_low_subtrees`.execute(db);
  await sql`update transparency.tree_state set tree_size = ${leaves}, position = ${leaves}`.execute(db);
  if (!quiet) done();
}

/** Builds a small tree both ways and compares the roots, so the set-based build is the same tree. */
async function checkSqlBuild(): Promise<void> {
  const { database, db, pool } = await openDb("benchauditsql");
  try {
    const size = 1_000 + Math.floor(Math.random() * 1_000);
    await buildBySql(db, size, true);
    const leaves = Array.from({ length: size }, (_, i) => {
      const eventHash = Buffer.alloc(8);
      eventHash.writeBigInt64BE(BigInt(i));
      return leafHash(createHash("sha256").update(eventHash).digest());
    });
    if (!(await rootHashAt(db, size)).equals(rootFromLeaves(leaves))) {
      throw new Error("the set-based build does not give RFC 9162's root");
    }
    console.log(`  set-based build checked: a tree of ${size} leaves built by SQL has RFC 9162's root`);
  } finally {
    await pool.end();
    await database.drop();
  }
}

async function proofsAndStorage(): Promise<void> {
  console.log(
    `\n1. Proofs and storage: a tree of ${LEAVES.toLocaleString("en")} leaves, built ${values.build === "sql" ? "by set-based SQL" : "through appendLeaves"}`,
  );
  if (values.build === "sql") await checkSqlBuild();
  const { database, db, pool } = await openDb("benchaudit");
  try {
    const started = Date.now();
    if (values.build === "sql") await buildBySql(db, LEAVES);
    else await buildByAppending(db, LEAVES);
    figures.leaves = LEAVES;
    figures.build_s = (Date.now() - started) / 1000;
    console.log(`  built in ${figures.build_s.toFixed(1)} s`);
    await sql`VACUUM ANALYZE transparency.leaves`.execute(db);
    await sql`VACUUM ANALYZE transparency.subtrees`.execute(db);

    const size = await sql<{ leaves: string; subtrees: string; subtree_rows: string }>`
      select pg_total_relation_size('transparency.leaves') as leaves,
             pg_total_relation_size('transparency.subtrees') as subtrees,
             (select count(*) from transparency.subtrees) as subtree_rows`.execute(db);
    const row = size.rows[0];
    const perMillion = (bytes: number) => `${(((bytes / LEAVES) * 1e6) / 1024 / 1024).toFixed(1)} MiB`;
    const hashBytes = (LEAVES + Number(row?.subtree_rows)) * 32;
    figures.storage_mib_per_million_leaves =
      (((Number(row?.leaves) + Number(row?.subtrees)) / LEAVES) * 1e6) / 1024 / 1024;
    console.log(
      `  storage per million leaves: leaves ${perMillion(Number(row?.leaves))} + subtrees ${perMillion(Number(row?.subtrees))} (tables and indexes, with the leaves' log positions); of which hashes ${(hashBytes / LEAVES).toFixed(1)} bytes per leaf (levels 1–3 folded from the leaves on read)`,
    );

    const treeSize = LEAVES;
    const root = await rootHashAt(db, treeSize);
    const leafHashes = new Map<number, Buffer>();
    const stored = await sql<{ leaf_index: string; hash: Buffer }>`
      select leaf_index, hash from transparency.leaves tablesample system (1) limit ${PROOFS}`.execute(db);
    for (const r of stored.rows) leafHashes.set(Number(r.leaf_index), r.hash);
    const inclusion: number[] = [];
    let checked = 0;
    for (const [index, hash] of leafHashes) {
      const t0 = performance.now();
      const proof = await inclusionProof(db, index, treeSize);
      inclusion.push(performance.now() - t0);
      const derived = rootFromInclusionProof(index, treeSize, hash, proof);
      if (!derived?.equals(root))
        throw new Error(`inclusion proof for leaf ${index} does not reach the root`);
      checked += 1;
      if (checked % 200 === 0) progress(`  inclusion proofs: ${checked}/${leafHashes.size}`);
    }
    done();
    const i = percentiles(inclusion);
    figures.inclusion_p50_ms = i.p50;
    figures.inclusion_p99_ms = i.p99;
    console.log(
      `  inclusion proof at ${treeSize.toLocaleString("en")} leaves (${inclusion.length} random leaves, each verified): p50 ${ms(i.p50)}, p95 ${ms(i.p95)}, p99 ${ms(i.p99)}, max ${ms(i.max)} (goal p99 < 20 ms; load average ${(loadavg()[0] ?? 0).toFixed(1)} on ${cpus().length} CPUs)`,
    );

    const consistency: number[] = [];
    const roots = new Map<number, Buffer>();
    const rootAt = async (size: number) => {
      const known = roots.get(size);
      if (known) return known;
      const hash = await rootHashAt(db, size);
      roots.set(size, hash);
      return hash;
    };
    for (let k = 0; k < Math.min(PROOFS, 500); k++) {
      const oldSize = 1 + Math.floor(Math.random() * (treeSize - 1));
      const newSize = oldSize + 1 + Math.floor(Math.random() * (treeSize - oldSize));
      const t0 = performance.now();
      const proof = await consistencyProof(db, oldSize, Math.min(newSize, treeSize));
      consistency.push(performance.now() - t0);
      if (
        !verifyConsistencyProof(
          oldSize,
          Math.min(newSize, treeSize),
          await rootAt(oldSize),
          await rootAt(Math.min(newSize, treeSize)),
          proof,
        )
      ) {
        throw new Error(`consistency proof ${oldSize} → ${newSize} does not verify`);
      }
      if ((k + 1) % 100 === 0) progress(`  consistency proofs: ${k + 1}`);
    }
    done();
    const c = percentiles(consistency);
    figures.consistency_p50_ms = c.p50;
    figures.consistency_p99_ms = c.p99;
    console.log(
      `  consistency proof between random sizes (${consistency.length}, each verified): p50 ${ms(c.p50)}, p95 ${ms(c.p95)}, p99 ${ms(c.p99)}, max ${ms(c.max)} (goal p99 < 20 ms)`,
    );
  } finally {
    await pool.end();
    await database.drop();
  }
}

const eventOf = (n: number): NewEvent => {
  const commandId = randomUUID();
  return {
    type: "DossierTransferred",
    schemaVersion: 1,
    data: { fromUnitId: "ca", toUnitId: "dept", n },
    metadata: {
      commandId,
      correlationId: commandId,
      causationId: null,
      actor: { id: "bench", role: "officer", unitId: "ca" },
      occurredAt: "2026-12-04T09:00:00+07:00",
    },
  };
};

// ── CPU accounting ─────────────────────────────────────────────────────────────────────────────────

const TICKS_PER_SECOND = 100; // USER_HZ on Linux

/** CPU ms of the Postgres backends serving this database under `application_name`, from /proc. */
async function backendCpuMs(db: AnyDb, applicationName: string): Promise<Map<number, number>> {
  const { rows } = await sql<{ pid: number }>`
    select pid from pg_stat_activity
    where datname = current_database() and application_name = ${applicationName}`.execute(db);
  const out = new Map<number, number>();
  for (const { pid } of rows) {
    try {
      // Fields after the command's closing parenthesis: state is 3rd, utime the 14th, stime the 15th.
      const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
      const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
      out.set(pid, ((Number(fields[11]) + Number(fields[12])) * 1000) / TICKS_PER_SECOND);
    } catch {
      // A backend that ended between the two reads has nothing more to count.
    }
  }
  return out;
}

/** CPU ms each application's backends spent between `before` and `after` (new backends count from 0). */
const backendDelta = (before: Map<number, number>, after: Map<number, number>) => {
  let total = 0;
  for (const [pid, ms] of after) total += ms - (before.get(pid) ?? 0);
  return total;
};

const cpuMsOf = (usage: NodeJS.CpuUsage) => (usage.user + usage.system) / 1000;

// ── the reactor in a process of its own, as the scheduler runs it ──────────────────────────────────

const REACTOR_APP = "bench-reactor";
const WRITERS_APP = "bench-writers";

/** The child: steps the reactor, then waits what is left of its coalescing delay, until told to stop. */
async function reactorChild(url: string): Promise<void> {
  const pool = new pg.Pool({ connectionString: withApplicationName(url, REACTOR_APP), max: 2 });
  const db = new Kysely<never>({ dialect: new PostgresDialect({ pool }) }) as AnyDb;
  const store = createPostgresEventStore({
    connectionString: withApplicationName(url, REACTOR_APP),
    masterKey: randomBytes(32).toString("base64"),
    poolSize: 2,
    notify: false,
  });
  const { privateKey } = generateKeyPairSync("ed25519");
  const reactor = createTransparencyReactor({
    db,
    store,
    signingKey: privateKey,
    // AUDIT_CHECKPOINT_INTERVAL's default, as a deployment runs it: a head signed every second (a
    // synchronous commit each) would charge the appends for 600 times the signing production does.
    intervalMs: 600_000,
    now: () => new Date(),
  });
  let stopping = false;
  let steps = 0;
  let appended = 0;
  process.on("message", (message) => {
    if (message === "stop") stopping = true;
  });
  // Before the measured window the tree catches up with what the previous round (without the reactor)
  // appended, so the window measures the steady state — the tree keeping up with the appends made in it —
  // and not that backlog too; the first steps also load and compile what the steps use.
  while ((await reactor.step()).appended > 0) {}
  const cpuAtStart = process.cpuUsage();
  process.send?.("ready");
  while (!stopping) {
    const step = await reactor.step();
    steps += 1;
    appended += step.appended;
    const idle = reactor.idleMs();
    if (idle > 0) await new Promise((resolve) => setTimeout(resolve, idle));
  }
  process.send?.({
    cpuMs: cpuMsOf(process.cpuUsage(cpuAtStart)),
    steps,
    appended,
    residentMiB: residentMiB(),
  });
  await store.close();
  await pool.end();
  process.disconnect?.();
}

interface ReactorReport {
  readonly cpuMs: number;
  readonly steps: number;
  readonly appended: number;
  /** The reactor process's resident memory when it stopped. */
  readonly residentMiB: number;
}

/** Starts the reactor's process; answers a function that stops it and hands back what it measured. */
async function startReactor(url: string): Promise<() => Promise<ReactorReport>> {
  const child = fork(process.argv[1] as string, ["--reactor-child", url], {
    // BENCH_CPU_PROF=<dir>: the reactor's process writes a V8 CPU profile there (node --cpu-prof).
    execArgv: [
      ...process.execArgv,
      ...(process.env.BENCH_CPU_PROF ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_CPU_PROF}`] : []),
    ],
    stdio: ["ignore", "inherit", "inherit", "ipc"],
  });
  let report: ReactorReport | null = null;
  const ended = new Promise<void>((resolve, reject) => {
    child.on("exit", (code) =>
      code === 0 ? resolve() : reject(new Error(`the reactor's process ended with ${code}`)),
    );
  });
  await new Promise<void>((resolve, reject) => {
    child.on("message", (message) => {
      if (message === "ready") resolve();
      else report = message as ReactorReport;
    });
    child.on("error", reject);
  });
  return async () => {
    child.send("stop");
    await ended;
    if (!report) throw new Error("the reactor's process did not report");
    return report;
  };
}

// ── keeping up ─────────────────────────────────────────────────────────────────────────────────────

async function keepingUp(): Promise<void> {
  console.log(
    `\n2. Keeping up: a log of ${EVENTS.toLocaleString("en")} events, ${SECONDS} s per phase, on ${cpus().length} CPUs (${cpus()[0]?.model ?? "unknown"})`,
  );
  const { database, db, pool } = await openDb("benchauditlag");
  const store = createPostgresEventStore({
    connectionString: withApplicationName(database.url, WRITERS_APP),
    masterKey: randomBytes(32).toString("base64"),
    poolSize: 12,
  });
  try {
    await store.migrate();
    // The log, in appends of 100 events to streams of their own.
    let loaded = 0;
    const started = Date.now();
    const loadOne = async () => {
      while (loaded < EVENTS) {
        const count = Math.min(100, EVENTS - loaded);
        loaded += count;
        const commandId = randomUUID();
        await store.append(
          `dossier-${randomUUID()}`,
          Array.from({ length: count }, (_, k) => ({
            ...eventOf(k),
            metadata: { ...eventOf(k).metadata, commandId },
          })),
          {
            expectedRevision: "no_stream",
            commandId,
          },
        );
        if (loaded % 10_000 < 100)
          progress(
            `  loading the log: ${loaded.toLocaleString("en")} events (${((Date.now() - started) / 1000).toFixed(0)} s)`,
          );
      }
    };
    await Promise.all(Array.from({ length: 6 }, loadOne));
    done();
    console.log(`  loaded in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const { privateKey } = generateKeyPairSync("ed25519");
    const reactor = createTransparencyReactor({
      db,
      store,
      signingKey: privateKey,
      intervalMs: 1_000,
      now: () => new Date(),
    });
    const head = await store.headPosition();
    const treeStarted = Date.now();
    let treeSize = 0;
    for (;;) {
      const step = await reactor.step();
      treeSize += step.appended;
      const seconds = (Date.now() - treeStarted) / 1000;
      progress(
        `  tree catching up: ${treeSize.toLocaleString("en")} leaves (${Math.round(treeSize / seconds).toLocaleString("en")} leaves/s)`,
      );
      if (step.appended === 0 && (await readTreeState(db)).position >= head) break;
    }
    done();
    const catchUpSeconds = (Date.now() - treeStarted) / 1000;
    console.log(
      `  tree caught up with the loaded log in ${catchUpSeconds.toFixed(1)} s (${Math.round(treeSize / catchUpSeconds).toLocaleString("en")} leaves/s, batches of 5,000)`,
    );

    interface Phase {
      readonly rate: number;
      readonly elapsed: number;
      readonly appended: number;
      readonly writersNodeMs: number;
      readonly writersPgMs: number;
      readonly reactor: ReactorReport | null;
      readonly reactorPgMs: number;
    }
    const closedLoop = async (withReactor: boolean): Promise<Phase> => {
      const stopReactor = withReactor ? await startReactor(database.url) : null;
      const writersBefore = await backendCpuMs(db, WRITERS_APP);
      const reactorBefore = await backendCpuMs(db, REACTOR_APP);
      const cpuBefore = process.cpuUsage();
      const t0 = performance.now();
      const until = t0 + (SECONDS / ROUNDS) * 1000;
      let appended = 0;
      const writer = async () => {
        while (performance.now() < until) {
          const event = eventOf(appended);
          await store.append(`dossier-${randomUUID()}`, [event], {
            expectedRevision: "no_stream",
            commandId: event.metadata.commandId,
          });
          appended += 1;
          if (appended % 1_000 === 0)
            progress(
              `  ${withReactor ? "with" : "without"} the reactor: ${appended.toLocaleString("en")} appends (${((performance.now() - t0) / 1000).toFixed(0)} s)`,
            );
        }
      };
      await Promise.all(Array.from({ length: 8 }, writer));
      const elapsed = (performance.now() - t0) / 1000;
      const writersNodeMs = cpuMsOf(process.cpuUsage(cpuBefore));
      const writersPgMs = backendDelta(writersBefore, await backendCpuMs(db, WRITERS_APP));
      const reactorPgMs = backendDelta(reactorBefore, await backendCpuMs(db, REACTOR_APP));
      const reactorReport = stopReactor ? await stopReactor() : null;
      done();
      return {
        rate: appended / elapsed,
        elapsed,
        appended,
        writersNodeMs,
        writersPgMs,
        reactor: reactorReport,
        reactorPgMs,
      };
    };
    const perEvent = (ms: number, events: number) => `${((ms / events) * 1000).toFixed(0)} µs`;
    const describePhase = (label: string, phase: Phase) => {
      console.log(
        `  ${label}: ${Math.round(phase.rate).toLocaleString("en")} appends/s (8 writers, one event each); CPU per appended event: writers' Node ${perEvent(phase.writersNodeMs, phase.appended)} + their Postgres backends ${perEvent(phase.writersPgMs, phase.appended)}` +
          (phase.reactor
            ? `; the reactor's Node ${perEvent(phase.reactor.cpuMs, phase.appended)} + its Postgres backends ${perEvent(phase.reactorPgMs, phase.appended)} (${phase.reactor.steps.toLocaleString("en")} steps, ${Math.round(phase.reactor.appended / Math.max(1, phase.reactor.steps)).toLocaleString("en")} leaves per step)`
            : ""),
      );
    };

    // Alternated in rounds (without, with, without, with…) so that a change in what else runs on the
    // machine falls on both sides alike; each side's figures are the sums over its rounds.
    const combine = (phases: Phase[]): Phase => {
      const sum = (f: (p: Phase) => number) => phases.reduce((n, p) => n + f(p), 0);
      const reactors = phases.map((p) => p.reactor).filter((r): r is ReactorReport => r !== null);
      return {
        rate: sum((p) => p.appended) / sum((p) => p.elapsed),
        elapsed: sum((p) => p.elapsed),
        appended: sum((p) => p.appended),
        writersNodeMs: sum((p) => p.writersNodeMs),
        writersPgMs: sum((p) => p.writersPgMs),
        reactorPgMs: sum((p) => p.reactorPgMs),
        reactor:
          reactors.length === 0
            ? null
            : {
                cpuMs: reactors.reduce((n, r) => n + r.cpuMs, 0),
                steps: reactors.reduce((n, r) => n + r.steps, 0),
                appended: reactors.reduce((n, r) => n + r.appended, 0),
                residentMiB: Math.max(...reactors.map((r) => r.residentMiB)),
              },
      };
    };
    const withoutRounds: Phase[] = [];
    const withRounds: Phase[] = [];
    for (let round = 1; round <= ROUNDS; round++) {
      withoutRounds.push(await closedLoop(false));
      withRounds.push(await closedLoop(true));
      console.log(
        `  round ${round}/${ROUNDS}: ${Math.round(withoutRounds.at(-1)?.rate ?? 0).toLocaleString("en")} appends/s without the reactor, ${Math.round(withRounds.at(-1)?.rate ?? 0).toLocaleString("en")} with it`,
      );
    }
    const without = combine(withoutRounds);
    describePhase(`without the tree's reactor (${ROUNDS} × ${(SECONDS / ROUNDS).toFixed(0)} s)`, without);
    const withReactor = combine(withRounds);
    describePhase(
      `with the reactor running in its own process (${ROUNDS} × ${(SECONDS / ROUNDS).toFixed(0)} s)`,
      withReactor,
    );
    const ratio = withReactor.rate / without.rate;
    const writerCost = (withReactor.writersNodeMs + withReactor.writersPgMs) / withReactor.appended;
    const reactorCost = ((withReactor.reactor?.cpuMs ?? 0) + withReactor.reactorPgMs) / withReactor.appended;
    const load = loadavg()[0] ?? 0;
    Object.assign(figures, {
      events: EVENTS,
      appends_without_reactor_per_s: without.rate,
      appends_with_reactor_per_s: withReactor.rate,
      with_over_without_ratio: ratio,
      writers_cpu_ms_per_event: withReactor.writersNodeMs / withReactor.appended,
      writers_postgres_cpu_ms_per_event: withReactor.writersPgMs / withReactor.appended,
      reactor_cpu_ms_per_event: (withReactor.reactor?.cpuMs ?? 0) / withReactor.appended,
      reactor_postgres_cpu_ms_per_event: withReactor.reactorPgMs / withReactor.appended,
      reactor_resident_mib: withReactor.reactor?.residentMiB ?? Number.NaN,
      writers_resident_mib: residentMiB(),
    });
    console.log(
      `  ⇒ THROUGHPUT WITH / WITHOUT THE REACTOR: ${(ratio * 100).toFixed(1)} % (goal ≥ 90 %)\n` +
        `    the reactor costs ${(reactorCost * 1000).toFixed(0)} µs of CPU per appended event against ${(writerCost * 1000).toFixed(0)} µs for the writers and their backends, ` +
        `so when the CPUs are the limit the ratio can be at best ${((writerCost / (writerCost + reactorCost)) * 100).toFixed(1)} %` +
        ` (load average ${load.toFixed(1)} on ${cpus().length} CPUs during the run: other processes share them and move both figures)`,
    );

    // Paced appends at RATE with the reactor in its process: each event's lag from its append to the
    // tree (the tree's position read every 10 ms, so the figures are good to 10 ms).
    const stopPaced = await startReactor(database.url);
    const appendedAt = new Map<number, number>();
    const lags: number[] = [];
    let watching = true;
    const watcher = (async () => {
      while (watching || appendedAt.size > 0) {
        const state = await readTreeState(db);
        const now = performance.now();
        for (const [position, at] of appendedAt) {
          if (position <= state.position) {
            lags.push(now - at);
            appendedAt.delete(position);
          }
        }
        await new Promise((resolve) => setTimeout(resolve, 10));
      }
    })();
    const pacedStart = performance.now();
    let sent = 0;
    const inFlight = new Set<Promise<void>>();
    while (performance.now() - pacedStart < SECONDS * 1000) {
      const due = Math.floor(((performance.now() - pacedStart) / 1000) * RATE);
      while (sent < due && inFlight.size < 64) {
        const event = eventOf(sent);
        sent += 1;
        const append = store
          .append(`dossier-${randomUUID()}`, [event], {
            expectedRevision: "no_stream",
            commandId: event.metadata.commandId,
          })
          .then((result) => {
            appendedAt.set(result.lastPosition, performance.now());
          })
          .finally(() => inFlight.delete(append));
        inFlight.add(append);
      }
      await new Promise((resolve) => setTimeout(resolve, 5));
    }
    await Promise.all(inFlight);
    const achieved = sent / ((performance.now() - pacedStart) / 1000);
    watching = false;
    await watcher;
    const paced = await stopPaced();
    const l = percentiles(lags);
    figures.lag_p50_ms = l.p50;
    figures.lag_p99_ms = l.p99;
    figures.paced_appends_per_s = achieved;
    console.log(
      `  lag from append to the tree at ${Math.round(achieved).toLocaleString("en")} appends/s (asked ${RATE.toLocaleString("en")}), ${lags.length.toLocaleString("en")} events: p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(l.max)} (goal < 1 s; the reactor waits up to 250 ms after catching up so appends gather; ${Math.round(paced.appended / Math.max(1, paced.steps)).toLocaleString("en")} leaves per step)`,
    );
    console.log(
      `  resident memory: the writers' process ${figures.writers_resident_mib?.toFixed(0)} MiB, the reactor's ${figures.reactor_resident_mib?.toFixed(0)} MiB under the closed loop, ${paced.residentMiB.toFixed(0)} MiB after the paced appends`,
    );
  } finally {
    await store.close();
    await pool.end();
    await database.drop();
  }
}

const benchStarted = Date.now();
if (values["reactor-child"]) {
  await reactorChild(values["reactor-child"]);
} else {
  console.log(
    `bench:audit on ${new Date().toISOString()} (node ${process.version}, ${cpus().length} × ${cpus()[0]?.model ?? "unknown CPU"})`,
  );
  if (values.only !== "keeping-up") await proofsAndStorage();
  if (values.only !== "proofs") await keepingUp();
  console.log(`\nbench:audit took ${((Date.now() - benchStarted) / 1000).toFixed(0)} s`);
  recordBenchResult("audit", figures, { build: String(values.build), only: values.only ?? "all" });
}
