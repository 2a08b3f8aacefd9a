/**
 * `pnpm bench:freshness [--rate 500] [--seconds 15]`: under a steady open-loop load of receipts through
 * the API, how long from an append's answer until the read models (what `GET /dossiers/{id}` reads)
 * reflect it. The API and the projector (feeder + workers) run in this process on a throw-away database
 * and Redis prefix, as `pnpm start` runs them. Prints p50/p99; asserts nothing. Goal: p99 under 200 ms.
 */
import type { AddressInfo } from "node:net";
import { parseArgs } from "node:util";
import { createApiRuntime } from "@motcua/api";
import { createRedis, DEV_JWT_SECRET, loadConfig, signDevToken } from "@motcua/platform";
import { startProjector } from "@motcua/projector";
import { activeReadModelVersion, readPosition } from "@motcua/read-models";
import { putCalendar, putProcedure, putUnit } from "@motcua/reference-data";
import { CALENDAR_2025, createTestDatabase, createTestRedis } from "@motcua/testing";

const { values } = parseArgs({ options: { rate: { type: "string" }, seconds: { type: "string" } } });
const rate = Number(values.rate ?? 500);
const seconds = Number(values.seconds ?? 15);
if (!(rate > 0 && rate <= 5_000) || !(seconds > 0 && seconds <= 300)) {
  process.stderr.write("--rate must be 1–5000 commands/s and --seconds 1–300\n");
  process.exit(2);
}

const database = await createTestDatabase("benchfresh");
const redisKeys = await createTestRedis("benchfresh");
const config = loadConfig({ LOG_LEVEL: "error", RATE_LIMIT_MAX: "1000000", DATABASE_URL: database.url });
const runtime = await createApiRuntime({ config, databaseUrl: database.url, poolSize: 20 });
const redis = createRedis(redisKeys.url, { connectionName: "bench-freshness" });
const projector = await startProjector({
  store: runtime.store,
  db: runtime.db as never,
  databaseUrl: database.url,
  redis,
  prefix: redisKeys.prefix,
  partitions: config.projectionPartitions,
});
const at = new Date().toISOString();
await putUnit(
  runtime.db,
  { unitId: "p", code: "000.00.00.H19", name: "Tỉnh", level: "province", parentId: null },
  "bench",
  at,
);
for (let i = 0; i < 8; i++) {
  await putUnit(
    runtime.db,
    { unitId: `c${i}`, code: `055.${40 + i}.00.H19`, name: `Phường ${i}`, level: "commune", parentId: "p" },
    "bench",
    at,
  );
}
await putProcedure(
  runtime.db,
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
await putCalendar(runtime.db, CALENDAR_2025, "bench", at);
await runtime.app.listen({ host: "127.0.0.1", port: 0 });
const base = `http://127.0.0.1:${(runtime.app.server.address() as AddressInfo).port}`;
const token = await signDevToken({ role: "admin", sub: "bench" }, config.auth.jwtSecret ?? DEV_JWT_SECRET);

// One poller follows the read position; each waiting append resolves when it is reached.
const schema = (await activeReadModelVersion(runtime.db)) as string;
const waiting: { position: number; answeredAt: number }[] = [];
const freshness: number[] = [];
let polling = true;
const poller = (async () => {
  while (polling) {
    const reached = await readPosition(runtime.db as never, schema);
    const now = performance.now();
    for (let i = waiting.length - 1; i >= 0; i--) {
      const w = waiting[i] as { position: number; answeredAt: number };
      if (w.position <= reached) {
        freshness.push(now - w.answeredAt);
        waiting.splice(i, 1);
      }
    }
    await new Promise((resolve) => setTimeout(resolve, 2));
  }
})();

process.stdout.write(
  `bench:freshness: ${rate} receipts/s for ${seconds} s through the API, projector in-process\n`,
);
const total = Math.round(rate * seconds);
const started = performance.now();
let sent = 0;
let errors = 0;
const inFlight: Promise<void>[] = [];
for (let i = 0; i < total; i++) {
  const due = started + (i * 1000) / rate;
  const wait = due - performance.now();
  if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
  sent++;
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
        const body = (await r.json()) as { position?: number };
        if (r.status === 201 && typeof body.position === "number")
          waiting.push({ position: body.position, answeredAt: performance.now() });
        else errors++;
      })
      .catch(() => {
        errors++;
      }),
  );
  if (i % rate === 0 && i > 0)
    process.stdout.write(
      `  ${Math.round(i / rate)} s: ${sent} sent, ${freshness.length} visible, ${errors} errors\n`,
    );
}
await Promise.all(inFlight);
const elapsed = (performance.now() - started) / 1000;
const deadline = performance.now() + 30_000;
while (waiting.length > 0 && performance.now() < deadline)
  await new Promise((resolve) => setTimeout(resolve, 20));
polling = false;
await poller;

freshness.sort((a, b) => a - b);
const q = (p: number) =>
  freshness.length === 0
    ? Number.NaN
    : (freshness[Math.min(freshness.length - 1, Math.floor(p * freshness.length))] as number);
const lines = [
  "",
  `receipts answered   ${(sent - errors).toLocaleString("en")} of ${sent.toLocaleString("en")} (${((sent - errors) / elapsed).toFixed(0)}/s achieved, ${errors} errors)`,
  `append → visible    p50 ${q(0.5).toFixed(1)} ms   p99 ${q(0.99).toFixed(1)} ms   max ${q(1).toFixed(1)} ms   (goal: p99 < 200 ms)`,
  `never visible       ${waiting.length}`,
];
process.stdout.write(`${lines.join("\n")}\n`);

await projector.stop();
await runtime.close();
redis.disconnect();
await redisKeys.cleanup();
await database.drop();
