import { ConfigError, createLogger, loadConfig } from "@motcua/platform";
import { buildApp } from "./app";

/** Listens on HOST:PORT with the API alone; `scripts/start.ts` wires the store, read models and workers. */
async function main(): Promise<void> {
  let config: ReturnType<typeof loadConfig>;
  try {
    config = loadConfig(process.env);
  } catch (error) {
    if (error instanceof ConfigError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const logger = createLogger({ level: config.logLevel, name: "api" });
  for (const warning of config.warnings) logger.warn(warning);

  const app = await buildApp({ config, logger });
  const close = async (signal: string) => {
    logger.info({ signal }, "closing");
    await app.close();
    process.exit(0);
  };
  process.once("SIGINT", () => void close("SIGINT"));
  process.once("SIGTERM", () => void close("SIGTERM"));

  await app.listen({ host: config.host, port: config.port });
}

await main();
