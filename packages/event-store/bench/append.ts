/**
 * pnpm bench:append — append throughput and latency, side by side on the same local Postgres:
 *   (a) motcua's event store, (b) @event-driven-io/emmett-postgresql (a peer), (c) the floor: the same rows
 *   inserted by plain `pg` with no store logic.
 * Workloads: 16 concurrent writers appending single events to their own streams with an expected
 * revision; one writer appending batches of 100. Figures are printed, never asserted.
 * Creates its own throw-away database and drops it at the end.
 */
import { randomBytes, randomUUID } from "node:crypto";
import { STREAM_DOES_NOT_EXIST } from "@event-driven-io/emmett";
import { getPostgreSQLEventStore } from "@event-driven-io/emmett-postgresql";
import { createTestDatabase } from "@motcua/testing";
import { type CpuCost, median, percentile, recordBenchResult, startCpuMeter } from "@motcua/testing/bench";
import pg from "pg";
import { createPostgresEventStore, type NewEvent } from "../src/index";

const WRITERS = 16;
const SINGLE_APPENDS_PER_WRITER = Number(process.env.BENCH_APPENDS_PER_WRITER ?? 120);
const BATCH_SIZE = 100;
const BATCHES = Number(process.env.BENCH_BATCHES ?? 25);
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 5);
const WARM_UP_APPENDS = 20;

/** Appends `count` events to the writer's stream, given how many it already holds. Returns nothing. */
type AppendFn = (streamId: string, revision: number, count: number) => Promise<void>;

interface System {
  name: string;
  append: AppendFn;
  close(): Promise<void>;
}

interface Measurement {
  events: number;
  seconds: number;
  latenciesMs: number[];
  cpu: CpuCost;
}

const sampleData = (n: number) => ({
  dossierCode: `000.00.15.H29-250303-${String(n).padStart(4, "0")}`,
  procedureId: "1.001234.000.00.00.H29",
  fromUnitId: "unit-reception",
  toUnitId: "unit-land-office",
  reason: "Chuyển hồ sơ đến phòng chuyên môn xử lý",
  dueAt: "2025-03-17T17:00:00+07:00",
});

const sampleMetadata = (commandId: string) => ({
  commandId,
  correlationId: commandId,
  causationId: null,
  actor: { id: "officer-42", role: "officer", unitId: "unit-reception" },
  occurredAt: "2025-03-03T09:00:00+07:00",
  commandHash: "9f2c4a1e5b7d8c3f0a6e1d2b4c8f7a9e",
});

const ourEvents = (count: number, commandId: string): NewEvent[] =>
  Array.from({ length: count }, (_, index) => ({
    type: "DossierTransferred",
    schemaVersion: 1,
    data: sampleData(index),
    metadata: sampleMetadata(commandId),
  }));

async function motcuaSystem(url: string): Promise<System> {
  const store = createPostgresEventStore({
    connectionString: url,
    masterKey: randomBytes(32).toString("base64"),
    poolSize: WRITERS + 2,
  });
  await store.migrate();
  return {
    name: "motcua",
    async append(streamId, revision, count) {
      const commandId = randomUUID();
      await store.append(streamId, ourEvents(count, commandId), {
        expectedRevision: revision === 0 ? "no_stream" : revision,
        commandId,
      });
    },
    close: () => store.close(),
  };
}

async function emmettSystem(url: string): Promise<System> {
  const pool = new pg.Pool({ connectionString: url, max: WRITERS + 2 });
  const store = getPostgreSQLEventStore(url, { connectionOptions: { pool } });
  await store.schema.migrate();
  return {
    name: "emmett-postgresql",
    async append(streamId, revision, count) {
      const commandId = randomUUID();
      await store.appendToStream(
        streamId,
        Array.from({ length: count }, (_, index) => ({
          type: "DossierTransferred",
          data: sampleData(index),
          metadata: sampleMetadata(commandId),
        })),
        { expectedStreamVersion: revision === 0 ? STREAM_DOES_NOT_EXIST : BigInt(revision) },
      );
    },
    async close() {
      await store.close();
      await pool.end().catch(() => {});
    },
  };
}

