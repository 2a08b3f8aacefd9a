import { execFile } from "node:child_process";
import { access, mkdir, readFile, writeFile } from "node:fs/promises";
import { delimiter, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Redis } from "ioredis";
import pg from "pg";

/**
 * The local Postgres and Redis that `pnpm start` and the tests run on when DATABASE_URL / REDIS_URL are
 * not given: found if they already answer on 127.0.0.1, else started from Debian's packages. Only what
 * this process started is stopped again.
 */

export const INSTALL_HINT = "apt-get install postgresql redis-server";

export class LocalServicesError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "LocalServicesError";
  }
}

export interface CommandResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
}

/** How the services are started: real commands, or a fake in tests. */
export interface Shell {
  has(command: string): Promise<boolean>;
  run(command: string, args: readonly string[]): Promise<CommandResult>;
}

export const systemShell: Shell = {
  async has(command) {
    for (const dir of (process.env.PATH ?? "").split(delimiter)) {
      if (dir === "") continue;
      try {
        await access(join(dir, command));
        return true;
      } catch {
        // not in this directory
      }
    }
    return false;
  },
  run(command, args) {
    return new Promise((resolveRun) => {
      execFile(command, [...args], { timeout: 120_000 }, (error, stdout, stderr) => {
        const code = error === null ? 0 : typeof error.code === "number" ? error.code : 1;
        resolveRun({ code, stdout: String(stdout), stderr: String(stderr) });
      });
    });
  },
};

export interface EnsureLocalServicesOptions {
  readonly env?: Readonly<Record<string, string | undefined>>;
  /** The database to create if missing; `motcua` by default. */
  readonly database?: string;
  readonly postgresPort?: number;
  readonly redisPort?: number;
  /** Where a Redis started here keeps its AOF, pid and log: `<repo>/.motcua/redis` by default. */
  readonly redisDir?: string;
  readonly shell?: Shell;
  readonly log?: (line: string) => void;
}

export interface LocalServices {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  /** What this call started (`postgres 15/main`, `redis-server :6379`); empty when everything was running. */
  readonly started: readonly string[];
  /** Stops what this call started, and nothing else. */
  stop(): Promise<void>;
}

const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");
const HOST = "127.0.0.1";

