/**
 * pnpm bench:audit — the transparency log's costs, printed (never asserted):
 *   1. Proofs and storage: a tree of --leaves leaves (default 1,000,000; the issue also asks 10,000,000)
 *      built through the real appendLeaves on Postgres, then inclusion proofs at random leaves and
 *      consistency proofs between random sizes, p50/p95/p99 per call (each proof is checked against the
 *      root, so a fast wrong answer cannot pass), and the tables' size per million leaves.
 *   2. Keeping up: a real Postgres event store holding --events events (default 100,000; the issue's
 *      figure is 1,000,000), then, side by side for --seconds each: append throughput of 8 writers without
 *      the tree's reactor, the same with it running as the scheduler runs it, and paced appends at --rate
 *      events/s (default 2,000) with the reactor, measuring each event's lag from its append to the tree.
 * Creates its own throw-away databases and drops them.
 *
 *   pnpm bench:audit [--leaves 1000000] [--events 100000] [--rate 2000] [--seconds 15] [--proofs 2000]
 */
import { generateKeyPairSync, randomBytes, randomUUID } from "node:crypto";
import { parseArgs } from "node:util";
import { createPostgresEventStore, type NewEvent, type RecordedEvent } from "@motcua/event-store";
import { createTestDatabase, type TestDatabase } from "@motcua/testing";
import { Kysely, PostgresDialect, sql } from "kysely";
import pg from "pg";
import {
  type AnyDb,
  catchUpTree,
  consistencyProof,
  createTransparencyReactor,
  inclusionProof,
  migrateTransparencyLog,
  readTreeState,
  rootFromInclusionProof,
  rootHashAt,
  verifyConsistencyProof,
} from "../src/index";

const { values } = parseArgs({
  options: {
    leaves: { type: "string", default: "1000000" },
    events: { type: "string", default: "100000" },
    rate: { type: "string", default: "2000" },
    seconds: { type: "string", default: "15" },
    proofs: { type: "string", default: "2000" },
    only: { type: "string" },
  },
});
const LEAVES = Number(values.leaves);
const EVENTS = Number(values.events);
const RATE = Number(values.rate);
const SECONDS = Number(values.seconds);
const PROOFS = Number(values.proofs);

const progress = (text: string) => process.stderr.write(`\r${text}\x1b[K`);
const done = () => process.stderr.write("\n");

function percentiles(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;
  return { p50: at(50), p95: at(95), p99: at(99), max: sorted.at(-1) ?? 0 };
}
const ms = (value: number) => `${value.toFixed(2)} ms`;

