import { createApiRuntime } from "@motcua/api";
import {
  ConfigError,
  createLogger,
  createRedis,
  loadConfig,
  redisHealthCheck,
  signDevToken,
} from "@motcua/platform";
import { seedDemoReferenceData } from "./demo/seed";
import { ensureLocalServices, LocalServicesError } from "./services";

/**
 * `pnpm start`: the whole system on one machine. Without DATABASE_URL / REDIS_URL it finds or starts a
 * local Postgres and Redis; it migrates, loads the demo province on an empty database, serves the API
 * and prints the URL and a development token per role. Ctrl-C stops what it started.
 */
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
  const logger = createLogger({ level: config.logLevel, name: "motcua" });
  for (const warning of config.warnings) logger.warn(warning);
  const say = (line: string) => process.stdout.write(`${line}\n`);

  let services: Awaited<ReturnType<typeof ensureLocalServices>> | null = null;
  if (!config.databaseUrl || !config.redisUrl) {
    try {
      services = await ensureLocalServices({ log: (line) => say(`  ${line}`) });
    } catch (error) {
      if (error instanceof LocalServicesError) {
        process.stderr.write(`${error.message}\n`);
        process.exit(1);
      }
      throw error;
    }
  }
  const databaseUrl = config.databaseUrl ?? (services?.databaseUrl as string);
  const redisUrl = config.redisUrl ?? (services?.redisUrl as string);
  const redis = createRedis(redisUrl, { connectionName: "motcua-api", failFast: true });

  say("motcua: migrating and starting…");
  const runtime = await createApiRuntime({
    config,
    logger,
    databaseUrl,
    redis,
    extraHealthChecks: [redisHealthCheck(redis)],
  });
  const seed = await seedDemoReferenceData(runtime.db);
  if (seed.seeded) say(`  loaded the demo province: ${seed.units.length} units, procedures and calendars`);

  await runtime.app.listen({ host: config.host, port: config.port });
  const base = `http://${config.host}:${config.port}`;
  const secret = config.auth.jwtSecret;
  const commune = seed.units.find((u) => u.level === "commune");
  const department = seed.units.find((u) => u.level === "department");
  say("");
  say(`motcua is running at ${base}`);
  say(`  API docs     ${base}/docs`);
  say(`  health       ${base}/health`);
  if (secret) {
    say("Development tokens (8 h; `pnpm run token --role <role> [--unit <id>]` makes more):");
    const tokens: [string, Parameters<typeof signDevToken>[0]][] = [
      [`officer (${commune?.unitId})`, { role: "officer", unitId: commune?.unitId, name: "Cán bộ một cửa" }],
      [
        `officer (${department?.unitId})`,
        { role: "officer", unitId: department?.unitId, name: "Chuyên viên sở" },
      ],
      ["auditor", { role: "auditor", name: "Thanh tra" }],
      ["analyst", { role: "analyst", name: "Cán bộ tổng hợp" }],
      ["admin", { role: "admin", name: "Quản trị" }],
    ];
    for (const [label, claims] of tokens) say(`  ${label.padEnd(40)} ${await signDevToken(claims, secret)}`);
  }
  say("Press Ctrl-C to stop.");

  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    say(`\nmotcua: ${signal}, stopping…`);
    await runtime.close().catch((error: unknown) => logger.error({ err: error }, "closing the API failed"));
    redis.disconnect();
    if (services) await services.stop();
    process.exit(0);
  };
  process.once("SIGINT", () => void close("SIGINT"));
  process.once("SIGTERM", () => void close("SIGTERM"));
}

await main();
