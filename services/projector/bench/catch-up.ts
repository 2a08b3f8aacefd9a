/**
 * `pnpm bench:projections [--events N] [--partitions P] [--concurrency C] [--page-size S] [--rebuild-processes K]`
 *
 * Appends N events (default 1,000,000) of realistic dossier lives into a throw-away database, then
 * times the projector from position 0 to caught up twice: through BullMQ (feeder + workers, in this
 * process) into one version, and the direct rebuild path into another. Prints events/s for each
 * (goal ≥ 50,000 events/s), the CPU milliseconds per event of this process (feeder and workers, or
 * the rebuild) and of its Postgres backends, and the ratio to a floor measured on the same data in the
 * same run: every event read once from the log and the same read-model rows written once by set-based
 * SQL (`INSERT … SELECT` into copies of the rebuilt tables, indexes included) — cheaper than any
 * projection can be, since it decides nothing. Figures are printed and recorded (JSON lines), never
 * asserted. Drops the database and its Redis keys.
 *
 * With `--rebuild-processes K` it also times the direct rebuild spread over K processes (as
 * `projections:rebuild --prepare` then K × `--version … --partitions a-b` would, each a child process
 * filling P/K partitions of one more version): events/s from "go" to the last done, each process's CPU
 * ms/event and its Postgres backends', and whether the tables equal the one-process rebuild's.
 */

import { fork } from "node:child_process";
import { randomBytes } from "node:crypto";
import { availableParallelism } from "node:os";
import { fileURLToPath } from "node:url";
import { createPostgresEventStore } from "@motcua/event-store";
import { createRedis } from "@motcua/platform";
import { type ReadModelDb, readPosition, tableChecksums } from "@motcua/read-models";
import {
  createTestDatabase,
  createTestRedis,
  dossiersForEvents,
  simulateDossierLives,
} from "@motcua/testing";
import { recordBenchResult, residentMiB, startCpuMeter } from "@motcua/testing/bench";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { migrateProjectorTables } from "../src/dead-letters";
import { startProjector } from "../src/projector";
import { prepareRebuild, rebuildReadModels } from "../src/rebuild";
import { appendDossierLives } from "../src/test-support/append-dossier-lives";

function option(name: string, fallback: number): number {
  const i = process.argv.indexOf(`--${name}`);
  if (i < 0) return fallback;
  const value = Number(process.argv[i + 1]);
  if (!Number.isSafeInteger(value) || value < 1) {
    process.stderr.write(`--${name} needs a whole number ≥ 1\n`);
    process.exit(2);
  }
  return value;
}

const EVENTS = option("events", 1_000_000);
const PARTITIONS = option("partitions", 8);
const CONCURRENCY = option("concurrency", 16);
/** Pages as the deployment reads them unless told: the feeder's default, and the rebuild's. */
const PAGE_SIZE = process.argv.includes("--page-size") ? option("page-size", 0) : undefined;
const REBUILD_PROCESSES = process.argv.includes("--rebuild-processes") ? option("rebuild-processes", 0) : 0;
if (REBUILD_PROCESSES > PARTITIONS) {
  process.stderr.write(`--rebuild-processes must be at most --partitions (${PARTITIONS})\n`);
  process.exit(2);
}
const n = (value: number) => Math.round(value).toLocaleString("en-US");
const tty = process.stdout.isTTY;
const progress = (line: string) => process.stdout.write(tty ? `\r${line.padEnd(100)}` : `${line}\n`);
const done = () => tty && process.stdout.write("\n");

const database = await createTestDatabase("benchprojections");
const testRedis = await createTestRedis("benchprojections");
const masterKey = randomBytes(32).toString("base64");
const store = createPostgresEventStore({
  connectionString: database.url,
  masterKey,
  poolSize: 16,
  pageSize: 5_000,
  notify: false,
});
const pool = new pg.Pool({ connectionString: database.url, max: 24 });
pool.on("error", () => {});
const db: ReadModelDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
const redis = createRedis(testRedis.url, { connectionName: "motcua-bench-projections" });

/**
 * The cheapest projection possible of the same log: one sequential pass over every event's JSON (what any
 * projection must read) and the rows the rebuild produced written once more by `INSERT … SELECT` into
 * empty copies of its tables with the same indexes (what any projection must write). No deciding, no
 * round trips: a floor, not a projection.
 */
