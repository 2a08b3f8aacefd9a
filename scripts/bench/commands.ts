/**
 * pnpm bench:commands — dossier commands over HTTP under an open-loop load, beside bare Fastify.
 *
 * 1. Creates a throw-away Postgres database (dropped at the end, also on Ctrl-C or an error), starts the
 *    API in a child process (api-child.ts: createApiRuntime + the demo province) and bare Fastify serving
 *    `GET /ping` in another (ping-child.ts), both on 127.0.0.1 on free ports.
 * 2. For each target rate (default 250, 500, 1,000 commands/s): dossier flows receive → transfer →
 *    resolve → return, each command sent when the previous one's answer arrives, flows started on a fixed
 *    schedule (rate / 4 flows/s) whatever the answers — an open loop. A short warm-up, then a measured
 *    window. Latency runs from the moment a command was *due* (the flow's scheduled start for receive,
 *    the previous answer's arrival for the others), so a stalled server or load generator shows up in
 *    the figures instead of silently sending less (no coordinated omission).
 * 3. The same open-loop schedule of single `GET /ping` requests against bare Fastify, then a short
 *    closed-loop capacity probe of both, and a table with the ratios.
 *
 * Figures are printed, never asserted. Loopback only, bounded durations and request counts.
 *
 * Why not autocannon: it drives a fixed number of connections, each sending its next request when the
 * previous one answers (closed loop), and measures latency from the actual send — exactly the
 * coordinated omission the issue asks to avoid. Its `requests` chaining also ties a flow to one
 * connection. So the load generator here is Node's own `http` client with a keep-alive agent: requests
 * go out on a timer schedule, however many are outstanding, and every latency is taken against the
 * schedule.
 *
 * Environment (all optional): BENCH_RATES=250,500,1000  BENCH_SECONDS=15  BENCH_WARMUP_SECONDS=3
 * BENCH_PING_SECONDS=10  BENCH_PROBE_SECONDS=5  BENCH_COMMUNES=8  BENCH_POOL_SIZE=20
 * BENCH_PROFILE=1 (writes a V8 CPU profile of the API child to scripts/bench/.profiles/)
 * BENCH_TRACE_GC=1 (the API child runs with --trace-gc: each collection's kind and pause on the output)
 */
import { type ChildProcess, spawn } from "node:child_process";
import http from "node:http";
import { availableParallelism } from "node:os";
import { dirname, join } from "node:path";
import { performance } from "node:perf_hooks";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import { DEV_JWT_SECRET, signDevToken } from "@motcua/platform";
import { createTestDatabase, type TestDatabase } from "@motcua/testing";
import {
  type CpuUse,
  coresBetween,
  cpuSnapshot,
  ioStallMicros,
  machineBusyCores,
  percentile,
  recordBenchResult,
} from "@motcua/testing/bench";
import pg from "pg";
import { DEMO_PROCEDURES, demoUnits } from "../demo/demo-reference-data";

const here = dirname(fileURLToPath(import.meta.url));
const numberEnv = (name: string, fallback: number): number => {
  const value = Number(process.env[name] ?? fallback);
  if (!Number.isFinite(value) || value <= 0) throw new Error(`${name} must be a positive number`);
  return value;
};

const RATES = (process.env.BENCH_RATES ?? "250,500,1000").split(",").map(Number);
if (RATES.some((rate) => !Number.isFinite(rate) || rate <= 0 || rate > 5_000)) {
  throw new Error("BENCH_RATES must be commands per second from 1 to 5000, separated by commas");
}
const SECONDS = numberEnv("BENCH_SECONDS", 15);
const WARMUP_SECONDS = numberEnv("BENCH_WARMUP_SECONDS", 3);
const PING_SECONDS = numberEnv("BENCH_PING_SECONDS", 10);
const PROBE_SECONDS = numberEnv("BENCH_PROBE_SECONDS", 5);
const COMMUNES = numberEnv("BENCH_COMMUNES", 8);
const POOL_SIZE = numberEnv("BENCH_POOL_SIZE", 20);
const PROFILE = process.env.BENCH_PROFILE === "1";
const COMMANDS_PER_FLOW = 4;
const REQUEST_TIMEOUT_MS = 10_000;
/** How long after its last scheduled start a run waits for answers before abandoning what is left. */
const DRAIN_SECONDS = 5;
/** Beyond this many unfinished flows the server is hopelessly behind: further flows are counted, not sent. */
const MAX_IN_FLIGHT_FLOWS = 2_000;
const PROBE_CONCURRENCY = 32;
const GOAL = { rate: 500, p99Ms: 50 };

const say = (line = "") => process.stdout.write(`${line}\n`);

// ---------------------------------------------------------------------------------------------------
// Child processes

interface Child {
  readonly name: string;
  readonly process: ChildProcess;
  readonly port: number;
}