export async function ensureLocalServices(options: EnsureLocalServicesOptions = {}): Promise<LocalServices> {
  const env = options.env ?? process.env;
  const shell = options.shell ?? systemShell;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const stops: (() => Promise<void>)[] = [];
  const started: string[] = [];
  const stop = async () => {
    for (const stopOne of stops.splice(0).reverse()) await stopOne();
  };

  try {
    let databaseUrl = env.DATABASE_URL;
    if (databaseUrl === undefined || databaseUrl === "") {
      const postgres = await ensurePostgres({
        port: options.postgresPort ?? 5432,
        database: options.database ?? "motcua",
        shell,
        log,
      });
      databaseUrl = postgres.url;
      if (postgres.stop) {
        started.push(postgres.name);
        stops.push(postgres.stop);
      }
    }
    let redisUrl = env.REDIS_URL;
    if (redisUrl === undefined || redisUrl === "") {
      const redis = await ensureRedis({
        port: options.redisPort ?? 6379,
        dir: options.redisDir ?? join(repoRoot, ".motcua", "redis"),
        shell,
        log,
      });
      redisUrl = redis.url;
      if (redis.stop) {
        started.push(redis.name);
        stops.push(redis.stop);
      }
    }
    return { databaseUrl, redisUrl, started, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

// ---------------------------------------------------------------------------------------------------
// Postgres

interface EnsuredService {
  readonly url: string;
  readonly name: string;
  /** Present only when this process started the service. */
  readonly stop?: () => Promise<void>;
}

type Probe =
  | { readonly state: "ok" }
  | { readonly state: "down" }
  | { readonly state: "refused"; readonly why: string };

async function probePostgres(url: string): Promise<Probe> {
  const client = new pg.Client({ connectionString: url, connectionTimeoutMillis: 2_000 });
  try {
    await client.connect();
    await client.query("SELECT 1");
    return { state: "ok" };
  } catch (error) {
    const code = (error as { code?: string }).code;
    const message = (error as Error).message ?? "";
    // 28P01 wrong password, 28000 no pg_hba entry; the client itself gives up when SCRAM asks for a password.
    if (code === "28P01" || code === "28000" || /SASL|password/i.test(message)) {
      return { state: "refused", why: message };
    }
    return { state: "down" };
  } finally {
    await client.end().catch(() => {});
  }
}

interface DebianCluster {
  readonly version: string;
  readonly cluster: string;
  readonly port: number;
  readonly running: boolean;
  readonly hbaFile: string | undefined;
}

async function debianClusters(shell: Shell): Promise<DebianCluster[]> {
  const listed = await shell.run("pg_lsclusters", ["--json"]);
  if (listed.code !== 0) throw new LocalServicesError(`pg_lsclusters failed: ${listed.stderr.trim()}`);
  const clusters = JSON.parse(listed.stdout || "[]") as {
    version: number | string;
    cluster: string;
    port: number | string;
    running: number | boolean;
    config?: { hba_file?: string };
  }[];
  return clusters.map((c) => ({
    version: String(c.version),
    cluster: c.cluster,
    port: Number(c.port),
    running: Boolean(c.running),
    hbaFile: c.config?.hba_file,
  }));
}

async function installedPostgresVersions(shell: Shell): Promise<string[]> {
  const listed = await shell.run("ls", ["/usr/lib/postgresql"]);
  if (listed.code !== 0) return [];
  return listed.stdout
    .split(/\s+/)
    .filter((v) => /^\d+$/.test(v))
    .sort((a, b) => Number(b) - Number(a));
}

async function runOrFail(shell: Shell, command: string, args: readonly string[]): Promise<void> {
  const result = await shell.run(command, args);
  if (result.code !== 0) {
    throw new LocalServicesError(
      `${command} ${args.join(" ")} failed: ${(result.stderr || result.stdout).trim()}`,
    );
  }
}

const TRUST_MARKER = "# motcua: passwordless TCP from this machine, for local development";

/** Lets `postgres` connect over TCP from 127.0.0.1 without a password, as the tests and `start` expect. */
async function allowLocalTrust(
  cluster: DebianCluster,
  shell: Shell,
  log: (line: string) => void,
): Promise<void> {
  if (cluster.hbaFile === undefined) return;
  const current = await readFile(cluster.hbaFile, "utf8");
  if (current.includes(TRUST_MARKER)) return;
  log(`motcua: allowing passwordless connections from 127.0.0.1 in ${cluster.hbaFile} (local development)`);
  await writeFile(
    cluster.hbaFile,
    `${TRUST_MARKER}\nhost all all 127.0.0.1/32 trust\nhost all all ::1/128 trust\n${current}`,
  );
  await runOrFail(shell, "pg_ctlcluster", [
    "--skip-systemctl-redirect",
    cluster.version,
    cluster.cluster,
    "reload",
  ]);
}

async function waitUntil(what: string, ready: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await ready()) return;
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new LocalServicesError(`${what} did not answer within ${timeoutMs / 1000} s`);
}

async function ensureDatabase(
  adminUrl: string,
  database: string,
  log: (line: string) => void,
): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    const found = await client.query("SELECT 1 FROM pg_database WHERE datname = $1", [database]);
    if (found.rowCount === 0) {
      log(`motcua: creating database ${database}`);
      await client
        .query(`CREATE DATABASE "${database.replace(/"/g, '""')}"`)
        .catch((error: { code?: string }) => {
          if (error.code !== "42P04") throw error; // created meanwhile by another process
        });
    }
  } finally {
    await client.end();
  }
}

