/**
 * `pnpm api`: the API alone, for deployments that run the projector (`pnpm projector`) and the scheduler
 * (`pnpm scheduler`) as processes of their own, and for benchmarks that must not share one event loop
 * between them. Needs DATABASE_URL and REDIS_URL (or finds the local services, as `pnpm start` does).
 * SIGTERM/SIGINT: stops accepting requests, answers those in flight, closes.
 */
import { createLogger, loadConfigOrExit } from "@motcua/platform";
import { LocalServicesError } from "./services";
import { startSystem } from "./system";

const config = loadConfigOrExit(process.env);
const logger = createLogger({ level: config.logLevel, name: "motcua-api" });
for (const warning of config.warnings) logger.warn(warning);
try {
  const system = await startSystem({ config, logger, projector: false, scheduler: false });
  logger.info({ url: system.baseUrl }, "API listening");
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, "API closing");
    await system.stop();
    process.exit(0);
  };
  process.once("SIGTERM", () => void stop("SIGTERM"));
  process.once("SIGINT", () => void stop("SIGINT"));
} catch (error) {
  if (error instanceof LocalServicesError) {
    process.stderr.write(`${error.message}\n`);
    process.exit(1);
  }
  throw error;
}
