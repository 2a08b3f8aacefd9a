/**
 * `pnpm bench:projections [--events N] [--partitions P] [--concurrency C] [--page-size S]`
 *
 * Appends N events (default 1,000,000) of realistic dossier lives into a throw-away database, then
 * times the projector from position 0 to caught up twice: through BullMQ (feeder + workers, in this
 * process) into one version, and the direct rebuild path into another. Prints events/s for each
 * (goal ≥ 20,000 events/s). Figures are printed, never asserted. Drops the database and its Redis keys.
 */

import { randomBytes } from "node:crypto";
import { createPostgresEventStore } from "@motcua/event-store";
import { createRedis } from "@motcua/platform";
import { type ReadModelDb, readPosition } from "@motcua/read-models";
import {
  createTestDatabase,
  createTestRedis,
  dossiersForEvents,
  simulateDossierLives,
} from "@motcua/testing";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { migrateProjectorTables } from "../src/dead-letters";
import { startProjector } from "../src/projector";
import { rebuildReadModels } from "../src/rebuild";
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
const n = (value: number) => Math.round(value).toLocaleString("en-US");
const tty = process.stdout.isTTY;
const progress = (line: string) => process.stdout.write(tty ? `\r${line.padEnd(100)}` : `${line}\n`);
const done = () => tty && process.stdout.write("\n");

const database = await createTestDatabase("benchprojections");
const testRedis = await createTestRedis("benchprojections");
const store = createPostgresEventStore({
  connectionString: database.url,
  masterKey: randomBytes(32).toString("base64"),
  poolSize: 16,
  pageSize: 5_000,
  notify: false,
});
const pool = new pg.Pool({ connectionString: database.url, max: 24 });
pool.on("error", () => {});
const db: ReadModelDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
const redis = createRedis(testRedis.url, { connectionName: "motcua-bench-projections" });

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
  await projector.stop();
  done();
  process.stdout.write(
    `feeder + workers (BullMQ): ${n(head)} events in ${queued.toFixed(1)} s = ${n(head / queued)} events/s\n`,
  );

  // 2. The direct rebuild path (no queue): pages split by partition, batched transactions.
  const rebuilt = await rebuildReadModels({
    store,
    db,
    partitions: PARTITIONS,
    ...(PAGE_SIZE === undefined ? {} : { pageSize: PAGE_SIZE }),
    activate: false,
    onProgress: (p) =>
      progress(`direct rebuild: ${n(p.position)} / ${n(p.head)}  ${n(p.eventsPerSecond)} events/s`),
  });
  done();
  process.stdout.write(
    `direct rebuild: ${n(rebuilt.events)} events in ${rebuilt.seconds.toFixed(1)} s = ${n(rebuilt.eventsPerSecond)} events/s\n`,
  );
  process.stdout.write(`goal: ≥ 20,000 events/s\n`);
} finally {
  await store.close().catch(() => {});
  await db.destroy().catch(() => {});
  redis.disconnect();
  await testRedis.cleanup().catch(() => {});
  await database.drop().catch(() => {});
}
process.exit(0);
