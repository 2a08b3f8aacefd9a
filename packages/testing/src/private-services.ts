import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chown, mkdir, mkdtemp, rm, writeFile } from "node:fs/promises";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Redis } from "ioredis";
import pg from "pg";

/**
 * A Postgres and a Redis of a test's own, on ports and data directories nobody else uses, for tests that
 * stop, restart or flush them (faults). The machine's own services (5432, 6379) are never touched.
 * Postgres runs as user `postgres` (`runuser` when this process is root: initdb refuses root).
 */

const HOST = "127.0.0.1";

/** A TCP port nothing listens on right now (the OS picks it). */
export function freeTcpPort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, HOST, () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** Polls `ready` until it holds, or throws naming `what` after `timeoutMs`. */
export async function waitFor(
  what: string,
  ready: () => Promise<boolean> | boolean,
  timeoutMs = 30_000,
  everyMs = 50,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await ready()) return;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${timeoutMs} ms`);
    await new Promise((resolve) => setTimeout(resolve, everyMs));
  }
}

function run(command: string, args: readonly string[]): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(command, [...args], { timeout: 120_000 }, (error, stdout, stderr) => {
      if (error) reject(new Error(`${command} ${args.join(" ")}: ${String(stderr || error.message).trim()}`));
      else resolve(String(stdout));
    });
  });
}

const isRoot = () => process.getuid?.() === 0;
const asPostgres = (command: string, args: readonly string[]) =>
  isRoot() ? run("runuser", ["-u", "postgres", "--", command, ...args]) : run(command, args);

async function postgresAnswers(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 1_000 });
  client.on("error", () => {});
  try {
    await client.connect();
    await client.query("SELECT 1");
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => {});
  }
}

export interface PrivatePostgres {
  readonly port: number;
  /** The `postgres` database (create others with `createDatabase`). */
  readonly adminUrl: string;
  createDatabase(name: string): Promise<string>;
  /** `pg_ctl restart -m fast`: every session is terminated (57P01), then the server answers again. */
  restart(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  /** Stops the server and deletes its data directory. */
  destroy(): Promise<void>;
}

/**
 * A temporary directory for a private Postgres server and its data (owned by `postgres` when this runs as
 * root: initdb and pg_ctl run as that user), and pg_ctl on it with the options every private server
 * shares: its port, its socket in that directory, 127.0.0.1 only, fsync off (the data is thrown away and
 * no fault here crashes the OS), small buffers.
 */
async function privatePostgresServer(prefix: string, port: number, extraOptions: readonly string[]) {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  const data = join(dir, "data");
  if (isRoot()) {
    const uid = Number((await run("id", ["-u", "postgres"])).trim());
    const gid = Number((await run("id", ["-g", "postgres"])).trim());
    await chown(dir, uid, gid);
  }
  const serverOptions = [
    `-p ${port}`,
    `-k ${dir}`,
    `-c listen_addresses=${HOST}`,
    "-c fsync=off",
    "-c max_connections=200",
    "-c shared_buffers=32MB",
    ...extraOptions,
  ].join(" ");
  const adminUrl = `postgres://postgres@${HOST}:${port}/postgres`;
  const pgCtl = (action: string, extra: readonly string[] = []) =>
    asPostgres("pg_ctl", ["-D", data, "-l", join(dir, "server.log"), "-o", serverOptions, ...extra, action]);
  let running = false;
  return {
    dir,
    data,
    adminUrl,
    pgCtl,
    answering: () => waitFor(`private Postgres on :${port}`, () => postgresAnswers(adminUrl), 60_000),
    async start() {
      await pgCtl("start", ["-w", "-t", "60"]);
      running = true;
      await this.answering();
    },
    async stop() {
      if (!running) return;
      await pgCtl("stop", ["-m", "fast", "-w", "-t", "60"]);
      running = false;
    },
    async restart() {
      await pgCtl("restart", ["-m", "fast", "-w", "-t", "60"]);
      running = true;
      await this.answering();
    },
  };
}

