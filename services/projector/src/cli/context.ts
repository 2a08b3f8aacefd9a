import { type ConfiguredEventStore, createEventStore, createPostgresEventStore } from "@motcua/event-store";
import {
  type Config,
  createLogger,
  createPostgresPool,
  createRedis,
  type Logger,
  loadConfigOrExit,
} from "@motcua/platform";
import type { ReadModelDb } from "@motcua/read-models";
import type { Queue } from "bullmq";
import type { Redis } from "ioredis";
import { Kysely, PostgresDialect } from "kysely";
import { migrateProjectorTables } from "../dead-letters";
import type { ProjectionJobData } from "../job";
import { createProjectionQueue } from "../projector";

/** What every projector command needs, from the environment (DATABASE_URL, REDIS_URL, …). */
export interface CommandContext {
  readonly config: Config;
  readonly logger: Logger;
  readonly databaseUrl: string;
  readonly store: ConfiguredEventStore;
  readonly db: ReadModelDb;
  readonly redis: Redis;
  readonly queue: Queue<ProjectionJobData>;
  close(): Promise<void>;
}

/** Loads the configuration or prints what is wrong with it and exits. */
export async function openCommandContext(
  name: string,
  options: { poolSize?: number } = {},
): Promise<CommandContext> {
  const config: Config = loadConfigOrExit(process.env);
  if (!config.databaseUrl || !config.redisUrl) {
    process.stderr.write(
      "DATABASE_URL and REDIS_URL are required (pnpm start finds or starts local ones; set them to run the projector on its own)\n",
    );
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel, name });
  const databaseUrl = config.databaseUrl;
  const masterKey = config.vaultMasterKey.toString("base64");
  const store: ConfiguredEventStore =
    config.eventStore.kind === "postgres"
      ? (() => {
          // Large pages: the feeder and the rebuild read the log in pages of thousands.
          const postgres = createPostgresEventStore({
            connectionString: databaseUrl,
            masterKey,
            pageSize: 2_000,
          });
          return { ...postgres, kind: "postgres" as const, migrate: () => postgres.migrate() };
        })()
      : createEventStore({
          kind: "eventstoredb",
          eventStoreUrl: config.eventStore.url,
          databaseUrl,
          masterKey,
        });
  await store.migrate();
  const pool = createPostgresPool(databaseUrl, {
    max: options.poolSize ?? 20,
    applicationName: name,
    logger,
  });
  const db: ReadModelDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
  await migrateProjectorTables(db);
  const redis = createRedis(config.redisUrl, { connectionName: name, logger });
  const queue = createProjectionQueue(redis, config.redisPrefix);
  return {
    config,
    logger,
    databaseUrl,
    store,
    db,
    redis,
    queue,
    async close() {
      await queue.close().catch(() => {});
      await store.close().catch(() => {});
      await db.destroy().catch(() => {});
      redis.disconnect();
      logger.flush();
    },
  };
}

/** Whole numbers from the environment, with a clear message when one is wrong. */
export function wholeNumberFromEnv(name: string, fallback: number, min: number, max: number): number {
  const text = process.env[name];
  if (text === undefined || text.trim() === "") return fallback;
  const value = Number(text);
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    process.stderr.write(`${name} must be a whole number from ${min} to ${max}\n`);
    process.exit(1);
  }
  return value;
}
