/**
 * A projection worker process for the kill tests: started with `child_process.fork`, it runs one
 * BullMQ worker against the database and Redis prefix it is given, and says "ready" once it listens.
 * The tests SIGKILL it at random moments.
 */
import { createLogger, createRedis, type LogLevel } from "@motcua/platform";
import type { ReadModelDb } from "@motcua/read-models";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { startProjectionWorker } from "../worker";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};

const pool = new pg.Pool({ connectionString: env("DATABASE_URL"), max: 4 });
pool.on("error", () => {});
const db: ReadModelDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
const redis = createRedis(env("REDIS_URL"), { connectionName: "motcua-test-worker" });
const worker = startProjectionWorker({
  db,
  connection: redis,
  prefix: env("REDIS_PREFIX"),
  concurrency: Number(process.env.CONCURRENCY ?? 8),
  // A killed worker's jobs are taken up again soon (production keeps BullMQ's 30 s).
  lockDurationMs: 1_000,
  stalledIntervalMs: 500,
  earlyRetryMaxMs: 200,
  earlyWaitMs: 250,
  logger: createLogger({
    level: (process.env.LOG_LEVEL as LogLevel | undefined) ?? "silent",
    name: "worker-child",
  }),
});
await worker.worker.waitUntilReady();
process.send?.("ready");

const stop = async () => {
  await worker.close();
  await db.destroy();
  redis.disconnect();
  process.exit(0);
};
process.once("SIGTERM", () => void stop());
process.once("disconnect", () => void stop());
