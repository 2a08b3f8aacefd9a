import { randomBytes, randomUUID } from "node:crypto";
import { createPostgresEventStore, type NewEvent, type PostgresEventStore } from "@motcua/event-store";
import { createTestDatabase, type TestDatabase } from "@motcua/testing";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { type AnyDb, migrateTransparencyLog } from "./postgres-tree";

/** For tests: a fresh database with a Postgres event store, the tree's tables and a raw connection. */
export interface TestLog {
  readonly database: TestDatabase;
  readonly store: PostgresEventStore;
  readonly db: AnyDb;
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Appends one dossier stream of `count` events (one append); answers its stream id. */
  appendDossier(count: number): Promise<string>;
  dispose(): Promise<void>;
}

export const testEvent = (type: string, commandId: string, note: string): NewEvent => ({
  type,
  schemaVersion: 1,
  data: { note },
  metadata: {
    commandId,
    correlationId: commandId,
    causationId: null,
    actor: { id: "officer-1", role: "officer", unitId: "unit-1" },
    occurredAt: "2026-03-03T09:00:00+07:00",
  },
});

export async function openTestLog(label: string): Promise<TestLog> {
  const database = await createTestDatabase(label);
  const store = createPostgresEventStore({
    connectionString: database.url,
    masterKey: randomBytes(32).toString("base64"),
    poolSize: 4,
  });
  await store.migrate();
  const pool = new pg.Pool({ connectionString: database.url, max: 4 });
  const db: AnyDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
  await migrateTransparencyLog(db);
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  admin.on("error", () => {});
  return {
    database,
    store,
    db,
    async sql(text, values) {
      return (await admin.query(text, values)).rows;
    },
    async appendDossier(count) {
      const streamId = `dossier-${randomUUID()}`;
      const commandId = randomUUID();
      const events = Array.from({ length: count }, (_, i) =>
        testEvent(i === 0 ? "DossierReceived" : "DossierTransferred", commandId, `step ${i + 1}`),
      );
      await store.append(streamId, events, { expectedRevision: "no_stream", commandId });
      return streamId;
    },
    async dispose() {
      await store.close().catch(() => {});
      await db.destroy().catch(() => {});
      await admin.end().catch(() => {});
      await database.drop();
    },
  };
}
