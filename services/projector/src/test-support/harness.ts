import { randomBytes } from "node:crypto";
import { createPostgresEventStore, type NewEvent, type PostgresEventStore } from "@motcua/event-store";
import { createRedis } from "@motcua/platform";
import { type ReadModelDb, type TableChecksum, tableChecksums } from "@motcua/read-models";
import { createTestDatabase, createTestRedis, type TestDatabase, type TestRedis } from "@motcua/testing";
import type { Redis } from "ioredis";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { migrateProjectorTables } from "../dead-letters";

/** An event no projection knows (`DossierNoted`, data `{ n }`), by an officer, for the feeder's tests. */
export function notedEvent(n: number, commandId: string): NewEvent {
  return {
    type: "DossierNoted",
    schemaVersion: 1,
    data: { n },
    metadata: {
      commandId,
      correlationId: commandId,
      causationId: null,
      actor: { id: "officer-1", role: "officer", unitId: "unit-1" },
      occurredAt: "2026-03-03T09:00:00+07:00",
    },
  };
}

/** A throw-away database with a migrated event store, a Kysely on it, and a Redis prefix of its own. */
export interface ProjectorTestBed {
  readonly database: TestDatabase;
  readonly testRedis: TestRedis;
  readonly store: PostgresEventStore;
  readonly db: ReadModelDb;
  readonly redis: Redis;
  readonly masterKey: string;
  /** Runs SQL straight against the test database (as an operator or a DBA would). */
  sql(text: string, values?: unknown[]): Promise<unknown[]>;
  /** Deletes every key under this test's prefix (and nothing else): Redis "loses" its jobs. */
  flushRedis(): Promise<void>;
  close(): Promise<void>;
}

export async function openTestBed(label: string): Promise<ProjectorTestBed> {
  const database = await createTestDatabase(label);
  const testRedis = await createTestRedis(label);
  const masterKey = randomBytes(32).toString("base64");
  const store = createPostgresEventStore({
    connectionString: database.url,
    masterKey,
    poolSize: 4,
    pageSize: 2_000,
    pollIntervalMs: 200,
  });
  await store.migrate();
  const pool = new pg.Pool({ connectionString: database.url, max: 6 });
  pool.on("error", () => {});
  const db: ReadModelDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
  await migrateProjectorTables(db);
  const redis = createRedis(testRedis.url, { connectionName: `motcua-test-${label}` });
  return {
    database,
    testRedis,
    store,
    db,
    redis,
    masterKey,
    async sql(text, values) {
      return (await pool.query(text, values)).rows;
    },
    flushRedis: () => testRedis.cleanup(),
    async close() {
      await store.close().catch(() => {});
      await db.destroy().catch(() => {});
      redis.disconnect();
      await testRedis.cleanup().catch(() => {});
      await database.drop();
    },
  };
}

/** Every key this test wrote, with the data of each job (to look for personal data). */
export async function jobPayloads(redis: Redis, prefix: string): Promise<string[]> {
  const payloads: string[] = [];
  let cursor = "0";
  do {
    const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}:*`, "COUNT", 1000);
    cursor = next;
    for (const key of keys) {
      if ((await redis.type(key)) !== "hash") continue;
      const data = await redis.hget(key, "data");
      if (data !== null) payloads.push(data);
    }
  } while (cursor !== "0");
  return payloads;
}

export type Checksums = Record<string, TableChecksum>;
export const checksumsOf = (db: ReadModelDb, schema: string): Promise<Checksums> =>
  tableChecksums(db, schema);