/** The same rows as motcua stores (columns, unique keys, JSON), inserted with no checks at all. */
async function floorSystem(url: string): Promise<System> {
  const pool = new pg.Pool({ connectionString: url, max: WRITERS + 2 });
  await pool.query(`
    CREATE SCHEMA IF NOT EXISTS floor;
    CREATE TABLE IF NOT EXISTS floor.events (
      position bigserial PRIMARY KEY,
      stream_id text NOT NULL,
      revision integer NOT NULL,
      event_id uuid NOT NULL UNIQUE,
      type text NOT NULL,
      schema_version integer NOT NULL,
      data json NOT NULL,
      metadata json NOT NULL,
      personal_key_id uuid,
      hash text NOT NULL,
      prev_hash text,
      UNIQUE (stream_id, revision)
    )`);
  const hash = "0".repeat(64);
  return {
    name: "floor (plain pg)",
    async append(streamId, revision, count) {
      const commandId = randomUUID();
      const metadata = JSON.stringify({ ...sampleMetadata(commandId), recordedAt: new Date().toISOString() });
      const rows = Array.from({ length: count }, (_, index) => index);
      await pool.query({
        name: "floor-insert",
        text: `INSERT INTO floor.events (stream_id, revision, event_id, type, schema_version, data, metadata, hash, prev_hash)
               SELECT $1, r, e, 'DossierTransferred', 1, d::json, $5::json, $6, $6
               FROM unnest($2::int[], $3::uuid[], $4::text[]) AS u(r, e, d)`,
        values: [
          streamId,
          rows.map((index) => revision + index + 1),
          rows.map(() => randomUUID()),
          rows.map((index) => JSON.stringify(sampleData(index))),
          metadata,
          hash,
        ],
      });
    },
    close: () => pool.end(),
  };
}

/** The bench's database: its Postgres backends' CPU is measured beside this process's. */
let databaseUrl = "";

const progress = (label: string, done: number, total: number) => {
  if (process.stdout.isTTY) process.stdout.write(`\r  ${label}: ${done}/${total} events`);
  else if (done === total || done % Math.ceil(total / 4) === 0)
    console.log(`  ${label}: ${done}/${total} events`);
};

async function concurrentSingles(system: System): Promise<Measurement> {
  const total = WRITERS * SINGLE_APPENDS_PER_WRITER;
  const latenciesMs: number[] = [];
  let done = 0;
  // Warm up connections and plans on throw-away streams.
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      const streamId = `dossier-${randomUUID()}`;
      for (let revision = 0; revision < WARM_UP_APPENDS; revision += 1)
        await system.append(streamId, revision, 1);
    }),
  );
  const meter = await startCpuMeter({ databaseUrl });
  const started = performance.now();
  await Promise.all(
    Array.from({ length: WRITERS }, async () => {
      const streamId = `dossier-${randomUUID()}`;
      for (let revision = 0; revision < SINGLE_APPENDS_PER_WRITER; revision += 1) {
        const t0 = performance.now();
        await system.append(streamId, revision, 1);
        latenciesMs.push(performance.now() - t0);
        done += 1;
        if (done % 200 === 0 || done === total) progress(`${system.name}, 16 writers`, done, total);
      }
    }),
  );
  const seconds = (performance.now() - started) / 1000;
  const cpu = await meter.stop();
  if (process.stdout.isTTY) process.stdout.write("\n");
  return { events: total, seconds, latenciesMs, cpu };
}

async function batchesOfHundred(system: System): Promise<Measurement> {
  const latenciesMs: number[] = [];
  const warmStream = `dossier-${randomUUID()}`;
  for (let batch = 0; batch < 3; batch += 1) await system.append(warmStream, batch * BATCH_SIZE, BATCH_SIZE);
  const streamId = `dossier-${randomUUID()}`;
  const meter = await startCpuMeter({ databaseUrl });
  const started = performance.now();
  for (let batch = 0; batch < BATCHES; batch += 1) {
    const t0 = performance.now();
    await system.append(streamId, batch * BATCH_SIZE, BATCH_SIZE);
    latenciesMs.push(performance.now() - t0);
    if ((batch + 1) % 10 === 0 || batch + 1 === BATCHES) {
      progress(`${system.name}, batches of 100`, (batch + 1) * BATCH_SIZE, BATCHES * BATCH_SIZE);
    }
  }
  const seconds = (performance.now() - started) / 1000;
  const cpu = await meter.stop();
  if (process.stdout.isTTY) process.stdout.write("\n");
  return { events: BATCHES * BATCH_SIZE, seconds, latenciesMs, cpu };
}

interface Summary {
  name: string;
  eventsPerSecond: number;
  p50: number;
  p99: number;
  /** CPU milliseconds per event of the appending process and of its Postgres backends, over all rounds. */
  processMsPerEvent: number;
  postgresMsPerEvent: number;
}

const rate = (run: Measurement) => run.events / run.seconds;

/** Median throughput over the rounds; latency percentiles over every append of every round. */
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);

function summarize(name: string, runs: Measurement[]): Summary {
  const sorted = runs.flatMap((run) => run.latenciesMs).sort((a, b) => a - b);
  return {
    name,
    eventsPerSecond: median(runs.map(rate)),
    p50: percentile(sorted, 50),
    p99: percentile(sorted, 99),
    processMsPerEvent: sum(runs.map((run) => run.cpu.processMs)) / sum(runs.map((run) => run.events)),
    postgresMsPerEvent: sum(runs.map((run) => run.cpu.postgresMs)) / sum(runs.map((run) => run.events)),
  };
}

/**
 * This machine is shared, and its load changes from one minute to the next: a ratio is taken within each
 * round (the three systems ran back to back) and the median of those is reported.
 */
function medianRatio(ours: Measurement[], other: Measurement[]): number {
  return median(ours.map((run, round) => rate(run) / rate(other[round] ?? run)));
}

