import { mkdtemp, rm } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";
import { describe, expect, it } from "vitest";
import {
  ensureConfiguredDatabase,
  ensureLocalServices,
  INSTALL_HINT,
  LocalServicesError,
  type Shell,
  systemShell,
} from "./services";

/** A machine with nothing installed: every command is missing. */
const bareMachine: Shell = {
  has: async () => false,
  run: async () => ({ code: 127, stdout: "", stderr: "not found" }),
};

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

const quiet = () => {};
const hasRedisServer = await systemShell.has("redis-server");

describe("ensureLocalServices", () => {
  it("uses DATABASE_URL and REDIS_URL as given and starts nothing", async () => {
    const services = await ensureLocalServices({
      env: { DATABASE_URL: "postgres://u@db.internal:5432/x", REDIS_URL: "redis://cache.internal:6379" },
      shell: bareMachine,
      log: quiet,
    });
    expect(services).toMatchObject({
      databaseUrl: "postgres://u@db.internal:5432/x",
      redisUrl: "redis://cache.internal:6379",
      started: [],
    });
    await services.stop();
  });

  it("finds the running local Postgres and Redis, creates the database, and stops neither", async () => {
    const database = `motcua_test_services_${process.pid}`;
    const services = await ensureLocalServices({ env: {}, database, log: quiet });
    try {
      expect(services.databaseUrl).toBe(`postgres://postgres@127.0.0.1:5432/${database}`);
      expect(services.redisUrl).toBe("redis://127.0.0.1:6379");
      expect(services.started).toEqual([]);
      const client = new pg.Client({ connectionString: services.databaseUrl });
      await client.connect();
      expect((await client.query("SELECT current_database() AS name")).rows[0].name).toBe(database);
      await client.end();
      const redis = new Redis(services.redisUrl);
      expect(await redis.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
      redis.disconnect();
    } finally {
      await services.stop();
      const admin = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.end();
    }
    // still answering after stop(): it was not ours to stop
    const again = await ensureLocalServices({
      env: {},
      database: "postgres",
      shell: bareMachine,
      log: quiet,
    });
    expect(again.started).toEqual([]);
  });

  it("says how to install Postgres when nothing answers and Debian's server is missing", async () => {
    const port = await freePort();
    await expect(
      ensureLocalServices({ env: {}, postgresPort: port, shell: bareMachine, log: quiet }),
    ).rejects.toThrow(INSTALL_HINT);
  });

  it("says how to install Redis when nothing answers and redis-server is missing", async () => {
    const port = await freePort();
    await expect(
      ensureLocalServices({
        env: { DATABASE_URL: "postgres://x@127.0.0.1/x" },
        redisPort: port,
        shell: bareMachine,
        log: quiet,
      }),
    ).rejects.toThrow(/apt-get install postgresql redis-server/);
  });

  it.skipIf(!hasRedisServer)(
    "starts Debian's redis-server with AOF and noeviction when none answers, and stop() shuts it down",
    async () => {
      const port = await freePort();
      const dir = await mkdtemp(join(tmpdir(), "motcua-redis-"));
      const lines: string[] = [];
      const services = await ensureLocalServices({
        env: { DATABASE_URL: "postgres://x@127.0.0.1/x" },
        redisPort: port,
        redisDir: dir,
        log: (line) => lines.push(line),
      });
      try {
        expect(services.redisUrl).toBe(`redis://127.0.0.1:${port}`);
        expect(services.started).toEqual([`redis-server :${port}`]);
        const redis = new Redis(services.redisUrl);
        expect(await redis.config("GET", "maxmemory-policy")).toEqual(["maxmemory-policy", "noeviction"]);
        expect(await redis.config("GET", "appendonly")).toEqual(["appendonly", "yes"]);
        expect(await redis.config("GET", "appendfsync")).toEqual(["appendfsync", "everysec"]);
        redis.disconnect();
      } finally {
        await services.stop();
      }
      const probe = new Redis({
        port,
        lazyConnect: true,
        retryStrategy: () => null,
        maxRetriesPerRequest: 0,
      });
      probe.on("error", () => {});
      await expect(probe.connect()).rejects.toThrow();
      probe.disconnect();
      expect(lines.join("\n")).toMatch(/starting redis-server/);
      await rm(dir, { recursive: true, force: true });
    },
  );
});

describe("ensureConfiguredDatabase (a DATABASE_URL naming a database the server lacks)", () => {
  const admin = async <T>(run: (client: pg.Client) => Promise<T>): Promise<T> => {
    const client = new pg.Client({ connectionString: "postgres://postgres@127.0.0.1:5432/postgres" });
    await client.connect();
    try {
      return await run(client);
    } finally {
      await client.end();
    }
  };

  it("creates the database, saying so, and leaves an existing one alone", async () => {
    const database = `motcua_test_configured_${process.pid}`;
    const lines: string[] = [];
    try {
      const url = `postgres://postgres@127.0.0.1:5432/${database}`;
      expect(await ensureConfiguredDatabase(url, (line) => lines.push(line))).toBe("created");
      expect(lines).toEqual([`motcua: creating database ${database}`]);
      const client = new pg.Client({ connectionString: url });
      await client.connect();
      expect((await client.query("SELECT current_database() AS name")).rows[0].name).toBe(database);
      await client.end();
      expect(await ensureConfiguredDatabase(url, (line) => lines.push(line))).toBe("exists");
      expect(lines).toHaveLength(1);
    } finally {
      await admin((c) => c.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`));
    }
  });

  it("says in one line what to do when the user may not create it", async () => {
    const role = `motcua_test_nocreate_${process.pid}`;
    await admin((c) => c.query(`CREATE ROLE "${role}" LOGIN NOCREATEDB`));
    try {
      const attempt = ensureConfiguredDatabase(
        `postgres://${role}@127.0.0.1:5432/motcua_test_absent_${process.pid}`,
        quiet,
      );
      await expect(attempt).rejects.toBeInstanceOf(LocalServicesError);
      const message = await attempt.catch((error: Error) => error.message);
      expect(message).toMatch(
        new RegExp(
          `^Database "motcua_test_absent_${process.pid}" does not exist on 127\\.0\\.0\\.1:5432 and ${role} could not create it \\(permission denied`,
        ),
      );
      expect(message).toMatch(
        /create it \(createdb -h 127\.0\.0\.1 -p 5432 motcua_test_absent_\d+\), or point DATABASE_URL/,
      );
      expect(message).not.toMatch(/\n/);
    } finally {
      await admin((c) => c.query(`DROP ROLE IF EXISTS "${role}"`));
    }
  });

  it("says in one line that Postgres does not answer where DATABASE_URL points", async () => {
    const port = await freePort();
    await expect(ensureConfiguredDatabase(`postgres://postgres@127.0.0.1:${port}/x`, quiet)).rejects.toThrow(
      new RegExp(
        `^Postgres at 127\\.0\\.0\\.1:${port} \\(DATABASE_URL\\) refused the connection: .*Start it, or fix DATABASE_URL$`,
      ),
    );
  });
});
