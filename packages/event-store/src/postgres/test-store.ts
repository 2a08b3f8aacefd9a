import { randomBytes } from "node:crypto";
import { createTestDatabase, type TestDatabase } from "@motcua/testing";
import pg from "pg";
import {
  openPostgresEventStore,
  type PostgresEventStore,
  type PostgresEventStoreOptions,
} from "./postgres-event-store";
import type { PostgresEventStoreSeams } from "./seams";

/** A test store's settings: the store's options, and the seams only tests reach (`beforeCommit`). */
export type TestStoreOptions = Partial<PostgresEventStoreOptions> & PostgresEventStoreSeams;

/** A migrated Postgres event store on a fresh test database, with a direct connection for inspecting rows. */
export interface TestStore {
  database: TestDatabase;
  store: PostgresEventStore;
  masterKey: string;
  /** Runs SQL straight against the test database (as an auditor or an attacker would). */
  sql<R extends pg.QueryResultRow = pg.QueryResultRow>(text: string, values?: unknown[]): Promise<R[]>;
  /** Another store over the same database (e.g. another process). */
  openAnother(options?: TestStoreOptions): PostgresEventStore;
  dispose(): Promise<void>;
}

export async function openTestStore(label: string, options: TestStoreOptions = {}): Promise<TestStore> {
  const database = await createTestDatabase(label);
  const masterKey = randomBytes(32).toString("base64");
  const others: PostgresEventStore[] = [];
  const open = ({ beforeCommit, ...extra }: TestStoreOptions) =>
    openPostgresEventStore(
      { connectionString: database.url, masterKey, poolSize: 5, pollIntervalMs: 200, ...extra },
      beforeCommit ? { beforeCommit } : {},
    );
  const store = open(options);
  await store.migrate();
  const admin = new pg.Client({ connectionString: database.url });
  await admin.connect();
  admin.on("error", () => {});
  return {
    database,
    store,
    masterKey,
    async sql(text, values) {
      return (await admin.query(text, values)).rows;
    },
    openAnother(extra = {}) {
      const another = open({ ...options, ...extra });
      others.push(another);
      return another;
    },
    async dispose() {
      await Promise.all([store, ...others].map((each) => each.close().catch(() => {})));
      await admin.end().catch(() => {});
      await database.drop();
    },
  };
}
