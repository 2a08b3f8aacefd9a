import { ConfigError, DEV_JWT_SECRET, loadConfig, signDevToken } from "@motcua/platform";
import { seedDemoReferenceData } from "../demo/seed";
import { liftAuthenticatedRateLimit, startSystem } from "../system";
import { ApiClient } from "./driver";
import {
  describeStructure,
  OptionsError,
  parseCli,
  printSummary,
  runLive,
  simulateProvince,
  todayLocal,
  USAGE,
  validateOptions,
} from "./simulate";

/**
 * `pnpm simulate [--dossiers N] [--units N] [--from YYYY-MM-DD] [--to YYYY-MM-DD] [--procedures N]
 *  [--structure two-level|three-level] [--speed X [--duration S]] [--seed N] [--concurrency N]
 *  [--url http://host:port]`: loads a province's history through the API and checks the API's 06a
 * against the simulated events; with --speed it then runs the present through live commands. Without
 * --url it runs the system in this process on the local (or configured) Postgres and Redis, loading the
 * demo province (in the chosen structure) into an empty database. `--help` says more.
 */
async function main(): Promise<void> {
  let options: ReturnType<typeof validateOptions>;
  let config: ReturnType<typeof loadConfig>;
  try {
    const raw = parseCli(process.argv.slice(2));
    if (raw.help) {
      process.stdout.write(USAGE);
      return;
    }
    options = validateOptions(raw, todayLocal());
    config = loadConfig({ LOG_LEVEL: "warn", ...process.env });
  } catch (error) {
    if (error instanceof OptionsError || error instanceof ConfigError || error instanceof TypeError) {
      const problems = error instanceof OptionsError ? error.problems : [error.message];
      for (const problem of problems) process.stderr.write(`pnpm simulate: ${problem}\n`);
      process.stderr.write("(pnpm simulate --help lists the options)\n");
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
        config: liftAuthenticatedRateLimit(config, 1_000_000_000),
        port: 0,
        say,
      });
  try {
    const client = new ApiClient(options.url ?? (system?.baseUrl as string), token);
    const seeded = system
      ? await seedDemoReferenceData(system.runtime.db, { structure: options.structure ?? "two-level" })
      : null;
    if (seeded?.seeded) {
      say(`Loaded the demo province (${describeStructure(seeded.units)}): ${seeded.units.length} units`);
    } else {
      const units = await client.units();
      say(
        `Using the ${units.length} units already there (${describeStructure(units)})${options.structureGiven ? `; --structure ${options.structure} applies only when the simulator seeds an empty database` : ""}`,
      );
    }
    const summary = await simulateProvince(client, options);
    printSummary(summary, options);
    process.exitCode = summary.matches ? 0 : 1;
    if (options.speed !== undefined) {
      const stop = new AbortController();
      const onSignal = () => stop.abort();
      process.once("SIGINT", onSignal);
      process.once("SIGTERM", onSignal);
      try {
        await runLive(client, { ...options, speed: options.speed }, summary, stop.signal);
      } finally {
        process.off("SIGINT", onSignal);
        process.off("SIGTERM", onSignal);
      }
    }
  } finally {
    await system?.stop();
  }
}

await main();
