import { createTestDatabase, type TestDatabase } from "@motcua/testing";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { openRebuildGate, REBUILD_LOCK_KEY } from "./rebuild-gate";

let database: TestDatabase;
const opened: Kysely<unknown>[] = [];
const clients: pg.Client[] = [];

/** A Kysely of its own, as each rebuild process has. */
function processDb(): Kysely<unknown> {
  const pool = new pg.Pool({ connectionString: database.url, max: 3 });
  pool.on("error", () => {});
  const db = new Kysely<unknown>({ dialect: new PostgresDialect({ pool }) });
  opened.push(db);
  return db;
}

/** The active scheduler's side, statement for statement as services/scheduler/src/coordination.ts does it. */
async function scheduler() {
  const client = new pg.Client({ connectionString: database.url });
  await client.connect();
  clients.push(client);
  const one = async (text: string) =>
    Object.values((await client.query(text, [REBUILD_LOCK_KEY])).rows[0])[0];
  return {
    tryOpen: () => one("select pg_try_advisory_lock_shared(hashtext($1))") as Promise<boolean>,
    rebuildWaiting: () =>
      one(`select exists (
        select 1 from pg_locks
        where locktype = 'advisory' and not granted and objsubid = 1
          and database = (select oid from pg_database where datname = current_database())
          and ((classid::bigint << 32) | objid::bigint) = hashtext($1)::bigint)`) as Promise<boolean>,
    letGo: () => one("select pg_advisory_unlock_shared(hashtext($1))"),
  };
}

async function until(probe: () => Promise<boolean>) {
  while (!(await probe())) await new Promise((resolve) => setTimeout(resolve, 20));
}

beforeAll(async () => {
  database = await createTestDatabase("rebuildgate");
});
afterAll(async () => {
  for (const client of clients) await client.end().catch(() => {});
  for (const db of opened) await db.destroy().catch(() => {});
  await database?.drop();
});

describe("the rebuild gate with several rebuild processes", () => {
  it("pauses the scheduler until the last rebuild process has let go, in whichever order they finish", async () => {
    const s = await scheduler();
    expect(await s.tryOpen()).toBe(true);

    // The first rebuild process asks; the scheduler notices, drains and lets go; then it may work.
    let aOpen = false;
    const a = openRebuildGate(processDb(), { pollMs: 20 }).then((gate) => {
      aOpen = true;
      return gate;
    });
    await until(s.rebuildWaiting);
    expect(aOpen).toBe(false);
    await s.letGo();
    const gateA = await a;

    // A second one works at once, beside the first, without waiting for its turn at the key.
    const gateB = await openRebuildGate(processDb(), { pollMs: 20 });
    expect(await s.tryOpen()).toBe(false);

    // The process holding the key finishes first: the other's queued request holds the scheduler off.
    await gateA.release();
    expect(await s.tryOpen()).toBe(false);
    // A third starts while the second still works, and finishes after it.
    const gateC = await openRebuildGate(processDb(), { pollMs: 20 });
    await gateB.release();
    expect(await s.tryOpen()).toBe(false);
    await gateC.release();
    expect(await s.tryOpen()).toBe(true);
    await s.letGo();
  });
});
