import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { createConsoleAndFileLogger, loadConfigOrExit, signDevToken } from "@motcua/platform";
import { ensureWorkbenchBuilt } from "@motcua/workbench";
import { seedDemoReferenceData } from "./demo/seed";
import { LocalServicesError } from "./services";
import { ApiClient } from "./simulate/driver";
import { startLiveArrivals } from "./simulate/live";
import { printSummary, simulateProvince, todayLocal } from "./simulate/simulate";
import { liftAuthenticatedRateLimit, startSystem } from "./system";

/**
 * `pnpm start`: the whole system on one machine. Without DATABASE_URL / REDIS_URL it finds or starts a
 * local Postgres and Redis; it migrates, and on an empty database loads the demo province, a few weeks
 * of simulated history and then live arrivals at a gentle pace, so the reports and the overdue lists show
 * real-looking data at once. Prints the URL and a development token per role. Ctrl-C stops what it started.
 *
 * Logs (requests, the projector's and the scheduler's lines) go to MOTCUA_LOG_FILE (default
 * `.motcua/logs/motcua.log`); the console shows progress, the links and warnings, and every log line at
 * LOG_LEVEL=debug.
 *
 * MOTCUA_DEMO=off skips the demo data; MOTCUA_DEMO_WEEKS (4) and MOTCUA_DEMO_DOSSIERS (1500) size the
 * history; MOTCUA_LIVE_PER_MINUTE (6, 0 = none) paces the live arrivals.
 */
const repoRoot = resolve(fileURLToPath(new URL(".", import.meta.url)), "..");

async function main(): Promise<void> {
  const configured = loadConfigOrExit(process.env);
  // The demo history goes in through the API from this one address (thousands of imports in a minute);
  // unless an operator set RATE_LIMIT_MAX, the authenticated limit must not throttle it. The public
  // routes keep their own limit.
  const config =
    process.env.RATE_LIMIT_MAX === undefined && process.env.MOTCUA_DEMO !== "off"
      ? liftAuthenticatedRateLimit(configured, 1_000_000)
      : configured;
  const env = process.env;
  // Request logs and the services' info lines go to the file; the console keeps what a person reads.
  const logFile = resolve(env.MOTCUA_LOG_FILE || join(repoRoot, ".motcua", "logs", "motcua.log"));
  const logger = createConsoleAndFileLogger({
    level: config.logLevel,
    name: "motcua",
    file: logFile,
    console: (text) => process.stderr.write(`${text}\n`),
  });
  for (const warning of config.warnings) logger.warn(warning);
  const say = (line: string) => process.stdout.write(`${line}\n`);
  const demo = env.MOTCUA_DEMO !== "off";
  const weeks = Math.max(1, Math.min(52, Number(env.MOTCUA_DEMO_WEEKS ?? 4) || 4));
  const dossiers = Math.max(1, Math.min(200_000, Number(env.MOTCUA_DEMO_DOSSIERS ?? 1500) || 1500));
  const perMinute = Math.max(0, Number(env.MOTCUA_LIVE_PER_MINUTE ?? 6) || 0);

  // The workbench's pages are files the API serves: built now when their sources changed (a second or two).
  await ensureWorkbenchBuilt((line) => say(`  ${line}`));
  say("motcua: starting services, migrating…");
  let system: Awaited<ReturnType<typeof startSystem>>;
  try {
    system = await startSystem({ config, logger, say });
  } catch (error) {
    if (error instanceof LocalServicesError) {
      process.stderr.write(`${error.message}\n`);
      process.exit(1);
    }
    throw error;
  }
  const secret = config.auth.jwtSecret;
  let live: { stop(): Promise<void> } | null = null;
  const seed = await seedDemoReferenceData(system.runtime.db);
  if (seed.seeded) say(`  loaded the demo province: ${seed.units.length} units, procedures and calendars`);
  if (seed.calendarsUpdated.length > 0)
    say(`  loaded the official calendars for ${seed.calendarsUpdated.join(", ")}`);

  if (demo && secret && (await system.runtime.store.headPosition()) === 0) {
    const admin = new ApiClient(
      system.baseUrl,
      await signDevToken({ role: "admin", sub: "demo", name: "Demo" }, secret),
    );
    const to = todayLocal();
    const fromDay = new Date(Date.parse(`${to}T00:00:00Z`) - weeks * 7 * 86_400_000)
      .toISOString()
      .slice(0, 10);
    say(`  simulating ${weeks} weeks of history (${dossiers} dossiers)…`);
    const options = {
      dossiers,
      from: fromDay,
      to,
      seed: 20_251_122,
      concurrency: 8,
      now: Date.now(),
      units: 30,
    };
    const summary = await simulateProvince(admin, options);
    printSummary(summary, options);
    if (perMinute > 0) {
      live = startLiveArrivals(admin, {
        perMinute,
        units: await admin.units(),
        procedures: await admin.procedures(),
        onError: (error) => logger.warn({ err: error }, "a live demo arrival failed"),
      });
      say(`  live arrivals: about ${perMinute} a minute`);
    }
  }

  const base = system.baseUrl;
  const commune = seed.units.find((u) => u.level === "commune");
  const department = seed.units.find((u) => u.level === "department");
  const province = seed.units.find((u) => u.level === "province");
  // An analyst's token in the fragment, which the browser never sends; the page moves it to sessionStorage.
  const analystToken = secret
    ? await signDevToken({ role: "analyst", name: "Cán bộ tổng hợp" }, secret)
    : undefined;
  say("");
  say(`motcua is running at ${base}`);
  say(`  workbench    ${base}/  (officers and inspectors; citizens: ${base}/tra-cuu)`);
  say(`  API docs     ${base}/docs`);
  say(`  health       ${base}/health`);
  say(
    `  logs         ${logFile}${config.logLevel === "debug" || config.logLevel === "trace" ? "" : " (LOG_LEVEL=debug shows them here too)"}`,
  );
  say(`  dashboard    ${base}/dashboard${analystToken ? `#token=${analystToken}` : ""}`);
  if (province)
    say(
      `  06a report   ${base}/reports/06a?unitId=${province.unitId}&from=${todayLocal().slice(0, 4)}-01-01&to=${todayLocal()}&includeSubunits=true`,
    );
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
  // Listen for the signals before saying so: a signal that came before its listener would kill the
  // process outright (exit 143) instead of stopping what it started.
  let closing = false;
  const close = async (signal: string) => {
    if (closing) return;
    closing = true;
    say(`\nmotcua: ${signal}, stopping…`);
    await live?.stop();
    await system.stop();
    process.exit(0);
  };
  process.on("SIGINT", () => void close("SIGINT"));
  process.on("SIGTERM", () => void close("SIGTERM"));
  say("Press Ctrl-C to stop.");
}

await main();