/**
 * initdb into a temporary directory and start the server on `port` (a free one by default). Settings
 * favour speed over durability (fsync off): the data is thrown away, and no fault here crashes the OS.
 */
export async function startPrivatePostgres(options: { port?: number } = {}): Promise<PrivatePostgres> {
  const port = options.port ?? (await freeTcpPort());
  const server = await privatePostgresServer("motcua-pg-", port, ["-c full_page_writes=off"]);
  const { dir, adminUrl } = server;
  await asPostgres("initdb", ["-D", server.data, "-U", "postgres", "-A", "trust", "--no-sync", "-E", "UTF8"]);
  const start = () => server.start();
  const stop = () => server.stop();
  try {
    await start();
  } catch (error) {
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    adminUrl,
    async createDatabase(name) {
      const client = new pg.Client({ connectionString: adminUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE "${name.replace(/"/g, '""')}"`);
      } finally {
        await client.end();
      }
      return `postgres://postgres@${HOST}:${port}/${name}`;
    },
    restart: () => server.restart(),
    stop,
    start,
    async destroy() {
      await stop().catch(() => server.pgCtl("stop", ["-m", "immediate"]).catch(() => {}));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateRedis {
  readonly port: number;
  readonly url: string;
  /** Shuts the server down (no persistence: its data is gone). */
  stop(): Promise<void>;
  /** Starts it again on the same port, empty. */
  start(): Promise<void>;
  /** FLUSHALL: safe here, the server is this test's alone. */
  flush(): Promise<void>;
  destroy(): Promise<void>;
}

async function redisAnswers(port: number): Promise<boolean> {
  const redis = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    connectTimeout: 500,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return (await redis.ping()) === "PONG";
  } catch {
    return false;
  } finally {
    redis.disconnect();
  }
}

/** redis-server on `port` (a free one by default), without persistence, as a child of this process. */
export async function startPrivateRedis(options: { port?: number } = {}): Promise<PrivateRedis> {
  const port = options.port ?? (await freeTcpPort());
  let server: ChildProcess | null = null;
  const start = async () => {
    if (server) return;
    const child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        HOST,
        "--save",
        "",
        "--appendonly",
        "no",
        "--maxmemory-policy",
        "noeviction",
        "--daemonize",
        "no",
      ],
      { stdio: "ignore" },
    );
    server = child;
    child.once("exit", () => {
      if (server === child) server = null;
    });
    await waitFor(`private Redis on :${port}`, () => redisAnswers(port));
  };
  const stop = async () => {
    const child = server;
    if (!child) return;
    const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
    child.kill("SIGTERM");
    await exited;
  };
  await start();
  const url = `redis://${HOST}:${port}`;
  return {
    port,
    url,
    stop,
    start,
    async flush() {
      const redis = new Redis(url, { maxRetriesPerRequest: 1 });
      redis.on("error", () => {});
      try {
        await redis.flushall();
      } finally {
        redis.disconnect();
      }
    },
    destroy: stop,
  };
}

export interface PrivateStandby {
  readonly port: number;
  /** A database of the standby (read-only, streamed from the primary). */
  url(database: string): string;
  /** The standby's replay has reached the primary's current WAL position. */
  caughtUp(primary: PrivatePostgres): Promise<void>;
  /** `pg_wal_replay_pause()` / `pg_wal_replay_resume()`: the standby stays connected but stops applying. */
  pauseReplay(): Promise<void>;
  resumeReplay(): Promise<void>;
  stop(): Promise<void>;
  start(): Promise<void>;
  destroy(): Promise<void>;
}