async function plainSqlFloor(
  schema: string,
): Promise<{ seconds: number; rows: number; tables: number; eventBytes: number }> {
  const client = await pool.connect();
  try {
    const { rows: tables } = await client.query<{ name: string }>(
      "SELECT table_name AS name FROM information_schema.tables WHERE table_schema = $1 AND table_type = 'BASE TABLE' ORDER BY 1",
      [schema],
    );
    await client.query("DROP SCHEMA IF EXISTS bench_floor CASCADE; CREATE SCHEMA bench_floor");
    for (const { name } of tables)
      await client.query(`CREATE TABLE bench_floor."${name}" (LIKE "${schema}"."${name}" INCLUDING ALL)`);
    const started = performance.now();
    const { rows: read } = await client.query<{ bytes: string }>(
      "SELECT coalesce(sum(octet_length(data::text) + octet_length(metadata::text)), 0) AS bytes FROM event_store.events",
    );
    let rows = 0;
    for (const { name } of tables) {
      // Generated columns are computed by the copy as by the original: only the stored ones are given.
      const { rows: columns } = await client.query<{ name: string }>(
        "SELECT column_name AS name FROM information_schema.columns WHERE table_schema = $1 AND table_name = $2 AND is_generated = 'NEVER' ORDER BY ordinal_position",
        [schema, name],
      );
      const list = columns.map((column) => `"${column.name}"`).join(", ");
      const result = await client.query(
        `INSERT INTO bench_floor."${name}" (${list}) SELECT ${list} FROM "${schema}"."${name}"`,
      );
      rows += result.rowCount ?? 0;
    }
    const seconds = (performance.now() - started) / 1000;
    await client.query("DROP SCHEMA bench_floor CASCADE");
    return { seconds, rows, tables: tables.length, eventBytes: Number(read[0]?.bytes ?? 0) };
  } finally {
    client.release();
  }
}

interface ChildFigures {
  readonly events: number;
  readonly seconds: number;
  readonly processMs: number;
  readonly postgresMs: number;
  readonly outcome: string;
}

/**
 * The direct rebuild spread over K child processes, each filling a consecutive range of partitions of one
 * prepared version. Timed from "go" (every child connected) to the last child done.
 */
async function spreadRebuild(k: number) {
  const plan = await prepareRebuild({ store, db, partitions: PARTITIONS, activate: false });
  const child = fileURLToPath(new URL("./rebuild-child.ts", import.meta.url));
  const ranges = Array.from({ length: k }, (_, i) => ({
    first: Math.floor((i * PARTITIONS) / k),
    last: Math.floor(((i + 1) * PARTITIONS) / k) - 1,
  }));
  const children = ranges.map((range) =>
    fork(child, [], {
      execArgv: ["--import", "tsx"],
      env: {
        ...process.env,
        DATABASE_URL: database.url,
        VAULT_MASTER_KEY: masterKey,
        SCHEMA: plan.schema,
        RANGE: `${range.first}-${range.last}`,
        ...(PAGE_SIZE === undefined ? {} : { PAGE_SIZE: String(PAGE_SIZE) }),
      },
      stdio: ["ignore", "inherit", "inherit", "ipc"],
    }),
  );
  const next = (c: (typeof children)[number]) =>
    new Promise<unknown>((resolve, reject) => {
      c.once("message", resolve);
      c.once("exit", (code) => reject(new Error(`rebuild child exited (${code})`)));
    });
  await Promise.all(children.map(next));
  const started = Date.now();
  const results = children.map(next) as Promise<ChildFigures>[];
  for (const c of children) c.send("go");
  const figures = await Promise.all(results);
  const seconds = (Date.now() - started) / 1000;
  return { schema: plan.schema, ranges, figures, seconds };
}