/** What the servers logged on stderr: JSON error lines counted by message, anything else passed on. */
const serverErrors = new Map<string, number>();
function noteServerLog(name: string, line: string): void {
  type LogError = { type?: unknown; code?: unknown; message?: unknown };
  type LogLine = { msg?: unknown; code?: unknown; error?: LogError; err?: LogError };
  let entry: LogLine;
  try {
    entry = JSON.parse(line) as LogLine;
  } catch {
    process.stderr.write(`  [${name}] ${line}\n`);
    return;
  }
  const error = entry.error ?? entry.err;
  const what = [entry.msg, entry.code, error?.type, error?.code, error?.message]
    .filter(Boolean)
    .join(": ")
    .slice(0, 240);
  serverErrors.set(`${name}: ${what}`, (serverErrors.get(`${name}: ${what}`) ?? 0) + 1);
}

/** The API process's own account of each second (see api-child.ts). */
interface ServerStats {
  readonly loopMaxMs: number;
  readonly gcMs: number;
  readonly gcMaxMs: number;
  readonly poolWaiting: number;
  /** Resident memory of the API process, MiB. */
  readonly rssMiB: number;
  /** The folded-dossier cache's counters since the process started (COMMAND_CACHE_DOSSIERS). */
  readonly folded?: { size: number; capacity: number; hits: number; misses: number; stale: number };
  /** The reference cache's (COMMAND_CACHE_REFERENCE) and the verified-token cache's (AUTH_TOKEN_CACHE). */
  readonly reference?: CacheCounters;
  readonly tokens?: CacheCounters;
  /** Queries sent to Postgres since the API was seeded, and HTTP requests it received (all commands here). */
  readonly pgQueries?: number;
  readonly httpRequests?: number;
}
interface CacheCounters {
  readonly size: number;
  readonly capacity: number;
  readonly hits: number;
  readonly misses: number;
}
const serverStats: (ServerStats & { at: number })[] = [];

/** The worst second of the API process between two moments. */
function serverStatsBetween(from: number, to: number) {
  const seconds = serverStats.filter((s) => s.at > from && s.at <= to + 1000);
  if (seconds.length === 0) return undefined;
  return {
    loopMaxMs: Math.max(...seconds.map((s) => s.loopMaxMs)),
    gcMsPerSecond: seconds.reduce((sum, s) => sum + s.gcMs, 0) / seconds.length,
    gcMaxMs: Math.max(...seconds.map((s) => s.gcMaxMs)),
    poolWaitingMax: Math.max(...seconds.map((s) => s.poolWaiting)),
    rssMaxMiB: Math.max(...seconds.map((s) => s.rssMiB ?? Number.NaN)),
  };
}

/** Every child started, to stop on the way out (also those that never said their port). */
const children: ChildProcess[] = [];