async function adminQuery(url: string, text: string): Promise<Record<string, unknown>[]> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 5_000 });
  client.on("error", () => {});
  await client.connect();
  try {
    return (await client.query(text)).rows;
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * A hot standby of `primary` streaming its WAL: `pg_basebackup -R` (the primary's initdb with `-A trust`
 * lets 127.0.0.1 replicate), then the server on a port of its own. `hot_standby_feedback` keeps the
 * primary's vacuum from cancelling the standby's queries.
 */
export async function startPrivateStandby(
  primary: PrivatePostgres,
  options: { port?: number } = {},
): Promise<PrivateStandby> {
  const port = options.port ?? (await freeTcpPort());
  const server = await privatePostgresServer("motcua-pg-standby-", port, [
    "-c hot_standby=on",
    "-c hot_standby_feedback=on",
  ]);
  const { dir, data, adminUrl, pgCtl } = server;
  const start = () => server.start();
  const stop = () => server.stop();
  try {
    await asPostgres("pg_basebackup", [
      "-h",
      HOST,
      "-p",
      String(primary.port),
      "-U",
      "postgres",
      "-D",
      data,
      "-R",
      "-X",
      "stream",
      "-c",
      "fast",
    ]);
    await start();
  } catch (error) {
    await pgCtl("stop", ["-m", "immediate"]).catch(() => {});
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    port,
    url: (database) => `postgres://postgres@${HOST}:${port}/${database}`,
    async caughtUp(of) {
      const [row] = await adminQuery(of.adminUrl, "select pg_current_wal_lsn()::text as lsn");
      const target = String(row?.lsn);
      await waitFor(
        "the standby replays the primary's WAL",
        async () => {
          const [replayed] = await adminQuery(
            adminUrl,
            `select pg_last_wal_replay_lsn() >= '${target}'::pg_lsn as done`,
          ).catch(() => [{ done: false }]);
          return replayed?.done === true;
        },
        60_000,
        20,
      );
    },
    async pauseReplay() {
      await adminQuery(adminUrl, "select pg_wal_replay_pause()");
    },
    async resumeReplay() {
      await adminQuery(adminUrl, "select pg_wal_replay_resume()");
    },
    stop,
    start,
    async destroy() {
      await stop().catch(() => pgCtl("stop", ["-m", "immediate"]).catch(() => {}));
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export interface PrivateSentinelGroup {
  /** The master's name the sentinels monitor. */
  readonly name: string;
  readonly sentinelPorts: readonly number[];
  /** `host:port,…` of the sentinels, as REDIS_SENTINELS takes them. */
  readonly sentinels: string;
  /** The port of the server the sentinels call master now. */
  masterPort(): Promise<number>;
  /** SIGKILLs the current master; answers its port. Sentinel promotes the replica once it is found down. */
  killMaster(): Promise<number>;
  /** Waits until the sentinels name a master other than `oldPort` and it answers as master. */
  promoted(oldPort: number, timeoutMs?: number): Promise<number>;
  /** Starts a killed server again, empty: the sentinels make it a replica of the new master. */
  restartAsReplica(port: number): Promise<void>;
  /** Stops every server and sentinel and deletes their directories. */
  destroy(): Promise<void>;
}

async function redisCommand(port: number, ...args: string[]): Promise<unknown> {
  const redis = new Redis({
    host: HOST,
    port,
    lazyConnect: true,
    connectTimeout: 1_000,
    maxRetriesPerRequest: 0,
    retryStrategy: () => null,
    enableOfflineQueue: false,
  });
  redis.on("error", () => {});
  try {
    await redis.connect();
    return await redis.call(args[0] as string, ...args.slice(1));
  } finally {
    redis.disconnect();
  }
}

/**
 * Redis as production runs it behind Sentinel, on this machine: a master, a replica of it and three
 * sentinels (quorum 2, a server is down after 1 s without answering), each a child of this process on a
 * port of its own, with AOF on in directories of their own.
 */
export async function startPrivateSentinelGroup(
  options: { name?: string; downAfterMs?: number } = {},
): Promise<PrivateSentinelGroup> {
  const name = options.name ?? "motcua";
  const dir = await mkdtemp(join(tmpdir(), "motcua-sentinel-"));
  const servers = new Map<number, ChildProcess>();
  const spawnServer = (port: number, args: readonly string[]) => {
    const child = spawn("redis-server", [...args], { stdio: "ignore" });
    servers.set(port, child);
    child.once("exit", () => {
      if (servers.get(port) === child) servers.delete(port);
    });
  };
  const dataServer = async (port: number, replicaOf?: number) => {
    const data = join(dir, `redis-${port}`);
    await mkdir(data, { recursive: true });
    spawnServer(port, [
      "--port",
      String(port),
      "--bind",
      HOST,
      "--dir",
      data,
      "--save",
      "",
      "--appendonly",
      "yes",
      "--appendfsync",
      "everysec",
      "--maxmemory-policy",
      "noeviction",
      ...(replicaOf === undefined ? [] : ["--replicaof", HOST, String(replicaOf)]),
    ]);
    await waitFor(`private Redis on :${port}`, () => redisAnswers(port));
  };
  const destroy = async () => {
    await Promise.all(
      [...servers.values()].map(
        (child) =>
          new Promise<void>((resolve) => {
            if (child.exitCode !== null || child.signalCode !== null) return resolve();
            child.once("exit", () => resolve());
            child.kill("SIGKILL");
          }),
      ),
    );
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const masterPort = await freeTcpPort();
    const replicaPort = await freeTcpPort();
    await dataServer(masterPort);
    await dataServer(replicaPort, masterPort);
    await waitFor(
      "the replica in sync",
      async () =>
        String(await redisCommand(replicaPort, "INFO", "replication")).includes("master_link_status:up"),
      30_000,
      100,
    );
    const sentinelPorts: number[] = [];
    for (let i = 0; i < 3; i++) {
      const port = await freeTcpPort();
      const conf = join(dir, `sentinel-${port}.conf`);
      await writeFile(
        conf,
        [
          `port ${port}`,
          `bind ${HOST}`,
          `dir ${dir}`,
          `sentinel monitor ${name} ${HOST} ${masterPort} 2`,
          `sentinel down-after-milliseconds ${name} ${options.downAfterMs ?? 1_000}`,
          `sentinel failover-timeout ${name} 10000`,
          `sentinel parallel-syncs ${name} 1`,
          "",
        ].join("\n"),
      );
      spawnServer(port, [conf, "--sentinel"]);
      sentinelPorts.push(port);
      await waitFor(`private Sentinel on :${port}`, () => redisAnswers(port));
    }
    const masterPortNow = async (): Promise<number> => {
      for (const port of sentinelPorts) {
        try {
          const answer = (await redisCommand(port, "SENTINEL", "get-master-addr-by-name", name)) as string[];
          if (answer?.[1]) return Number(answer[1]);
        } catch {
          // that sentinel is away: ask the next one
        }
      }
      throw new Error("no sentinel names a master");
    };
    // Every sentinel must know the replica and the others before a failover can be agreed.
    await waitFor(
      "the sentinels know the replica and each other",
      async () => {
        for (const port of sentinelPorts) {
          const info = String(await redisCommand(port, "INFO", "sentinel").catch(() => ""));
          if (!info.includes("slaves=1,sentinels=3")) return false;
        }
        return true;
      },
      60_000,
      100,
    );
    return {
      name,
      sentinelPorts,
      sentinels: sentinelPorts.map((port) => `${HOST}:${port}`).join(","),
      masterPort: masterPortNow,
      async killMaster() {
        const port = await masterPortNow();
        const child = servers.get(port);
        if (!child) throw new Error(`no server of this group on :${port}`);
        const gone = new Promise<void>((resolve) => child.once("exit", () => resolve()));
        child.kill("SIGKILL");
        await gone;
        return port;
      },
      async promoted(oldPort, timeoutMs = 60_000) {
        let port = oldPort;
        await waitFor(
          "Sentinel promotes the replica",
          async () => {
            port = await masterPortNow().catch(() => oldPort);
            if (port === oldPort) return false;
            const role = (await redisCommand(port, "ROLE").catch(() => [])) as unknown[];
            return role[0] === "master";
          },
          timeoutMs,
          50,
        );
        return port;
      },
      async restartAsReplica(port) {
        const master = await masterPortNow();
        await rm(join(dir, `redis-${port}`), { recursive: true, force: true });
        await dataServer(port, master);
      },
      destroy,
    };
  } catch (error) {
    await destroy();
    throw error;
  }
}
