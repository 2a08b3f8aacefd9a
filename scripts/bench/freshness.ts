/**
 * `pnpm bench:freshness [--rate 500] [--seconds 15] [--warmup 3]`: under a steady open-loop load of receipts through
 * the API, how long from an append's answer until the read models (what `GET /dossiers/{id}` reads)
 * reflect it. The API (`pnpm api`) and the projector (`pnpm projector`: feeder + workers) run as two
 * processes of their own, as a deployment runs them, on a throw-away database and Redis prefix; this
 * process only sends the load and watches the read position. Prints p50/p99; asserts nothing.
 * Goal: p99 under 200 ms.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { createServer } from "node:net";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import { createPostgresPool, DEV_JWT_SECRET, loadConfig, signDevToken } from "@motcua/platform";
import { activeReadModelVersion, type ReadModelDb, readPosition } from "@motcua/read-models";
import { putCalendar, putProcedure, putUnit } from "@motcua/reference-data";
import { CALENDAR_2025, createTestDatabase, createTestRedis } from "@motcua/testing";
import { recordBenchResult, residentMiB, startCpuMeter } from "@motcua/testing/bench";
import { Kysely, PostgresDialect } from "kysely";

const { values } = parseArgs({
  options: { rate: { type: "string" }, seconds: { type: "string" }, warmup: { type: "string" } },
});
const rate = Number(values.rate ?? 500);
const seconds = Number(values.seconds ?? 15);
const warmup = Number(values.warmup ?? 3);
if (!(rate > 0 && rate <= 5_000) || !(seconds > 0 && seconds <= 300) || !(warmup >= 0 && warmup <= 60)) {
  process.stderr.write("--rate must be 1–5000 commands/s, --seconds 1–300 and --warmup 0–60\n");
  process.exit(2);
}

const freePort = () =>
  new Promise<number>((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });

const database = await createTestDatabase("benchfresh");
const redisKeys = await createTestRedis("benchfresh");
const port = await freePort();
const env = {
  ...process.env,
  DATABASE_URL: database.url,
  REDIS_URL: redisKeys.url,
  REDIS_PREFIX: redisKeys.prefix,
  HOST: "127.0.0.1",
  PORT: String(port),
  LOG_LEVEL: "error",
  RATE_LIMIT_MAX: "1000000",
};
const config = loadConfig(env);
const root = fileURLToPath(new URL("../../", import.meta.url));
const children: ChildProcess[] = [];
const run = (script: string) => {
  const child = spawn(process.execPath, ["--import", "tsx", script], {
    cwd: root,
    env: { ...env, LOG_LEVEL: process.env.BENCH_LOG_LEVEL ?? "error" },
    stdio: "inherit",
  });
  children.push(child);
  return child;
};
const stopChildren = async () => {
  await Promise.all(
    children.map(
      (child) =>
        new Promise<void>((resolve) => {
          if (child.exitCode !== null || child.signalCode !== null) return resolve();
          child.once("exit", () => resolve());
          child.kill("SIGTERM");
          setTimeout(() => child.kill("SIGKILL"), 10_000).unref();
        }),
    ),
  );
};

// Its own name, so the meter counts the backend of this process's read-position poller (one query every
// 2 ms) as the load generator's and not as the system's Postgres per receipt.
const BENCH_APPLICATION = "bench-freshness";
const pool = createPostgresPool(database.url, { max: 4, applicationName: BENCH_APPLICATION });
const db = new Kysely<never>({ dialect: new PostgresDialect({ pool }) });
/** Whatever happens (a failure, Ctrl-C), the child processes stop and the database and keys go. */
const cleanup = async () => {
  await stopChildren();
  await db.destroy().catch(() => {});
  await redisKeys.cleanup().catch(() => {});
  await database.drop().catch(() => {});
};
const abort = (why: unknown) => {
  process.stderr.write(`bench:freshness: ${why instanceof Error ? why.message : String(why)}\n`);
  void cleanup().finally(() => process.exit(1));
};
process.once("uncaughtException", abort);
process.once("unhandledRejection", abort);
process.once("SIGINT", () => abort("interrupted"));

