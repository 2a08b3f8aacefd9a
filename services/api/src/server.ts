import { createLogger, loadConfigOrExit } from "@motcua/platform";
import { buildApp } from "./app";

/** Listens on HOST:PORT with the API alone; `scripts/start.ts` wires the store, read models and workers. */
async function main(): Promise<void> {
  const config = loadConfigOrExit(process.env);
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
