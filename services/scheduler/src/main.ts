import { createServer } from "node:http";
import { createEventStore } from "@motcua/event-store";
import {
  ConfigError,
  createLogger,
  createPostgresPool,
  createRedis,
  loadConfig,
  parseDurationMs,
} from "@motcua/platform";
import { migrateReferenceData } from "@motcua/reference-data";
import { createDirectoryPublisher, signingKeyFrom } from "@motcua/transparency-log";
import { Kysely, PostgresDialect } from "kysely";
import { startScheduler } from "./scheduler";

/**
 * `pnpm scheduler`: the deadline watcher and the notification dispatcher of one deployment, with its
 * metrics on SCHEDULER_METRICS_PORT (default 9464; 0 turns them off). Start several for standbys: one
 * is active at a time. SIGTERM finishes the jobs in hand, releases the lock and exits.
 */
async function main(): Promise<void> {
  const problems: string[] = [];
  let config: ReturnType<typeof loadConfig> | undefined;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    problems.push(error.message);
  }
  const sweepText = process.env.SCHEDULER_SWEEP_INTERVAL?.trim() || "1 minute";
  const sweepIntervalMs = parseDurationMs(sweepText);
  if (sweepIntervalMs === undefined || sweepIntervalMs < 1_000 || sweepIntervalMs > 3_600_000) {
    problems.push(
      'SCHEDULER_SWEEP_INTERVAL: must be a duration from 1 s to 1 hour, like "1 minute" or "30s"',
    );
  }
  const portText = process.env.SCHEDULER_METRICS_PORT?.trim() || "9464";
  const metricsPort = /^\d+$/.test(portText) ? Number(portText) : Number.NaN;
  if (!(metricsPort >= 0 && metricsPort <= 65_535)) {
    problems.push("SCHEDULER_METRICS_PORT: must be a whole number from 0 to 65535 (0: no metrics server)");
  }
  if (config && (!config.databaseUrl || !config.redisUrl)) {
    problems.push("DATABASE_URL and REDIS_URL: both are required (or run everything with `pnpm start`)");
  }
  let signingKey: ReturnType<typeof signingKeyFrom> | undefined;
  if (config) {
    try {
      signingKey = signingKeyFrom(config.checkpointSigningKey);
    } catch (error) {
      problems.push(error instanceof Error ? error.message : String(error));
    }
  }
  if (
    problems.length > 0 ||
    !signingKey ||
    !config?.databaseUrl ||
    !config.redisUrl ||
    sweepIntervalMs === undefined
  ) {
    process.stderr.write(`${problems.join("\n")}\n`);
    process.exit(1);
  }

  const logger = createLogger({ level: config.logLevel, name: "scheduler" });
  for (const warning of config.warnings) logger.warn(warning);
  const pool = createPostgresPool(config.databaseUrl, {
    max: 16,
    applicationName: "motcua-scheduler",
    logger,
  });
  const db = new Kysely({ dialect: new PostgresDialect({ pool }) });
  const store = createEventStore({
    kind: config.eventStore.kind,
    databaseUrl: config.databaseUrl,
    masterKey: config.vaultMasterKey.toString("base64"),
    ...(config.eventStore.kind === "eventstoredb" ? { eventStoreUrl: config.eventStore.url } : {}),
  });
  await store.migrate();
  await migrateReferenceData(db);
  const redis = createRedis(config.redisUrl, { connectionName: "motcua-scheduler", logger });

  const scheduler = await startScheduler({
    store,
    db,
    redis,
    prefix: config.redisPrefix,
    logger,
    subjectSecret: config.vaultMasterKey,
    ratingCodeSecret: config.ratingCodeSecret,
    sweepIntervalMs,
    transparency: {
      signingKey,
      intervalMs: config.audit.checkpointIntervalMs,
      publisher: createDirectoryPublisher(config.audit.publishDir),
    },
  });

  const server =
    metricsPort === 0
      ? null
      : createServer((request, response) => {
          if (request.url === "/metrics") {
            scheduler.registry
              .metrics()
              .then((text) => {
                response.writeHead(200, { "content-type": scheduler.registry.contentType });
                response.end(text);
              })
              .catch(() => {
                response.writeHead(500).end();
              });
            return;
          }
          if (request.url === "/health") {
            response.writeHead(200, { "content-type": "application/json" });
            response.end(JSON.stringify(scheduler.state));
            return;
          }
          response.writeHead(404).end();
        }).listen(metricsPort, config.host, () =>
          logger.info({ port: metricsPort }, "scheduler metrics listening"),
        );

  const close = async (signal: string) => {
    logger.info({ signal }, "scheduler stopping");
    server?.close();
    await scheduler.stop();
    redis.disconnect();
    await store.close();
    await db.destroy();
    process.exit(0);
  };
  process.once("SIGINT", () => void close("SIGINT"));
  process.once("SIGTERM", () => void close("SIGTERM"));
}

await main();