const base = `http://127.0.0.1:${port}`;
run("scripts/api.ts");
for (let i = 0; ; i++) {
  const ok = await fetch(`${base}/health`).then(
    (r) => r.status === 200,
    () => false,
  );
  if (ok) break;
  if (i > 600) throw new Error("the API did not answer /health within a minute");
  await new Promise((resolve) => setTimeout(resolve, 100));
}
run("services/projector/src/main.ts");

const at = new Date().toISOString();
await putUnit(
  db,
  { unitId: "p", code: "000.00.00.H19", name: "Tỉnh", level: "province", parentId: null },
  "bench",
  at,
);
for (let i = 0; i < 8; i++) {
  await putUnit(
    db,
    { unitId: `c${i}`, code: `055.${40 + i}.00.H19`, name: `Phường ${i}`, level: "commune", parentId: "p" },
    "bench",
    at,
  );
}
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
  "bench",
  at,
);
await putCalendar(db, CALENDAR_2025, "bench", at);
const token = await signDevToken({ role: "admin", sub: "bench" }, config.auth.jwtSecret ?? DEV_JWT_SECRET);

// One poller follows the read position (one query for all the receipts waiting); each waiting append
// resolves when it is reached.
const readModels = db as unknown as ReadModelDb;
const schema = (await activeReadModelVersion(readModels)) as string;
const waiting: { position: number; answeredAt: number; counted: boolean }[] = [];
const freshness: number[] = [];
/** (ms since the measured load began, freshness ms) of each counted receipt, for the worst-second line. */
const timeline: [number, number][] = [];
let started = performance.now();
let polling = true;
const poller = (async () => {
  while (polling) {
    const reached = await readPosition(readModels, schema);
    const now = performance.now();
    for (let i = waiting.length - 1; i >= 0; i--) {
      const w = waiting[i] as (typeof waiting)[number];
      if (w.position <= reached) {
        if (w.counted) freshness.push(now - w.answeredAt);
        if (w.counted) timeline.push([w.answeredAt - started, now - w.answeredAt]);
        waiting.splice(i, 1);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
})();

process.stdout.write(
  `bench:freshness: ${rate} receipts/s for ${seconds} s through the API (after ${warmup} s of warm-up at the same rate, not counted); API and projector in processes of their own\n`,
);
let sent = 0;
let errors = 0;
/** What the errors were: an HTTP status with the problem's code, or why fetch failed (no personal data). */
const errorKinds = new Map<string, number>();
const countError = (kind: string) => {
  errors++;
  errorKinds.set(kind, (errorKinds.get(kind) ?? 0) + 1);
};
let measuring = false;
const inFlight: Promise<void>[] = [];
const offer = async (count: number, say: boolean) => {
  const from = performance.now();
  for (let i = 0; i < count; i++) {
    const due = from + (i * 1000) / rate;
    const wait = due - performance.now();
    if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
    const counted = measuring;
    if (counted) sent++;
    inFlight.push(
      fetch(`${base}/dossiers`, {
        method: "POST",
        headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
        body: JSON.stringify({
          procedureId: "birth",
          unitId: `c${i % 8}`,
          channel: "online",
          applicant: { name: "Công dân" },
        }),
      })
        .then(async (r) => {
          const body = (await r.json()) as { position?: number; code?: string };
          if (r.status === 201 && typeof body.position === "number")
            waiting.push({ position: body.position, answeredAt: performance.now(), counted });
          else if (counted) countError(`HTTP ${r.status} ${body.code ?? ""}`.trim());
        })
        .catch((error: unknown) => {
          const cause = (error as { cause?: { code?: string } }).cause?.code;
          if (counted)
            countError(`fetch failed: ${cause ?? (error instanceof Error ? error.name : "unknown")}`);
        }),
    );
    if (say && i % rate === 0 && i > 0)
      process.stdout.write(
        `  ${Math.round(i / rate)} s: ${sent} sent, ${freshness.length} visible, ${errors} errors\n`,
      );
  }
};
// Warm-up: both processes compile their hot paths and fill their pools; the projector is up once the
// warm-up's receipts are visible.
await offer(Math.round(rate * warmup), false);
await Promise.all(inFlight);
for (let i = 0; waiting.length > 0 && i < 3_000; i++) await new Promise((resolve) => setTimeout(resolve, 10));
inFlight.length = 0;
measuring = true;
// The API and the projector are the first two children; their CPU and the database's backends', per receipt.
const [apiChild, projectorChild] = children;
const meter = await startCpuMeter({
  databaseUrl: database.url,
  others: { api: [apiChild?.pid ?? 0], projector: [projectorChild?.pid ?? 0] },
  postgresApart: [BENCH_APPLICATION],
});
started = performance.now();
await offer(Math.round(rate * seconds), true);
await Promise.all(inFlight);
const elapsed = (performance.now() - started) / 1000;
const deadline = performance.now() + 30_000;
while (waiting.length > 0 && performance.now() < deadline)
  await new Promise((resolve) => setTimeout(resolve, 20));
const cpu = await meter.stop();
// Resident memory of the two processes at the end of the load (the most they hold then).
const apiMiB = residentMiB(apiChild?.pid ?? 0);
const projectorMiB = residentMiB(projectorChild?.pid ?? 0);
polling = false;
await poller;

freshness.sort((a, b) => a - b);
const q = (p: number) =>
  freshness.length === 0
    ? Number.NaN
    : (freshness[Math.min(freshness.length - 1, Math.floor(p * freshness.length))] as number);
// The worst second of the run, to tell a steady tail from a stall.
const worstBySecond = new Map<number, number>();
for (const [t, f] of timeline) {
  const second = Math.floor(t / 1000);
  worstBySecond.set(second, Math.max(worstBySecond.get(second) ?? 0, f));
}
const worst = [...worstBySecond].sort((a, b) => b[1] - a[1])[0];
const lines = [
  "",
  `receipts answered   ${(sent - errors).toLocaleString("en")} of ${sent.toLocaleString("en")} (${((sent - errors) / elapsed).toFixed(0)}/s achieved, ${errors} errors${errors > 0 ? `: ${[...errorKinds].map(([kind, n]) => `${n} × ${kind}`).join(", ")}` : ""})`,
  `append → visible    p50 ${q(0.5).toFixed(1)} ms   p99 ${q(0.99).toFixed(1)} ms   max ${q(1).toFixed(1)} ms   (goal: p99 < 200 ms)`,
  `slowest second      ${worst ? `${worst[0]}–${worst[0] + 1} s: max ${worst[1].toFixed(1)} ms` : "—"}`,
  `never visible       ${waiting.filter((w) => w.counted).length}`,
];
const answered = sent - errors;
const per = (ms: number | undefined) => (answered > 0 && ms !== undefined ? ms / answered : Number.NaN);
lines.push(
  `CPU per receipt     API ${per(cpu.others.api).toFixed(3)} ms   projector ${per(cpu.others.projector).toFixed(3)} ms   Postgres ${per(cpu.postgresMs).toFixed(3)} ms   load generator ${per(cpu.processMs).toFixed(3)} ms (+ its poller's backend ${per(cpu.postgresApartMs).toFixed(3)} ms)`,
);
lines.push(
  `resident memory     API ${apiMiB.toFixed(0)} MiB   projector ${projectorMiB.toFixed(0)} MiB (after the load)`,
);
process.stdout.write(`${lines.join("\n")}\n`);
recordBenchResult("freshness", {
  receipts_per_s: answered / elapsed,
  errors,
  visible_p50_ms: q(0.5),
  visible_p99_ms: q(0.99),
  visible_max_ms: q(1),
  api_cpu_ms_per_receipt: per(cpu.others.api),
  projector_cpu_ms_per_receipt: per(cpu.others.projector),
  postgres_cpu_ms_per_receipt: per(cpu.postgresMs),
  generator_cpu_ms_per_receipt: per(cpu.processMs),
  generator_postgres_cpu_ms_per_receipt: per(cpu.postgresApartMs),
  api_rss_mib: apiMiB,
  projector_rss_mib: projectorMiB,
});

await cleanup();
