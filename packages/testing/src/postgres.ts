import { randomBytes } from "node:crypto";
import pg from "pg";

/** Where tests may create throw-away databases. Never a database with anyone's data in it. */
export const testAdminDatabaseUrl = (): string =>
  process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";

export interface TestDatabase {
  readonly url: string;
  readonly name: string;
  /** Drops the database, closing whatever connections are still open on it. */
  drop(): Promise<void>;
}

/**
 * Creates a fresh, empty database for one test file. Its name says it is a test database and which
 * process made it, so a crashed run's leftovers can be found and removed by `dropStaleTestDatabases`.
 */
export async function createTestDatabase(label = "t"): Promise<TestDatabase> {
  const adminUrl = testAdminDatabaseUrl();
  const name = `motcua_test_${label
    .replace(/[^a-z0-9]/gi, "")
    .toLowerCase()
    .slice(0, 20)}_${process.pid}_${randomBytes(4).toString("hex")}`;
  const admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE "${name}"`);
  } finally {
    await admin.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    name,
    async drop() {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        // Pools may still be closing their sockets; terminating them mid-close surfaces as an unhandled
        // error in the test's process. Wait for them first, and force only what is truly left behind.
        for (let attempt = 0; attempt < 40; attempt++) {
          const { rows } = await client.query<{ n: number }>(
            "SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1",
            [name],
          );
          if (rows[0]?.n === 0) break;
          await new Promise((resolve) => setTimeout(resolve, 50));
        }
        await client.query(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`);
      } finally {
        await client.end();
      }
    },
  };
}
