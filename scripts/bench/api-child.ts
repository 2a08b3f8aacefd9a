/**
 * The API as `pnpm bench:commands` runs it: in a process of its own, so that the load generator never
 * competes with the server for its event loop. Builds the whole API with `createApiRuntime` on the
 * database in DATABASE_URL, seeds the demo province (BENCH_COMMUNES communes, its departments, its
 * procedures and calendars), listens on 127.0.0.1 on a free port and prints one JSON line on stdout:
 * `{"port":N}`, then a `{"stats":…}` line a second. It stops on SIGINT/SIGTERM and when its parent goes away (stdin closes).
 *
 * Not a production entry point: the config is development's, only warnings and errors are logged (JSON on stderr)
 * and the rate limit is lifted so that the benchmark measures commands rather than 429s.
 */
import { monitorEventLoopDelay, PerformanceObserver } from "node:perf_hooks";
import { createApiRuntime } from "@motcua/api";
import { createLogger, type LogLevel, loadConfig } from "@motcua/platform";
import pg from "pg";
import { seedDemoReferenceData } from "../demo/seed";

// Round trips to Postgres (every query of every client: pool, LISTEN, NOTIFY) and HTTP requests served,
// counted from the start: the benchmark divides one by the other. A count holds whatever the machine's load.
let pgQueries = 0;
const clientQuery = pg.Client.prototype.query;
pg.Client.prototype.query = function countedQuery(this: pg.Client, ...args: unknown[]) {
  pgQueries += 1;
  return (clientQuery as (...a: unknown[]) => unknown).apply(this, args);
} as typeof pg.Client.prototype.query;
let httpRequests = 0;

const databaseUrl = process.env.DATABASE_URL;
if (!databaseUrl) {
  process.stderr.write("api-child: DATABASE_URL is required\n");
  process.exit(2);
}
const communes = Number(process.env.BENCH_COMMUNES ?? 8);
const poolSize = Number(process.env.BENCH_POOL_SIZE ?? 20);

const config = loadConfig({
  NODE_ENV: "development",
  HOST: "127.0.0.1",
  PORT: "0",
  DATABASE_URL: databaseUrl,
  LOG_LEVEL: "silent",
  RATE_LIMIT_MAX: "1000000",
  RATE_LIMIT_WINDOW: "1s",
});
// Warnings and errors (503s, 500s) go to stderr, where the benchmark counts them by message; the
// redacting logger keeps personal data out. Nothing is logged per request below `warn`.
const logger = createLogger({
  level: (process.env.BENCH_API_LOG_LEVEL ?? "warn") as LogLevel,
  name: "api",
  destination: process.stderr,
});
const runtime = await createApiRuntime({ config, logger, databaseUrl, poolSize });
await seedDemoReferenceData(runtime.db, { communes });
const seededQueries = pgQueries;
runtime.app.server.on("request", () => {
  httpRequests += 1;
});
await runtime.app.listen({ host: "127.0.0.1", port: 0 });
const address = runtime.app.server.address();
if (address === null || typeof address === "string") throw new Error("api-child: no TCP address");
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

// Once a second, what the process itself went through: the worst event-loop delay (the loop blocked by
// synchronous work or GC), garbage-collection pauses, and the reference-data pool's queue. The benchmark
// uses these to tell a stalled API from a stalled database or disk.
const loop = monitorEventLoopDelay({ resolution: 10 });
loop.enable();
let gcMs = 0;
let gcMaxMs = 0;
new PerformanceObserver((list) => {
  for (const entry of list.getEntries()) {
    gcMs += entry.duration;
    gcMaxMs = Math.max(gcMaxMs, entry.duration);
  }
}).observe({ entryTypes: ["gc"] });
setInterval(() => {
  const stats = {
    loopMaxMs: loop.max / 1e6,
    gcMs,
    gcMaxMs,
    poolWaiting: runtime.pool.waitingCount,
    rssMiB: process.memoryUsage.rss() / 2 ** 20,
    folded: runtime.service.deps.folded?.stats(),
    reference: runtime.service.reference.stats(),
    tokens: runtime.app.tokenCacheStats(),
    pgQueries: pgQueries - seededQueries,
    httpRequests,
  };
  process.stdout.write(`${JSON.stringify({ stats })}\n`);
  loop.reset();
  gcMs = 0;
  gcMaxMs = 0;
}, 1000).unref();

let closing = false;
async function close(code: number): Promise<void> {
  if (closing) return;
  closing = true;
  const force = setTimeout(() => process.exit(code), 5_000);
  force.unref();
  try {
    await runtime.close();
  } finally {
    process.exit(code);
  }
}
process.once("SIGINT", () => void close(0));
process.once("SIGTERM", () => void close(0));
process.stdin.on("end", () => void close(0));
process.stdin.on("error", () => void close(0));
process.stdin.resume();