async function openDb(label: string): Promise<{ database: TestDatabase; db: AnyDb; pool: pg.Pool }> {
  const database = await createTestDatabase(label);
  const pool = new pg.Pool({ connectionString: database.url, max: 10 });
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

async function proofsAndStorage(): Promise<void> {
  console.log(`\n1. Proofs and storage: a tree of ${LEAVES.toLocaleString("en")} leaves`);
  const { database, db, pool } = await openDb("benchaudit");
  try {
    const log = syntheticLog(LEAVES);
    const started = Date.now();
    let built = 0;
    while (built < LEAVES) {
      const state = await catchUpTree(
        db,
        {
          headPosition: async () => Math.min(LEAVES, built + 200_000),
          readAll: log.readAll,
        },
        { maxCount: 50_000 },
      );
      built = state.treeSize;
      const rate = built / ((Date.now() - started) / 1000);
      progress(
        `  building: ${built.toLocaleString("en")} leaves (${Math.round(rate).toLocaleString("en")} leaves/s)`,
      );
    }
    done();
    console.log(`  built in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    await sql`VACUUM ANALYZE transparency.leaves`.execute(db);
    await sql`VACUUM ANALYZE transparency.subtrees`.execute(db);

    const size = await sql<{ leaves: string; subtrees: string; subtree_rows: string }>`
      select pg_total_relation_size('transparency.leaves') as leaves,
             pg_total_relation_size('transparency.subtrees') as subtrees,
             (select count(*) from transparency.subtrees) as subtree_rows`.execute(db);
    const row = size.rows[0];
    const perMillion = (bytes: number) => `${(((bytes / LEAVES) * 1e6) / 1024 / 1024).toFixed(1)} MiB`;
    const hashBytes = (LEAVES + Number(row?.subtree_rows)) * 32;
    console.log(
      `  storage per million leaves: leaves ${perMillion(Number(row?.leaves))} + subtrees ${perMillion(Number(row?.subtrees))} (tables and indexes, with the leaves' log positions); of which hashes ${(hashBytes / LEAVES).toFixed(1)} bytes per leaf (goal ≈ 2 × 32)`,
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
    console.log(
      `  inclusion proof at ${treeSize.toLocaleString("en")} leaves (${inclusion.length} random leaves, each verified): p50 ${ms(i.p50)}, p95 ${ms(i.p95)}, p99 ${ms(i.p99)}, max ${ms(i.max)} (goal p99 < 20 ms)`,
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

async function keepingUp(): Promise<void> {
  console.log(`\n2. Keeping up: a log of ${EVENTS.toLocaleString("en")} events, ${SECONDS} s per phase`);
  const { database, db, pool } = await openDb("benchauditlag");
  const store = createPostgresEventStore({
    connectionString: database.url,
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
        if (loaded % 10_000 < 100) progress(`  loading the log: ${loaded.toLocaleString("en")} events`);
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
    let caught = await readTreeState(db);
    const head = await store.headPosition();
    const treeStarted = Date.now();
    while (caught.position < head) {
      await reactor.step();
      caught = await readTreeState(db);
      progress(`  tree catching up: ${caught.treeSize.toLocaleString("en")} leaves`);
    }
    done();
    console.log(
      `  tree caught up with the loaded log in ${((Date.now() - treeStarted) / 1000).toFixed(1)} s`,
    );

    // The reactor as the scheduler runs it: a step, and a 250 ms nap when it found nothing to do.
    const runReactor = (appendedAt: Map<number, number>, lags: number[]) => {
      let running = true;
      const loop = (async () => {
        while (running) {
          const step = await reactor.step();
          if (appendedAt.size > 0) {
            const state = await readTreeState(db);
            const now = performance.now();
            for (const [position, at] of appendedAt) {
              if (position <= state.position) {
                lags.push(now - at);
                appendedAt.delete(position);
              }
            }
          }
          if (step.appended === 0) await new Promise((resolve) => setTimeout(resolve, 250));
        }
      })();
      return async () => {
        running = false;
        await loop;
      };
    };

    const closedLoop = async (label: string) => {
      const until = performance.now() + SECONDS * 1000;
      let appended = 0;
      const writer = async () => {
        while (performance.now() < until) {
          const event = eventOf(appended);
          await store.append(`dossier-${randomUUID()}`, [event], {
            expectedRevision: "no_stream",
            commandId: event.metadata.commandId,
          });
          appended += 1;
        }
      };
      await Promise.all(Array.from({ length: 8 }, writer));
      const rate = appended / SECONDS;
      console.log(
        `  ${label}: ${Math.round(rate).toLocaleString("en")} appends/s (8 writers, one event each)`,
      );
      return rate;
    };

    const without = await closedLoop("append throughput without the tree's reactor");
    const stop = runReactor(new Map(), []);
    const withReactor = await closedLoop("append throughput with the reactor running");
    await stop();
    console.log(`  with / without: ${((withReactor / without) * 100).toFixed(1)} % (goal ≥ 90 %)`);

    // Paced appends at RATE with the reactor: each event's lag from its append to the tree.
    const appendedAt = new Map<number, number>();
    const lags: number[] = [];
    const stopPaced = runReactor(appendedAt, lags);
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
    while (appendedAt.size > 0) await new Promise((resolve) => setTimeout(resolve, 20));
    await stopPaced();
    const l = percentiles(lags);
    console.log(
      `  lag from append to the tree at ${Math.round(achieved).toLocaleString("en")} appends/s (asked ${RATE.toLocaleString("en")}), ${lags.length.toLocaleString("en")} events: p50 ${ms(l.p50)}, p99 ${ms(l.p99)}, max ${ms(l.max)} (goal < 1 s)`,
    );
  } finally {
    await store.close();
    await pool.end();
    await database.drop();
  }
}

console.log(`bench:audit on ${new Date().toISOString()} (node ${process.version})`);
if (values.only !== "keeping-up") await proofsAndStorage();
if (values.only !== "proofs") await keepingUp();