try {
  await store.migrate();
  await migrateProjectorTables(db);
  process.stdout.write(
    `bench:projections: ${n(EVENTS)} events, ${PARTITIONS} partitions, concurrency ${CONCURRENCY}, pages of ${PAGE_SIZE === undefined ? "the default size" : n(PAGE_SIZE)}\n`,
  );

  let started = Date.now();
  // In a function of its own, so the simulated lives are garbage once appended: the projector is timed
  // without a million events' worth of objects still on the heap.
  const appended = await (async () => {
    const lives = simulateDossierLives({ seed: 20_25, dossiers: dossiersForEvents(EVENTS * 1.02) });
    process.stdout.write(
      `simulated ${n(lives.dossierIds.length)} dossiers (${n(lives.eventCount)} events) in ${((Date.now() - started) / 1000).toFixed(1)} s\n`,
    );
    started = Date.now();
    let shown = 0;
    return appendDossierLives(store, lives, {
      windowDays: 30,
      concurrency: 16,
      maxEvents: EVENTS,
      onProgress: (count, total) => {
        const now = Date.now();
        if (now - shown >= (tty ? 200 : 5_000) || count >= total) {
          shown = now;
          const seconds = (now - started) / 1000;
          progress(`appending: ${n(count)} / ${n(total)}  ${n(count / seconds)} events/s`);
        }
      },
    });
  })();
  done();
  const head = await store.headPosition();
  process.stdout.write(`appended ${n(appended)} events in ${((Date.now() - started) / 1000).toFixed(1)} s\n`);

  // 1. Through BullMQ: the feeder pages the log into per-partition jobs; workers apply them.
  const queuedMeter = await startCpuMeter({ databaseUrl: database.url });
  started = Date.now();
  const projector = await startProjector({
    store,
    db,
    databaseUrl: database.url,
    redis,
    prefix: testRedis.prefix,
    partitions: PARTITIONS,
    concurrency: CONCURRENCY,
    feederOptions: PAGE_SIZE === undefined ? {} : { pageSize: PAGE_SIZE, maxInFlight: PAGE_SIZE * 10 },
  });
  const ticker = setInterval(async () => {
    const position = await readPosition(db, "rm_v1").catch(() => 0);
    const seconds = (Date.now() - started) / 1000;
    progress(`feeder + workers: ${n(position)} / ${n(head)}  ${n(position / seconds)} events/s`);
  }, 1_000);
  await projector.caughtUp(head, { timeoutMs: 3_600_000, pollMs: 50 });
  clearInterval(ticker);
  const queued = (Date.now() - started) / 1000;
  const queuedCpu = await queuedMeter.stop();
  // The feeder and workers run in this process: its resident memory once caught up.
  const workersMiB = residentMiB();
  await projector.stop();
  done();
  process.stdout.write(
    `feeder + workers (BullMQ): ${n(head)} events in ${queued.toFixed(1)} s = ${n(head / queued)} events/s\n`,
  );

  // 2. The direct rebuild path (no queue): pages split by partition, batched transactions.
  const directMeter = await startCpuMeter({ databaseUrl: database.url });
  const rebuilt = await rebuildReadModels({
    store,
    db,
    partitions: PARTITIONS,
    ...(PAGE_SIZE === undefined ? {} : { pageSize: PAGE_SIZE }),
    activate: false,
    onProgress: (p) =>
      progress(`direct rebuild: ${n(p.position)} / ${n(p.head)}  ${n(p.eventsPerSecond)} events/s`),
  });
  const directCpu = await directMeter.stop();
  done();
  process.stdout.write(
    `direct rebuild: ${n(rebuilt.events)} events in ${rebuilt.seconds.toFixed(1)} s = ${n(rebuilt.eventsPerSecond)} events/s\n`,
  );

  // 3. The floor: read every event once, write the same rows once, set-based, into copies of the tables.
  progress("floor (plain SQL): copying the read models' tables…");
  const floorMeter = await startCpuMeter({ databaseUrl: database.url });
  const floor = await plainSqlFloor(rebuilt.schema);
  const floorCpu = await floorMeter.stop();
  done();
  const floorRate = head / floor.seconds;
  process.stdout.write(
    `floor (plain SQL): ${n(head)} events read (${n(floor.eventBytes / 2 ** 20)} MiB of JSON) and ${n(floor.rows)} rows written into ${floor.tables} tables in ${floor.seconds.toFixed(1)} s = ${n(floorRate)} events/s\n`,
  );
  // 4. The direct rebuild spread over K processes (several hosts' worth, here on the same cores).
  const spread = REBUILD_PROCESSES > 0 ? await spreadRebuild(REBUILD_PROCESSES) : null;
  const spreadRate = spread === null ? 0 : head / spread.seconds;
  const spreadEqual =
    spread === null
      ? true
      : JSON.stringify(await tableChecksums(db, spread.schema)) ===
        JSON.stringify(await tableChecksums(db, rebuilt.schema));
  if (spread !== null) {
    process.stdout.write(
      `direct rebuild over ${spread.figures.length} processes: ${n(head)} events in ${spread.seconds.toFixed(1)} s = ${n(spreadRate)} events/s; tables ${spreadEqual ? "equal to" : "DIFFERENT from"} the one-process rebuild's\n`,
    );
  }
  const queuedRate = head / queued;
  const ms = (value: number) => (value / head).toFixed(3);
  const row = (label: string, rate: number, cpu: { processMs: number; postgresMs: number }) =>
    `  ${label.padEnd(24)} ${n(rate).padStart(9)} ${`${((rate / floorRate) * 100).toFixed(0)} %`.padStart(11)} ${ms(cpu.processMs).padStart(23)} ${ms(cpu.postgresMs).padStart(10)}`;
  process.stdout.write(
    [
      "",
      `  ${"path".padEnd(24)} ${"events/s".padStart(9)} ${"% of floor".padStart(11)} ${"CPU ms/event: process".padStart(23)} ${"Postgres".padStart(10)}`,
      row("BullMQ (feeder+workers)", queuedRate, queuedCpu),
      row("direct rebuild", rebuilt.eventsPerSecond, directCpu),
      ...(spread === null
        ? []
        : [
            row(
              `direct, ${spread.figures.length} processes`,
              spreadRate,
              spread.figures.reduce(
                (sum, f) => ({
                  processMs: sum.processMs + f.processMs,
                  postgresMs: sum.postgresMs + f.postgresMs,
                }),
                { processMs: 0, postgresMs: 0 },
              ),
            ),
            ...spread.figures.map((f, i) =>
              row(
                `  process ${i + 1} (p ${(spread.ranges[i] as { first: number }).first}-${(spread.ranges[i] as { last: number }).last})`,
                f.events / f.seconds,
                f,
              ),
            ),
          ]),
      row("floor (plain SQL)", floorRate, floorCpu),
      "",
      ...(spread === null
        ? []
        : [
            `over ${spread.figures.length} processes: ${((spreadRate / rebuilt.eventsPerSecond) * 100).toFixed(0)} % of the one-process rate; each process reads the whole log and applies its share (per-process rows: events/s of its share, CPU per event of the whole log); on ${availableParallelism()} cores they share the same CPUs with Postgres`,
          ]),
      `resident memory of the feeder + workers process after catching up: ${workersMiB.toFixed(0)} MiB`,
      "goals: ≥ 50,000 events/s through BullMQ and direct, and ≥ 50 % of the plain-SQL floor",
      "",
    ].join("\n"),
  );
  recordBenchResult("projections", {
    events: head,
    partitions: PARTITIONS,
    bullmq_events_per_s: queuedRate,
    bullmq_vs_floor_ratio: queuedRate / floorRate,
    bullmq_process_cpu_ms_per_event: queuedCpu.processMs / head,
    bullmq_postgres_cpu_ms_per_event: queuedCpu.postgresMs / head,
    direct_events_per_s: rebuilt.eventsPerSecond,
    direct_vs_floor_ratio: rebuilt.eventsPerSecond / floorRate,
    direct_process_cpu_ms_per_event: directCpu.processMs / head,
    direct_postgres_cpu_ms_per_event: directCpu.postgresMs / head,
    floor_events_per_s: floorRate,
    floor_postgres_cpu_ms_per_event: floorCpu.postgresMs / head,
    read_model_rows: floor.rows,
    workers_rss_mib: workersMiB,
    ...(spread === null
      ? {}
      : {
          rebuild_processes: spread.figures.length,
          spread_events_per_s: spreadRate,
          spread_vs_floor_ratio: spreadRate / floorRate,
          spread_vs_direct_ratio: spreadRate / rebuilt.eventsPerSecond,
          spread_process_cpu_ms_per_event: spread.figures.reduce((s, f) => s + f.processMs, 0) / head,
          spread_postgres_cpu_ms_per_event: spread.figures.reduce((s, f) => s + f.postgresMs, 0) / head,
          spread_tables_equal: spreadEqual ? 1 : 0,
          ...Object.fromEntries(
            spread.figures.flatMap((f, i) => [
              [`spread_p${i + 1}_process_cpu_ms_per_event`, f.processMs / head],
              [`spread_p${i + 1}_postgres_cpu_ms_per_event`, f.postgresMs / head],
            ]),
          ),
        }),
  });
} finally {
  await store.close().catch(() => {});
  await db.destroy().catch(() => {});
  redis.disconnect();
  await testRedis.cleanup().catch(() => {});
  await database.drop().catch(() => {});
}
process.exit(0);