/**
 * The database DATABASE_URL names, created when its server answers and it does not exist yet (as the
 * default `motcua` is), so a first `pnpm start` against a fresh server works. When it cannot be reached
 * or created, one line says what to do instead of a stack trace.
 */
export async function ensureConfiguredDatabase(
  databaseUrl: string,
  log: (line: string) => void,
): Promise<"exists" | "created"> {
  let url: URL;
  try {
    url = new URL(databaseUrl);
  } catch {
    throw new LocalServicesError(
      "DATABASE_URL is not a URL: postgres://user[:password]@host[:port]/database",
    );
  }
  const database = decodeURIComponent(url.pathname.slice(1));
  const where = `${url.hostname}:${url.port || 5432}`;
  const probe = new pg.Client({ connectionString: databaseUrl, connectionTimeoutMillis: 5_000 });
  try {
    await probe.connect();
    return "exists";
  } catch (error) {
    const { code, message } = error as { code?: string; message?: string };
    if (code !== "3D000") {
      throw new LocalServicesError(
        `Postgres at ${where} (DATABASE_URL) refused the connection: ${message ?? code}. Start it, or fix DATABASE_URL`,
      );
    }
  } finally {
    await probe.end().catch(() => {});
  }
  // The server answers and the database is missing: create it from the server's maintenance database.
  const maintenance = new URL(url);
  maintenance.pathname = "/postgres";
  try {
    await ensureDatabase(maintenance.toString(), database, log);
  } catch (error) {
    const { message, code } = error as { code?: string; message?: string };
    const user = decodeURIComponent(url.username) || "the user";
    throw new LocalServicesError(
      `Database "${database}" does not exist on ${where} and ${user} could not create it (${message ?? code}): ` +
        `create it (createdb -h ${url.hostname} -p ${url.port || 5432} ${database}), or point DATABASE_URL at one that exists`,
    );
  }
  return "created";
}

async function ensurePostgres(options: {
  port: number;
  database: string;
  shell: Shell;
  log: (line: string) => void;
}): Promise<EnsuredService> {
  const { port, database, shell, log } = options;
  const adminUrl = `postgres://postgres@${HOST}:${port}/postgres`;
  const url = `postgres://postgres@${HOST}:${port}/${database}`;
  const refusedHelp = (why: string) =>
    new LocalServicesError(
      `Postgres on ${HOST}:${port} refuses user postgres without a password (${why}). ` +
        "Set DATABASE_URL, or run `bash infra/local/ensure-services.sh` to allow passwordless local connections.",
    );

  const first = await probePostgres(adminUrl);
  if (first.state === "ok") {
    await ensureDatabase(adminUrl, database, log);
    return { url, name: `postgres :${port}` };
  }
  if (first.state === "refused") throw refusedHelp(first.why);

  if (!(await shell.has("pg_ctlcluster")) || !(await shell.has("pg_lsclusters"))) {
    throw new LocalServicesError(
      `No Postgres answers on ${HOST}:${port} and Debian's PostgreSQL server is not installed. ` +
        `Install it with \`${INSTALL_HINT}\` (or set DATABASE_URL).`,
    );
  }

  let cluster = (await debianClusters(shell)).find((c) => c.port === port);
  if (cluster === undefined) {
    const [version] = await installedPostgresVersions(shell);
    if (version === undefined) {
      throw new LocalServicesError(
        `Debian's PostgreSQL tools are there but no server version is: ${INSTALL_HINT}`,
      );
    }
    const name = port === 5432 ? "main" : `motcua${port}`;
    log(`motcua: creating Postgres cluster ${version}/${name} on port ${port}`);
    await runOrFail(shell, "pg_createcluster", [
      "--port",
      String(port),
      version,
      name,
      "--",
      "--auth-local=peer",
      "--auth-host=trust",
    ]);
    cluster = (await debianClusters(shell)).find((c) => c.port === port);
    if (cluster === undefined)
      throw new LocalServicesError(`pg_createcluster made no cluster on port ${port}`);
  }
  const { version, cluster: name } = cluster;
  if (cluster.running) {
    throw new LocalServicesError(
      `Postgres cluster ${version}/${name} is running but does not answer on ${HOST}:${port}; check listen_addresses`,
    );
  }
  log(`motcua: starting Postgres cluster ${version}/${name}`);
  await runOrFail(shell, "pg_ctlcluster", ["--skip-systemctl-redirect", version, name, "start"]);
  const stopCluster = async () => {
    log(`motcua: stopping Postgres cluster ${version}/${name}`);
    await shell.run("pg_ctlcluster", ["--skip-systemctl-redirect", version, name, "stop"]);
  };
  try {
    await waitUntil(
      `Postgres ${version}/${name}`,
      async () => (await probePostgres(adminUrl)).state !== "down",
    );
    const afterStart = await probePostgres(adminUrl);
    if (afterStart.state === "refused") {
      // A stock Debian cluster (scram over TCP) that this process brought up: open it for local development.
      await allowLocalTrust(cluster, shell, log);
      const afterTrust = await probePostgres(adminUrl);
      if (afterTrust.state !== "ok")
        throw refusedHelp(afterTrust.state === "refused" ? afterTrust.why : "down");
    }
    await ensureDatabase(adminUrl, database, log);
  } catch (error) {
    await stopCluster();
    throw error;
  }
  return { url, name: `postgres ${version}/${name}`, stop: stopCluster };
}

