/**
 * `pnpm projector`: the feeder and the projection workers of this process. Run one or more; one feeder
 * feeds (the others stand by), every process's workers share the jobs. SIGTERM/SIGINT: workers finish
 * their jobs, the feeder stops and releases its lock.
 *
 * PROJECTOR_ROLE=all|feeder|worker (default all), PROJECTOR_CONCURRENCY (default 16),
 * PROJECTION_PARTITIONS, DATABASE_URL, REDIS_URL, REDIS_PREFIX, EVENT_STORE…
 */
import { openCommandContext, wholeNumberFromEnv } from "./cli/context";
import { startProjector } from "./projector";

const role = (process.env.PROJECTOR_ROLE ?? "all").trim().toLowerCase();
if (!["all", "feeder", "worker"].includes(role)) {
  process.stderr.write("PROJECTOR_ROLE must be all, feeder or worker\n");
  process.exit(1);
}
const concurrency = wholeNumberFromEnv("PROJECTOR_CONCURRENCY", 16, 1, 500);
const context = await openCommandContext("motcua-projector");
const { config, logger } = context;
for (const warning of config.warnings) logger.warn(warning);

const projector = await startProjector({
  store: context.store,
  db: context.db,
  databaseUrl: context.databaseUrl,
  redis: context.redis,
  prefix: config.redisPrefix,
  partitions: config.projectionPartitions,
  logger,
  concurrency,
  feeder: role !== "worker",
  worker: role !== "feeder",
});
logger.info(
  { role, partitions: config.projectionPartitions, concurrency, prefix: config.redisPrefix },
  "projector started",
);

let stopping = false;
const stop = async (signal: string) => {
  if (stopping) return;
  stopping = true;
  logger.info({ signal }, "projector stopping: finishing jobs in flight");
  await projector.stop();
  await context.close();
  process.exit(0);
};
process.once("SIGTERM", () => void stop("SIGTERM"));
process.once("SIGINT", () => void stop("SIGINT"));
