import { createTestDatabase, type TestDatabase } from "@motcua/testing";
import { Kysely, PostgresDialect, sql } from "kysely";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { type LeaderTerm, runWhileLeader } from "./leadership";
import { createPostgresPool } from "./postgres";
import { createStopSignal } from "./stop-signal";

const LOCK = "motcua.platform.leadership-test";

let database: TestDatabase;
// biome-ignore lint/suspicious/noExplicitAny: raw statements only
const pools: Kysely<any>[] = [];

const newDb = () => {
  const db = new Kysely({
    dialect: new PostgresDialect({ pool: createPostgresPool(database.url, { max: 3 }) }),
  });
  pools.push(db);
  return db;
};

/** A contender: leads until stopped or its session is lost, and says whether it leads now. */
function contender(name: string, log: string[], heartbeatMs = 50) {
  const signal = createStopSignal();
  let leading = false;
  let pid: number | null = null;
  const done = runWhileLeader(
    LOCK,
    async (term: LeaderTerm) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(term.session);
      pid = rows[0]?.pid ?? null;
      log.push(`${name} leads`);
      leading = true;
      while (!signal.stopped && !term.lost) await signal.nap(10);
      leading = false;
      log.push(term.lost ? `${name} lost` : `${name} stepped down`);
    },
    {
      db: newDb(),
      signal,
      standbyRetryMs: 20,
      heartbeatMs,
      firstRetryMs: 20,
      onStandby: () => {
        if (log.at(-1) !== `${name} stands by`) log.push(`${name} stands by`);
      },
    },
  );
  const handle = {
    get leading() {
      return leading;
    },
    get pid() {
      return pid;
    },
    async stop() {
      signal.stop();
      await done;
    },
  };
  running.push(handle);
  return handle;
}

const running: { stop(): Promise<void> }[] = [];

const until = async (condition: () => boolean, timeoutMs = 10_000) => {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
};

beforeAll(async () => {
  database = await createTestDatabase("leadership");
});

afterEach(async () => {
  await Promise.all(running.splice(0).map((c) => c.stop()));
});

afterAll(async () => {
  await Promise.all(pools.map((db) => db.destroy()));
  await database.drop();
});

describe("runWhileLeader", () => {
  it("lets one contender lead while the other stands by, and hands over when the leader stops", async () => {
    const log: string[] = [];
    const a = contender("a", log);
    await until(() => a.leading);
    const b = contender("b", log);
    await until(() => log.includes("b stands by"));
    expect(a.leading && !b.leading).toBe(true);

    await a.stop();
    await until(() => b.leading);
    expect(log).toEqual(["a leads", "b stands by", "a stepped down", "b leads"]);
    await b.stop();
  });

  it("ends the term of a leader whose session is killed, and a standby takes over", async () => {
    const log: string[] = [];
    const a = contender("a", log);
    await until(() => a.leading);
    const b = contender("b", log);
    await until(() => log.includes("b stands by"));

    await sql`select pg_terminate_backend(${a.pid})`.execute(newDb());
    await until(() => log.includes("a lost"));
    await until(() => b.leading || a.leading);
    // The killed session released the lock at once: b may lead before a's heartbeat notices, never after.
    expect(log).toContain("a lost");
    expect(a.leading && b.leading).toBe(false);
    await Promise.all([a.stop(), b.stop()]);
  });
});