/** Prints one workload's table and answers its figures for the results file, keyed by `key`. */
function printTable(
  key: string,
  title: string,
  rows: Summary[],
  runs: Measurement[][],
): Record<string, number> {
  const figures: Record<string, number> = {};
  const [ours, peer, floor] = rows;
  const [ourRuns, peerRuns, floorRuns] = runs;
  console.log(`\n${title}`);
  console.log(
    `  ${"system".padEnd(20)} ${"events/s (median)".padStart(18)} ${"p50 ms".padStart(10)} ${"p99 ms".padStart(10)} ${"CPU ms/event: process".padStart(22)} ${"Postgres".padStart(9)}`,
  );
  for (const row of rows) {
    console.log(
      `  ${row.name.padEnd(20)} ${row.eventsPerSecond.toFixed(0).padStart(18)} ${row.p50.toFixed(2).padStart(10)} ${row.p99.toFixed(2).padStart(10)} ${row.processMsPerEvent.toFixed(3).padStart(22)} ${row.postgresMsPerEvent.toFixed(3).padStart(9)}`,
    );
    const name = row.name
      .replace(/[^a-z0-9]+/gi, "_")
      .replace(/^_+|_+$/g, "")
      .toLowerCase();
    figures[`${key}.${name}.events_per_s`] = row.eventsPerSecond;
    figures[`${key}.${name}.p50_ms`] = row.p50;
    figures[`${key}.${name}.p99_ms`] = row.p99;
    figures[`${key}.${name}.process_cpu_ms_per_event`] = row.processMsPerEvent;
    figures[`${key}.${name}.postgres_cpu_ms_per_event`] = row.postgresMsPerEvent;
  }
  if (ours && peer && floor && ourRuns && peerRuns && floorRuns) {
    console.log(
      `  motcua / peer:  ${medianRatio(ourRuns, peerRuns).toFixed(2)}× throughput (median of per-round ratios), ` +
        `p50 latency ${(ours.p50 / peer.p50).toFixed(2)}×`,
    );
    console.log(
      `  motcua / floor: ${(medianRatio(ourRuns, floorRuns) * 100).toFixed(0)}% of the floor's throughput, ` +
        `p50 latency ${(ours.p50 / floor.p50).toFixed(2)}×`,
    );
    figures[`${key}.vs_peer_ratio`] = medianRatio(ourRuns, peerRuns);
    figures[`${key}.vs_floor_ratio`] = medianRatio(ourRuns, floorRuns);
  }
  return figures;
}

async function main() {
  const database = await createTestDatabase("bench_append");
  databaseUrl = database.url;
  const systems: System[] = [];
  const stop = async () => {
    await Promise.all(systems.map((system) => system.close().catch(() => {})));
    await database.drop();
  };
  process.once("SIGINT", () => {
    stop().finally(() => process.exit(130));
  });
  try {
    console.log(
      `bench:append — ${WRITERS} writers × ${SINGLE_APPENDS_PER_WRITER} single appends; ${BATCHES} batches of ${BATCH_SIZE}; ` +
        `${ROUNDS} rounds; database ${database.name}`,
    );
    systems.push(
      await motcuaSystem(database.url),
      await emmettSystem(database.url),
      await floorSystem(database.url),
    );
    const singles = new Map<string, Measurement[]>();
    const batches = new Map<string, Measurement[]>();
    for (let round = 1; round <= ROUNDS; round += 1) {
      console.log(`\nround ${round}/${ROUNDS}`);
      // Rotate who goes first, so a burst of load on this shared machine does not always hit the same one.
      const order = systems.map((_, index) => systems[(index + round - 1) % systems.length] as System);
      for (const system of order) {
        const single = await concurrentSingles(system);
        singles.set(system.name, [...(singles.get(system.name) ?? []), single]);
        const batch = await batchesOfHundred(system);
        batches.set(system.name, [...(batches.get(system.name) ?? []), batch]);
        console.log(
          `  ${system.name}: ${(single.events / single.seconds).toFixed(0)} events/s (16 writers), ` +
            `${(batch.events / batch.seconds).toFixed(0)} events/s (batches of 100)`,
        );
      }
    }
    const singlesFigures = printTable(
      "writers16",
      "16 concurrent writers, single events with expected revision (latency per append)",
      systems.map((system) => summarize(system.name, singles.get(system.name) ?? [])),
      systems.map((system) => singles.get(system.name) ?? []),
    );
    const batchFigures = printTable(
      "batches100",
      "1 writer, batches of 100 events with expected revision (latency per batch)",
      systems.map((system) => summarize(system.name, batches.get(system.name) ?? [])),
      systems.map((system) => batches.get(system.name) ?? []),
    );
    console.log(
      "\nGoals: ≥ 80 % of the plain-INSERT floor for 16 writers and for batches, ≥ 2× emmett-postgresql.",
    );
    recordBenchResult("append", { ...singlesFigures, ...batchFigures });
  } finally {
    await stop();
  }
}

await main();