/** Starts a TypeScript entry point under tsx in its own process and waits for its `{"port":N}` line. */
async function startChild(name: string, file: string, env: Record<string, string>): Promise<Child> {
  const nodeArgs = ["--import", import.meta.resolve("tsx")];
  if (PROFILE && name === "api") {
    nodeArgs.push("--cpu-prof", `--cpu-prof-dir=${join(here, ".profiles")}`);
  }
  if (process.env.BENCH_TRACE_GC === "1" && name === "api") nodeArgs.push("--trace-gc");
  const child = spawn(process.execPath, [...nodeArgs, join(here, file)], {
    env: { ...process.env, ...env },
    stdio: ["pipe", "pipe", "pipe"],
  });
  children.push(child);
  createInterface({ input: child.stderr as NodeJS.ReadableStream }).on("line", (line) =>
    noteServerLog(name, line),
  );
  const port = await new Promise<number>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${name} did not start within 60 s`)), 60_000);
    const lines = createInterface({ input: child.stdout as NodeJS.ReadableStream });
    lines.on("line", (line) => {
      try {
        const parsed = JSON.parse(line) as { port?: unknown; stats?: ServerStats };
        if (parsed.stats) serverStats.push({ ...parsed.stats, at: performance.now() });
        else if (typeof parsed.port === "number") {
          clearTimeout(timer);
          resolve(parsed.port);
        }
      } catch {
        process.stdout.write(`  [${name}] ${line}\n`);
      }
    });
    child.once("exit", (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`${name} exited before listening (code ${code}, signal ${signal})`));
    });
    child.once("error", (error) => {
      clearTimeout(timer);
      reject(error);
    });
  });
  return { name, process: child, port };
}

async function stopChild(proc: ChildProcess): Promise<void> {
  if (proc.exitCode !== null || proc.signalCode !== null) return;
  const exited = new Promise<void>((resolve) => proc.once("exit", () => resolve()));
  proc.kill("SIGTERM");
  const timer = setTimeout(() => proc.kill("SIGKILL"), 8_000);
  await exited;
  clearTimeout(timer);
}

// ---------------------------------------------------------------------------------------------------
// HTTP client

interface Answer {
  readonly status: number;
  readonly body: string;
}

function makeClient(port: number) {
  const agent = new http.Agent({ keepAlive: true, maxSockets: 256, maxFreeSockets: 256 });
  const outstanding = new Set<http.ClientRequest>();
  function request(method: string, path: string, headers: Record<string, string>, body?: string) {
    return new Promise<Answer>((resolve, reject) => {
      const req = http.request(
        {
          host: "127.0.0.1",
          port,
          method,
          path,
          agent,
          headers:
            body === undefined
              ? headers
              : { ...headers, "content-type": "application/json", "content-length": Buffer.byteLength(body) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on("data", (chunk: Buffer) => chunks.push(chunk));
          res.on("end", () =>
            resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
          );
          res.on("error", reject);
        },
      );
      outstanding.add(req);
      req.on("close", () => outstanding.delete(req));
      req.setTimeout(REQUEST_TIMEOUT_MS, () => req.destroy(new Error("timeout")));
      req.on("error", reject);
      req.end(body);
    });
  }
  /** Gives up on every request still waiting (sent or queued in the agent); they fail as "abandoned". */
  function abandon(): number {
    const count = outstanding.size;
    for (const req of outstanding) req.destroy(new Error("abandoned"));
    return count;
  }
  return { request, abandon, close: () => agent.destroy() };
}
type Client = ReturnType<typeof makeClient>;

// ---------------------------------------------------------------------------------------------------
// Recording

/** Where a workload reports each request: when it was due, and when it answered or how it failed. */
interface Sink {
  ok(dueAt: number, doneAt: number): void;
  /** A failed request still has a latency: until its error answer, timeout, or abandonment (a lower bound). */
  error(dueAt: number, kind: string, doneAt: number): void;
}

/** The first answer body of each kind of error, to show what went wrong (problem+json, no personal data). */
const errorSamples = new Map<string, string>();
const sampleError = (kind: string, body: string) => {
  if (!errorSamples.has(kind)) errorSamples.set(kind, body.replace(/\s+/g, " ").slice(0, 300));
};

/**
 * One run's samples: latencies (ms from the due moment) of requests due inside the measured window, and
 * the arrival times of all 2xx answers (throughput counts answers arriving inside the window).
 */
class Recorder implements Sink {
  readonly latencies: number[] = [];
  /** The same latencies by the second of the window they were due in. */
  readonly bySecond: number[][] = [];
  readonly completions: number[] = [];
  readonly errorsByKind = new Map<string, number>();
  errors = 0;
  skipped = 0;

  constructor(
    private readonly windowStart: number,
    private readonly windowEnd: number,
  ) {}

  inWindow(dueAt: number): boolean {
    return dueAt >= this.windowStart && dueAt < this.windowEnd;
  }

  private sample(dueAt: number, doneAt: number): void {
    this.latencies.push(doneAt - dueAt);
    const second = Math.floor((dueAt - this.windowStart) / 1000);
    const bucket = this.bySecond[second] ?? [];
    this.bySecond[second] = bucket;
    bucket.push(doneAt - dueAt);
  }

  ok(dueAt: number, doneAt: number): void {
    this.completions.push(doneAt);
    if (this.inWindow(dueAt)) this.sample(dueAt, doneAt);
  }

  error(dueAt: number, kind: string, doneAt: number): void {
    if (!this.inWindow(dueAt)) return;
    this.sample(dueAt, doneAt);
    this.errors++;
    this.errorsByKind.set(kind, (this.errorsByKind.get(kind) ?? 0) + 1);
  }

  skip(dueAt: number, requests: number): void {
    if (this.inWindow(dueAt)) this.skipped += requests;
  }

  /** 2xx answers that arrived inside the measured window, per second of window. */
  achievedPerSecond(): number {
    const seconds = (this.windowEnd - this.windowStart) / 1000;
    return this.completions.filter((t) => t >= this.windowStart && t < this.windowEnd).length / seconds;
  }
}

interface Summary {
  readonly achieved: number;
  readonly count: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
  readonly max: number;
  readonly errors: number;
  readonly errorKinds: string;
  /** p99 of the requests due in each second of the window (NaN for a second with none). */
  readonly secondP99s: readonly number[];
  /** Cores used during the measured window: the whole machine and each group of processes. */
  cpu?: CpuUse & { checkpoints: number };
  /** The API process's worst second in the window (commands only). */
  server?: ReturnType<typeof serverStatsBetween>;
}

function summarize(recorder: Recorder): Summary {
  const sorted = [...recorder.latencies].sort((a, b) => a - b);
  const kinds = [...recorder.errorsByKind].map(([kind, n]) => `${kind}×${n}`);
  if (recorder.skipped > 0) kinds.push(`not sent (overload)×${recorder.skipped}`);
  return {
    achieved: recorder.achievedPerSecond(),
    count: sorted.length,
    p50: percentile(sorted, 50),
    p90: percentile(sorted, 90),
    p99: percentile(sorted, 99),
    max: sorted.at(-1) ?? Number.NaN,
    errors: recorder.errors + recorder.skipped,
    errorKinds: kinds.join(", "),
    secondP99s: [...recorder.bySecond].map((second) =>
      percentile(
        [...(second ?? [])].sort((a, b) => a - b),
        99,
      ),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------
// Workloads

interface Workload {
  readonly label: string;
  /** Requests one unit of work issues (4 commands per flow, 1 ping). */
  readonly requestsPerUnit: number;
  /** Runs unit `index`, due at `dueAt`; reports each request to the recorder. */
  run(index: number, dueAt: number, sink: Sink): Promise<void>;
  /** Fails every request still waiting; answers how many there were. */
  abandon(): number;
}

/** The processes whose CPU time a run reports, by group (looked up at the window's start and end). */
type CpuGroups = () => Promise<{ pids: Record<string, number[]>; checkpoints: number }>;

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

async function dossierWorkload(client: Client): Promise<Workload> {
  const units = demoUnits("19", { communes: COMMUNES });
  const communes = units.filter((u) => u.level === "commune");
  const departments = units.filter((u) => u.level === "department");
  // Commune procedures whose path goes on to a department: the flow's transfer stays on it.
  const procedures = DEMO_PROCEDURES.filter(
    (p) => p.level === "commune" && (p.interLevels ?? []).includes("department"),
  ).map((p) => p.procedureId);
  const tokens = new Map<string, string>();
  for (const unit of [...communes, ...departments]) {
    const token = await signDevToken(
      { role: "officer", unitId: unit.unitId, sub: `bench-${unit.unitId}`, name: "Cán bộ đo tải", ttl: "2h" },
      DEV_JWT_SECRET,
    );
    tokens.set(unit.unitId, `Bearer ${token}`);
  }
  const auth = (unitId: string) => ({ authorization: tokens.get(unitId) as string });

  return {
    label: "commands",
    requestsPerUnit: COMMANDS_PER_FLOW,
    abandon: client.abandon,
    async run(index, flowDueAt, sink) {
      const commune = communes[index % communes.length] as (typeof communes)[number];
      const department = departments[index % departments.length] as (typeof departments)[number];
      const procedureId = procedures[index % procedures.length] as string;
      const steps: [string, string, string, object][] = [
        [
          "receive",
          "/dossiers",
          commune.unitId,
          {
            procedureId,
            unitId: commune.unitId,
            channel: index % 3 === 0 ? "online" : "direct",
            applicant: { name: "Nguyễn Văn An", idNumber: `0190850${String(index).padStart(5, "0")}` },
            documents: [{ name: "Tờ khai", digitized: true }],
          },
        ],
        ["transfer", "/transfer", commune.unitId, { toUnitId: department.unitId, reason: "liên thông" }],
        ["resolve", "/resolve", department.unitId, { outcome: "approved" }],
        ["return", "/return", department.unitId, { method: "counter" }],
      ];
      let dossierId = "";
      let dueAt = flowDueAt;
      for (const [name, path, unitId, body] of steps) {
        const url = name === "receive" ? path : `/dossiers/${dossierId}${path}`;
        let answer: Answer;
        try {
          answer = await client.request("POST", url, auth(unitId), JSON.stringify(body));
        } catch (error) {
          sink.error(dueAt, `${name} ${(error as Error).message}`, performance.now());
          return;
        }
        const doneAt = performance.now();
        if (answer.status < 200 || answer.status >= 300) {
          sink.error(dueAt, `${name} ${answer.status}`, doneAt);
          sampleError(`${name} ${answer.status}`, answer.body);
          return;
        }
        sink.ok(dueAt, doneAt);
        if (name === "receive") dossierId = (JSON.parse(answer.body) as { dossierId: string }).dossierId;
        dueAt = doneAt;
      }
    },
  };
}

function pingWorkload(client: Client): Workload {
  return {
    label: "ping",
    requestsPerUnit: 1,
    abandon: client.abandon,
    async run(_index, dueAt, sink) {
      try {
        const answer = await client.request("GET", "/ping", {});
        if (answer.status === 200) sink.ok(dueAt, performance.now());
        else sink.error(dueAt, `ping ${answer.status}`, performance.now());
      } catch (error) {
        sink.error(dueAt, `ping ${(error as Error).message}`, performance.now());
      }
    },
  };
}

/**
 * Open loop: units of work start at `ratePerSecond / requestsPerUnit` per second on a fixed schedule,
 * whatever the answers. Prints one progress line per second. Returns the measured window's summary.
 */
async function openLoop(
  workload: Workload,
  ratePerSecond: number,
  warmupSeconds: number,
  seconds: number,
  cpuGroups?: CpuGroups,
): Promise<Summary> {
  const unitsPerSecond = ratePerSecond / workload.requestsPerUnit;
  const interval = 1000 / unitsPerSecond;
  const total = Math.round((warmupSeconds + seconds) * unitsPerSecond);
  const t0 = performance.now() + 20;
  const windowStart = t0 + warmupSeconds * 1000;
  const windowEnd = t0 + (warmupSeconds + seconds) * 1000;
  const recorder = new Recorder(windowStart, windowEnd);
  const running = new Set<Promise<void>>();

  // CPU accounting over the measured window.
  let cpu: Promise<Summary["cpu"]> | undefined;
  if (cpuGroups) {
    cpu = (async () => {
      await sleep(windowStart - performance.now());
      const before = await cpuGroups();
      const start = cpuSnapshot(Object.values(before.pids).flat());
      await sleep(windowEnd - performance.now());
      const after = await cpuGroups();
      const groups: Record<string, number[]> = {};
      for (const name of Object.keys(after.pids)) {
        groups[name] = [...new Set([...(before.pids[name] ?? []), ...(after.pids[name] ?? [])])];
      }
      const use = coresBetween(start, cpuSnapshot(Object.values(groups).flat()), groups);
      return { ...use, checkpoints: after.checkpoints - before.checkpoints };
    })().catch(() => undefined);
  }

  // Progress: answers and latencies of the last second, whatever window they belong to.
  let secondOk = 0;
  let secondLatencies: number[] = [];
  let secondErrors = 0;
  const progressSink: Sink = {
    ok: (dueAt: number, doneAt: number) => {
      secondOk++;
      secondLatencies.push(doneAt - dueAt);
      recorder.ok(dueAt, doneAt);
    },
    error: (dueAt: number, kind: string, doneAt: number) => {
      secondErrors++;
      secondLatencies.push(doneAt - dueAt);
      recorder.error(dueAt, kind, doneAt);
    },
  };

  let elapsed = 0;
  const serverSecond = () => {
    const last = serverStats.at(-1);
    if (workload.label !== "commands" || !last || performance.now() - last.at > 1500) return "";
    return `  │ API loop ≤${last.loopMaxMs.toFixed(0)} ms, GC ${last.gcMs.toFixed(0)} ms`;
  };
  // The machine's disk stalls second by second (Linux PSI "some"): a commit waits for its WAL flush, so
  // a stalled disk would hold every command of that second whatever the API does. WAL flushes alone
  // read tens of ms per second here; a spike beside a second of queued answers is what to look for.
  let ioStallAt = ioStallMicros();
  const progress = setInterval(() => {
    elapsed++;
    const ioStallNow = ioStallMicros();
    const ioStallMs = (ioStallNow - ioStallAt) / 1000;
    ioStallAt = ioStallNow;
    const sorted = secondLatencies.sort((a, b) => a - b);
    const phase =
      elapsed <= warmupSeconds ? "warm-up " : elapsed <= warmupSeconds + seconds ? "measured" : "draining";
    say(
      `  ${workload.label.padEnd(8)} ${String(ratePerSecond).padStart(5)}/s  ${phase} ${String(elapsed).padStart(3)} s` +
        `  ok ${String(secondOk).padStart(5)}/s  p50 ${fmt(percentile(sorted, 50))}  p99 ${fmt(percentile(sorted, 99))}` +
        `  in flight ${String(running.size).padStart(4)}  errors ${secondErrors}${serverSecond()}` +
        (Number.isFinite(ioStallMs) ? `, disk stalled ${ioStallMs.toFixed(0)} ms` : ""),
    );
    secondOk = 0;
    secondErrors = 0;
    secondLatencies = [];
  }, 1000);

  let next = 0;
  await new Promise<void>((resolve) => {
    const tick = () => {
      const now = performance.now();
      if (stopping) next = total;
      while (next < total && t0 + next * interval <= now) {
        const dueAt = t0 + next * interval;
        if (running.size >= MAX_IN_FLIGHT_FLOWS) {
          recorder.skip(dueAt, workload.requestsPerUnit);
        } else {
          const promise = workload.run(next, dueAt, progressSink).finally(() => running.delete(promise));
          running.add(promise);
        }
        next++;
      }
      if (next >= total) resolve();
      else setTimeout(tick, Math.max(0, t0 + next * interval - performance.now()));
    };
    setTimeout(tick, Math.max(0, t0 - performance.now()));
  });
  // Let the last flows finish; an overloaded server gets DRAIN_SECONDS, then whatever still waits is
  // abandoned (counted as errors, its wait so far as a lower bound of its latency), so that one overloaded
  // rate neither runs on for minutes nor spills its backlog into the next measurement.
  const drainDeadline = performance.now() + DRAIN_SECONDS * 1000;
  while (running.size > 0 && performance.now() < drainDeadline) await sleep(50);
  if (running.size > 0) {
    const abandoned = workload.abandon();
    say(
      `  … gave up on ${abandoned} requests still waiting ${DRAIN_SECONDS} s after the last scheduled start`,
    );
    await Promise.all(running);
  }
  clearInterval(progress);
  const summary = summarize(recorder);
  const used = await cpu;
  if (used) summary.cpu = used;
  if (workload.label === "commands") summary.server = serverStatsBetween(windowStart, windowEnd);
  return summary;
}

/** Closed loop: `concurrency` workers, each starting its next unit when the last one ends. */
async function closedLoop(workload: Workload, concurrency: number, seconds: number): Promise<number> {
  const start = performance.now() + 1000; // one second of warm-up
  const end = start + seconds * 1000;
  const recorder = new Recorder(start, end);
  let index = 0;
  const worker = async () => {
    while (performance.now() < end) await workload.run(index++, performance.now(), recorder);
  };
  const workers = Promise.all(Array.from({ length: concurrency }, worker));
  const drained = await Promise.race([
    workers.then(() => true),
    sleep(end - performance.now() + DRAIN_SECONDS * 1000).then(() => false),
  ]);
  if (!drained) {
    workload.abandon();
    await workers;
  }
  return recorder.achievedPerSecond();
}

// ---------------------------------------------------------------------------------------------------
// Report

const fmt = (ms: number) => (Number.isNaN(ms) ? "    –   " : `${ms.toFixed(1).padStart(6)} ms`);

function table(rows: { rate: number; commands: Summary; ping: Summary }[]): void {
  const header = [
    "target/s",
    "cmds/s",
    "p50",
    "p99",
    "max",
    "errors",
    "│",
    "ping/s",
    "p50",
    "p99",
    "max",
    "errors",
    "│",
    "p50 ×",
    "p99 ×",
  ];
  const widths = [8, 7, 9, 9, 9, 6, 1, 7, 9, 9, 9, 6, 1, 6, 6];
  const line = (cells: string[]) => say(`  ${cells.map((c, i) => c.padStart(widths[i] ?? 8)).join(" ")}`);
  line(header);
  for (const { rate, commands: c, ping: p } of rows) {
    line([
      String(rate),
      c.achieved.toFixed(0),
      fmt(c.p50),
      fmt(c.p99),
      fmt(c.max),
      String(c.errors),
      "│",
      p.achieved.toFixed(0),
      fmt(p.p50),
      fmt(p.p99),
      fmt(p.max),
      String(p.errors),
      "│",
      (c.p50 / p.p50).toFixed(1),
      (c.p99 / p.p99).toFixed(1),
    ]);
  }
}

const cores = (n: number | undefined) => (n === undefined || Number.isNaN(n) ? "–" : n.toFixed(2));

function cpuTable(rows: { rate: number; commands: Summary; ping: Summary }[]): void {
  say(
    `\n  Where the CPU went in each measured window, in cores (this machine has ${availableParallelism()});`,
  );
  say("  CPU milliseconds per answered command (API, Postgres) or GET /ping (Fastify); the share of the");
  say("  window in which some process was stalled on the disk; Postgres checkpoints during the window:");
  const widths = [8, 8, 8, 8, 8, 8, 8, 8, 5, 1, 8, 8, 8, 8];
  const line = (cells: string[]) => say(`  ${cells.map((c, i) => c.padStart(widths[i] ?? 8)).join(" ")}`);
  line(
    ["target/s", "API", "Postgres", "load gen", "others", "API ms", "PG ms", "IO stall", "ckpt"].concat([
      "│",
      "Fastify",
      "others",
      "IO stall",
      "ms/ping",
    ]),
  );
  const others = (cpu: Summary["cpu"]) =>
    // Clamped: per-process ticks are 10 ms coarse, so on a quiet machine the difference can dip below 0.
    cpu ? Math.max(0, cpu.machine - Object.values(cpu.groups).reduce((a, b) => a + b, 0)) : undefined;
  const perAnswer = (cores: number | undefined, perSecond: number) =>
    cores === undefined || perSecond <= 0 ? "–" : ((cores * 1000) / perSecond).toFixed(2);
  const percent = (share: number | undefined) =>
    share === undefined || Number.isNaN(share) ? "–" : `${(share * 100).toFixed(0)}%`;
  for (const { rate, commands: c, ping: p } of rows) {
    line([
      String(rate),
      cores(c.cpu?.groups.api),
      cores(c.cpu?.groups.postgres),
      cores(c.cpu?.groups.loadgen),
      cores(others(c.cpu)),
      perAnswer(c.cpu?.groups.api, c.achieved),
      perAnswer(c.cpu?.groups.postgres, c.achieved),
      percent(c.cpu?.ioStall),
      String(c.cpu?.checkpoints ?? "–"),
      "│",
      cores(p.cpu?.groups.api),
      cores(others(p.cpu)),
      percent(p.cpu?.ioStall),
      perAnswer(p.cpu?.groups.api, p.achieved),
    ]);
  }
  say("  API = the API process (one event loop); Postgres = its pool's backends; others = the rest of the");
  say("  machine (other people's work, Postgres' WAL writer and checkpointer, interrupts). Whatever others");
  say("  take, the scheduler and the disk give our processes less: the latencies then say more about the");
  say("  machine than about the API.");
}

// ---------------------------------------------------------------------------------------------------
// Main

let database: TestDatabase | null = null;
/** Set on Ctrl-C: no more load is scheduled while the servers stop and the database is dropped. */
let stopping = false;
let cleaning: Promise<void> | null = null;

function cleanup(): Promise<void> {
  cleaning ??= (async () => {
    for (const child of children.reverse()) await stopChild(child).catch(() => undefined);
    if (database) {
      await database.drop().catch((error: unknown) => {
        process.stderr.write(`could not drop ${database?.name}: ${(error as Error).message}\n`);
      });
    }
  })();
  return cleaning;
}

for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.once(signal, () => {
    stopping = true;
    say(`\n${signal}: stopping the servers and dropping the benchmark database…`);
    void cleanup().finally(() => process.exit(130));
  });
}

async function main(): Promise<void> {
  const startedAt = performance.now();
  say("pnpm bench:commands — open-loop dossier commands vs bare Fastify, on 127.0.0.1");
  database = await createTestDatabase("benchcommands");
  say(`  database ${database.name} (throw-away)`);
  const api = await startChild("api", "api-child.ts", {
    DATABASE_URL: database.url,
    BENCH_COMMUNES: String(COMMUNES),
    BENCH_POOL_SIZE: String(POOL_SIZE),
  });
  const ping = await startChild("ping", "ping-child.ts", {});
  say(`  API (createApiRuntime, pool ${POOL_SIZE}) on :${api.port}; bare Fastify /ping on :${ping.port}`);
  say(
    `  rates ${RATES.join(", ")} commands/s; ${WARMUP_SECONDS} s warm-up + ${SECONDS} s measured each; ping ${PING_SECONDS} s each`,
  );

  // Our Postgres backends (the API's pool), for the CPU report; this connection itself excluded.
  const monitor = new pg.Client({ connectionString: database.url });
  monitor.on("error", () => {});
  await monitor.connect();
  const backends = async () =>
    (
      await monitor.query<{ pid: number }>(
        "SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
      )
    ).rows.map((r) => r.pid);
  const apiPid = api.process.pid ?? 0;
  const pingPid = ping.process.pid ?? 0;
  // Checkpoints (anyone's: DROP DATABASE forces one) flush dirty pages and can stall every commit.
  const checkpoints = async () =>
    Number(
      (
        await monitor.query<{ n: string }>(
          "SELECT checkpoints_timed + checkpoints_req AS n FROM pg_stat_bgwriter",
        )
      ).rows[0]?.n ?? Number.NaN,
    );
  const commandCpu: CpuGroups = async () => ({
    pids: { api: [apiPid], postgres: await backends(), loadgen: [process.pid] },
    checkpoints: await checkpoints(),
  });
  const pingCpu: CpuGroups = async () => ({
    pids: { api: [pingPid], postgres: [], loadgen: [process.pid] },
    checkpoints: await checkpoints(),
  });
  const quiet = await machineBusyCores();
  say(`  machine before the runs: ${quiet.toFixed(2)} of ${availableParallelism()} cores busy (other work)`);
  if (quiet > 0.3) say("  warning: other work is running on this machine; the figures will be noisy");

  const apiClient = makeClient(api.port);
  const pingClient = makeClient(ping.port);
  const commands = await dossierWorkload(apiClient);
  const trivial = pingWorkload(pingClient);

  const rows: { rate: number; commands: Summary; ping: Summary }[] = [];
  for (const rate of RATES) {
    say(`\n▶ ${rate} commands/s (${rate / COMMANDS_PER_FLOW} flows/s)`);
    const c = await openLoop(commands, rate, WARMUP_SECONDS, SECONDS, commandCpu);
    say(`▶ ${rate} GET /ping/s (bare Fastify)`);
    const p = await openLoop(trivial, rate, 1, PING_SECONDS, pingCpu);
    rows.push({ rate, commands: c, ping: p });
  }

  say(`\n▶ capacity probe: ${PROBE_CONCURRENCY} closed-loop workers, ${PROBE_SECONDS} s each`);
  const commandCapacity = await closedLoop(commands, PROBE_CONCURRENCY, PROBE_SECONDS);
  const pingCapacity = await closedLoop(trivial, PROBE_CONCURRENCY, PROBE_SECONDS);
  apiClient.close();
  pingClient.close();
  await monitor.end();

  say("\nResults. Latency: from the moment each request was due (its scheduled send time) to its answer,");
  say("failed requests included. Errors: non-2xx, timeouts, abandoned after the drain, or never sent.");
  table(rows);
  for (const { rate, commands: c } of rows) {
    if (c.errorKinds) say(`  errors at ${rate}/s: ${c.errorKinds}`);
  }
  for (const [kind, body] of errorSamples) say(`  first ${kind} answer: ${body}`);
  const logged = [...serverErrors].sort((a, b) => b[1] - a[1]);
  for (const [what, count] of logged.slice(0, 5)) say(`  server logged ×${count}: ${what}`);
  say(
    `\n  capacity (closed loop, ${PROBE_CONCURRENCY} workers, load generator on the same 2 cores): ` +
      `${commandCapacity.toFixed(0)} commands/s vs ${pingCapacity.toFixed(0)} GET /ping/s ` +
      `→ commands run at ${((100 * commandCapacity) / pingCapacity).toFixed(1)}% of the trivial route's rate ` +
      `(1 : ${(pingCapacity / commandCapacity).toFixed(1)})`,
  );
  cpuTable(rows);
  say("\n  The API process in each measured window (its worst second):");
  for (const { rate, commands: c } of rows) {
    const server = c.server;
    if (!server) continue;
    say(
      `  ${String(rate).padStart(8)}/s  event loop blocked up to ${server.loopMaxMs.toFixed(0)} ms; ` +
        `GC ${server.gcMsPerSecond.toFixed(0)} ms/s on average, longest pause ${server.gcMaxMs.toFixed(0)} ms; ` +
        `up to ${server.poolWaitingMax} queries waiting for a reference-data connection; ` +
        `resident memory up to ${server.rssMaxMiB.toFixed(0)} MiB`,
    );
  }
  const goalRow = rows.find((r) => r.rate === GOAL.rate);
  if (goalRow) {
    const { p99, achieved, errors } = goalRow.commands;
    const met = p99 < GOAL.p99Ms && achieved >= GOAL.rate * 0.95 && errors === 0;
    say(
      `\n  Goal "p99 under ${GOAL.p99Ms} ms at ${GOAL.rate} commands/s": ${met ? "MET" : "NOT MET"} ` +
        `(p99 ${p99.toFixed(1)} ms, ${achieved.toFixed(0)} commands/s sustained, ${errors} errors)`,
    );
    const seconds = goalRow.commands.secondP99s;
    const calm = seconds.filter((p) => p < GOAL.p99Ms).length;
    const sorted = [...seconds].filter((p) => !Number.isNaN(p)).sort((a, b) => a - b);
    say(
      `  Second by second: ${calm} of ${seconds.length} seconds had their own p99 under ${GOAL.p99Ms} ms ` +
        `(median second's p99 ${percentile(sorted, 50).toFixed(1)} ms, worst ${fmt(sorted.at(-1) ?? Number.NaN).trim()}).`,
    );
  }
  // What the CPU allows at all, from the busiest row (CPU per command falls as load rises: more work
  // per wake-up and per system call).
  const busiest = [...rows].sort((a, b) => b.commands.achieved - a.commands.achieved)[0];
  const use = busiest?.commands.cpu;
  if (busiest && use && busiest.commands.achieved > 0) {
    const per = (cores = 0) => (cores * 1000) / busiest.commands.achieved;
    const api = per(use.groups.api);
    const all = api + per(use.groups.postgres) + per(use.groups.loadgen);
    say(
      `  CPU ceiling: at ${busiest.commands.achieved.toFixed(0)} commands/s each command cost ${api.toFixed(2)} ms ` +
        `in the API, ${per(use.groups.postgres).toFixed(2)} ms in Postgres and ${per(use.groups.loadgen).toFixed(2)} ms ` +
        `in the load generator: one API event loop tops out near ${(1000 / api).toFixed(0)}/s, and the ` +
        `${availableParallelism()} cores near ${((availableParallelism() * 1000) / all).toFixed(0)}/s for the three together.`,
    );
  }
  say(`  total time ${((performance.now() - startedAt) / 1000).toFixed(0)} s`);
  const figures: Record<string, number> = {
    capacity_commands_per_s: commandCapacity,
    capacity_ping_per_s: pingCapacity,
    capacity_vs_floor_ratio: commandCapacity / pingCapacity,
  };
  const msPer = (cores: number | undefined, perSecond: number) =>
    cores === undefined || perSecond <= 0 ? Number.NaN : (cores * 1000) / perSecond;
  for (const { rate, commands: c, ping: p } of rows) {
    figures[`rate${rate}.commands_per_s`] = c.achieved;
    figures[`rate${rate}.p50_ms`] = c.p50;
    figures[`rate${rate}.p99_ms`] = c.p99;
    figures[`rate${rate}.errors`] = c.errors;
    figures[`rate${rate}.api_cpu_ms_per_command`] = msPer(c.cpu?.groups.api, c.achieved);
    figures[`rate${rate}.postgres_cpu_ms_per_command`] = msPer(c.cpu?.groups.postgres, c.achieved);
    figures[`rate${rate}.ping_cpu_ms_per_request`] = msPer(p.cpu?.groups.api, p.achieved);
    figures[`rate${rate}.p99_vs_ping_ratio`] = c.p99 / p.p99;
  }
  const cache = serverStats.at(-1)?.folded;
  if (cache) {
    const lookups = cache.hits + cache.misses;
    say(
      `  folded dossiers (COMMAND_CACHE_DOSSIERS=${cache.capacity}): ${cache.size} kept, hit rate ` +
        `${lookups > 0 ? ((100 * cache.hits) / lookups).toFixed(1) : "–"} % of ${lookups} look-ups, ${cache.stale} found stale`,
    );
    figures.folded_hit_ratio = lookups > 0 ? cache.hits / lookups : Number.NaN;
  }
  const counted = (label: string, setting: string, key: string, counters: CacheCounters | undefined) => {
    if (!counters) return;
    const lookups = counters.hits + counters.misses;
    say(
      `  ${label} (${setting}=${counters.capacity}): ${counters.size} kept, hit rate ` +
        `${lookups > 0 ? ((100 * counters.hits) / lookups).toFixed(1) : "–"} % of ${lookups} look-ups`,
    );
    figures[`${key}_hit_ratio`] = lookups > 0 ? counters.hits / lookups : Number.NaN;
  };
  const last = serverStats.at(-1);
  counted("reference data", "COMMAND_CACHE_REFERENCE", "reference", last?.reference);
  counted("verified tokens", "AUTH_TOKEN_CACHE", "tokens", last?.tokens);
  if (last?.pgQueries !== undefined && last.httpRequests) {
    const perCommand = last.pgQueries / last.httpRequests;
    say(
      `  round trips to Postgres: ${perCommand.toFixed(2)} per command (${last.pgQueries} queries for ` +
        `${last.httpRequests} requests, NOTIFY and LISTEN included) — a count, whatever the machine's load`,
    );
    figures.pg_queries_per_command = perCommand;
  }
  figures.api_rss_max_mib = Math.max(...serverStats.map((s) => s.rssMiB ?? Number.NaN));
  say("  goal: ≤ 0.3 ms of API CPU per command");
  recordBenchResult("commands", figures);
}

try {
  await main();
} catch (error) {
  process.stderr.write(`bench:commands failed: ${(error as Error).stack ?? String(error)}\n`);
  process.exitCode = 1;
} finally {
  await cleanup();
}
