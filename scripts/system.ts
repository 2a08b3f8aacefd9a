import type { AddressInfo } from "node:net";
import { type ApiRuntime, createApiRuntime, requireRole } from "@motcua/api";
import { type Config, createLogger, createRedis, type Logger, redisHealthCheck } from "@motcua/platform";
import { createProjectionQueue, mountBullBoard, type Projector, startProjector } from "@motcua/projector";
import { type Scheduler, startScheduler } from "@motcua/scheduler";
import { createDirectoryPublisher, signingKeyFrom } from "@motcua/transparency-log";
import type { Redis } from "ioredis";
import { ensureConfiguredDatabase, ensureLocalServices, type LocalServices } from "./services";

export interface System {
  readonly runtime: ApiRuntime;
  readonly projector: Projector | null;
  readonly scheduler: Scheduler | null;
  readonly baseUrl: string;
  readonly databaseUrl: string;
  readonly redisUrl: string;
  stop(): Promise<void>;
}

export interface SystemOptions {
  readonly config: Config;
  readonly logger?: Logger;
  /** Listen on config.host:config.port (start), or on a free port (simulate). */
  readonly port?: number;
  readonly projector?: boolean;
  readonly scheduler?: boolean;
  readonly say?: (line: string) => void;
}

/**
 * The config with the authenticated rate limit raised to `max` requests a window, for a loader that sends
 * a history through the API from one address (`pnpm start`'s demo, `pnpm simulate`). `/public/*` keeps
 * its own limit.
 */
export const liftAuthenticatedRateLimit = (config: Config, max: number): Config => ({
  ...config,
  http: { ...config.http, rateLimit: { ...config.http.rateLimit, max } },
});

/**
 * The whole system in one process, as `pnpm start` and `pnpm simulate` run it: local Postgres and Redis
 * when none are configured, the API, the projector (feeder + workers) and the scheduler (deadline watcher
 * and notifications). Stopping stops what it started.
 */
export async function startSystem(options: SystemOptions): Promise<System> {
  const { config } = options;
  const logger = options.logger ?? createLogger({ level: config.logLevel, name: "motcua" });
  let services: LocalServices | null = null;
  const log = (line: string) => (options.say ? options.say(`  ${line}`) : process.stderr.write(`${line}\n`));
  if (!config.databaseUrl || !config.redisUrl) services = await ensureLocalServices({ log });
  // A DATABASE_URL naming a database the server lacks gets it created, as the default one is.
  if (config.databaseUrl) {
    await ensureConfiguredDatabase(config.databaseUrl, log).catch(async (error: unknown) => {
      await services?.stop();
      throw error;
    });
  }
  const databaseUrl = config.databaseUrl ?? (services?.databaseUrl as string);
  const redisUrl = config.redisUrl ?? (services?.redisUrl as string);
  const rateLimitRedis = createRedis(redisUrl, { connectionName: "motcua-api", failFast: true });
  const queueRedis: Redis = createRedis(redisUrl, { connectionName: "motcua-projector" });

  // bull-board (admins only) shows the projection queue: jobs, failures, dead letters.
  const boardQueue = createProjectionQueue(queueRedis, config.redisPrefix);
  const runtime = await createApiRuntime({
    config,
    logger,
    databaseUrl,
    redis: rateLimitRedis,
    extraHealthChecks: [redisHealthCheck(rateLimitRedis)],
    extraSlices: () => [
      async (app) => {
        await mountBullBoard(app as never, {
          queues: [boardQueue],
          basePath: "/admin/queues",
          onRequest: requireRole("admin") as never,
        });
      },
    ],
  });
  const projector =
    options.projector === false
      ? null
      : await startProjector({
          store: runtime.store,
          db: runtime.db as never,
          databaseUrl,
          redis: queueRedis,
          prefix: config.redisPrefix,
          partitions: config.projectionPartitions,
          logger,
        });
  const schedulerRedis: Redis = createRedis(redisUrl, { connectionName: "motcua-scheduler" });
  const scheduler =
    options.scheduler === false
      ? null
      : await startScheduler({
          store: runtime.store,
          db: runtime.db,
          redis: schedulerRedis,
          prefix: config.redisPrefix,
          logger,
          service: runtime.service,
          ratingCodeSecret: config.ratingCodeSecret,
          registry: runtime.app.metrics.registry,
          transparency: {
            signingKey: signingKeyFrom(config.checkpointSigningKey),
            intervalMs: config.audit.checkpointIntervalMs,
            publisher: createDirectoryPublisher(config.audit.publishDir),
          },
        });
  await runtime.app.listen({ host: config.host, port: options.port ?? config.port });
  const address = runtime.app.server.address() as AddressInfo;
  return {
    runtime,
    projector,
    scheduler,
    baseUrl: `http://${config.host}:${address.port}`,
    databaseUrl,
    redisUrl,
    async stop() {
      // The scheduler first: its firings append through the API runtime's store.
      await scheduler
        ?.stop()
        .catch((error: unknown) => logger.error({ err: error }, "stopping the scheduler failed"));
      await projector
        ?.stop()
        .catch((error: unknown) => logger.error({ err: error }, "stopping the projector failed"));
      await runtime.close().catch((error: unknown) => logger.error({ err: error }, "closing the API failed"));
      rateLimitRedis.disconnect();
      await boardQueue.close().catch(() => undefined);
      queueRedis.disconnect();
      schedulerRedis.disconnect();
      if (services) await services.stop();
    },
  };
}
