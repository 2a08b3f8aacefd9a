import { ConfigError, DEV_JWT_SECRET, loadConfig, signDevToken } from "@motcua/platform";
import { seedDemoReferenceData } from "../demo/seed";
import { startSystem } from "../system";
import { ApiClient } from "./driver";
import {
  OptionsError,
  parseCli,
  printSummary,
  simulateProvince,
  todayLocal,
  validateOptions,
} from "./simulate";

/**
 * `pnpm simulate [--dossiers N] [--units N] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--seed N]
 *  [--concurrency N] [--url http://host:port]`: loads a province's history through the API and checks
 * the API's 06a against the simulated events. Without --url it runs the system in this process on the
 * local (or configured) Postgres and Redis, loading the demo province into an empty database.
 */
async function main(): Promise<void> {
  let options: ReturnType<typeof validateOptions>;
  let config: ReturnType<typeof loadConfig>;
  try {
    options = validateOptions(parseCli(process.argv.slice(2)), todayLocal());
    config = loadConfig({ LOG_LEVEL: "warn", ...process.env });
  } catch (error) {
    if (error instanceof OptionsError || error instanceof ConfigError) {
      process.stderr.write(`pnpm simulate: ${error.message}\n`);
      process.exit(2);
    }
    if (error instanceof TypeError) {
      process.stderr.write(`pnpm simulate: ${error.message}\n`);
      process.exit(2);
    }
    throw error;
  }
  const token = await signDevToken(
    { role: "admin", name: "Simulator", sub: "simulator" },
    config.auth.jwtSecret ?? DEV_JWT_SECRET,
  );
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const system = options.url
    ? null
    : await startSystem({
        config: {
          ...config,
          http: { ...config.http, rateLimit: { ...config.http.rateLimit, max: 1_000_000_000 } },
        },
        port: 0,
        say,
      });
  try {
    if (system) {
      const seed = await seedDemoReferenceData(system.runtime.db);
      if (seed.seeded) say(`Loaded the demo province: ${seed.units.length} units`);
    }
    const client = new ApiClient(options.url ?? (system?.baseUrl as string), token);
    const summary = await simulateProvince(client, options);
    printSummary(summary, options);
    process.exitCode = summary.matches ? 0 : 1;
  } finally {
    await system?.stop();
  }
}

await main();