// ---------------------------------------------------------------------------------------------------
// Redis

async function connectRedis(port: number): Promise<Redis | undefined> {
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
    await redis.ping();
    return redis;
  } catch {
    redis.disconnect();
    return undefined;
  }
}

async function ensureRedis(options: {
  port: number;
  dir: string;
  shell: Shell;
  log: (line: string) => void;
}): Promise<EnsuredService> {
  const { port, dir, shell, log } = options;
  const url = `redis://${HOST}:${port}`;

  const running = await connectRedis(port);
  if (running !== undefined) {
    try {
      // BullMQ loses jobs under any other eviction policy.
      const [, policy] = (await running.config("GET", "maxmemory-policy")) as [string, string];
      if (policy !== "noeviction") {
        log(`motcua: Redis on :${port} had maxmemory-policy ${policy}; setting noeviction (BullMQ needs it)`);
        await running.config("SET", "maxmemory-policy", "noeviction");
      }
    } finally {
      running.disconnect();
    }
    return { url, name: `redis :${port}` };
  }

  if (!(await shell.has("redis-server"))) {
    throw new LocalServicesError(
      `No Redis answers on ${HOST}:${port} and redis-server is not installed. ` +
        `Install it with \`${INSTALL_HINT}\` (or set REDIS_URL).`,
    );
  }
  await mkdir(dir, { recursive: true });
  log(`motcua: starting redis-server on ${HOST}:${port} (data in ${dir})`);
  await runOrFail(shell, "redis-server", [
    "--daemonize",
    "yes",
    "--bind",
    HOST,
    "--port",
    String(port),
    "--appendonly",
    "yes",
    "--appendfsync",
    "everysec",
    "--maxmemory-policy",
    "noeviction",
    "--dir",
    dir,
    "--pidfile",
    join(dir, `redis-${port}.pid`),
    "--logfile",
    join(dir, `redis-${port}.log`),
  ]);
  const stopRedis = async () => {
    log(`motcua: stopping redis-server on :${port}`);
    const redis = await connectRedis(port);
    if (redis === undefined) return;
    // SHUTDOWN closes the connection instead of answering.
    await redis.call("SHUTDOWN").catch(() => {});
    redis.disconnect();
  };
  try {
    await waitUntil(`redis-server on :${port}`, async () => {
      const redis = await connectRedis(port);
      redis?.disconnect();
      return redis !== undefined;
    });
  } catch (error) {
    await stopRedis();
    throw error;
  }
  return { url, name: `redis-server :${port}`, stop: stopRedis };
}
