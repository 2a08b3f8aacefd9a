import { parseArgs } from "node:util";
import { type DossierEvent, isValidLocalDate, localDateOf, parseInstant } from "@motcua/domain";
import cliProgress from "cli-progress";
import { type ApiClient, inPool } from "./driver";
import { type Counts06a, decidePlan, expected06a } from "./expected";
import { type DossierPlan, planProvince } from "./plan";

export interface SimulateOptions {
  readonly dossiers: number;
  readonly from: string;
  readonly to: string;
  /** Use at most this many communes (and every department). */
  readonly units?: number | undefined;
  readonly seed: number;
  readonly concurrency: number;
  readonly now: number;
  readonly quiet?: boolean;
}

export interface SimulationSummary {
  readonly dossiers: number;
  readonly commands: number;
  readonly events: number;
  readonly seconds: number;
  readonly commandsPerSecond: number;
  readonly provinceUnitId: string;
  readonly report: Counts06a;
  readonly expected: Counts06a;
  readonly matches: boolean;
  readonly onTimeRate: number | null;
  readonly lastPosition: number;
}

const MAX_DOSSIERS = 2_000_000;

/** Checks the command-line options and says what is wrong with each, in words. */
export function validateOptions(
  raw: Record<string, string | boolean | undefined>,
  today: string,
): SimulateOptions & { url?: string } {
  const problems: string[] = [];
  const int = (name: string, fallback: number, min: number, max: number) => {
    const value = raw[name];
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < min || n > max)
      problems.push(`--${name} must be a whole number from ${min} to ${max} (got ${String(value)})`);
    return n;
  };
  const dossiers = int("dossiers", 2_000, 1, MAX_DOSSIERS);
  const units = raw.units === undefined ? undefined : int("units", 0, 1, 10_000);
  const seed = int("seed", 20_251_122, 0, 2 ** 31 - 1);
  const concurrency = int("concurrency", 16, 1, 256);
  const yearAgo = `${Number(today.slice(0, 4)) - 1}${today.slice(4)}`;
  const from = String(raw.from ?? yearAgo);
  const to = String(raw.to ?? today);
  if (!isValidLocalDate(from)) problems.push(`--from must be a date written YYYY-MM-DD (got ${from})`);
  if (!isValidLocalDate(to)) problems.push(`--to must be a date written YYYY-MM-DD (got ${to})`);
  if (isValidLocalDate(to) && to > today) {
    problems.push(`--to must not be after today (${today}): history cannot come from the future`);
  }
  if (isValidLocalDate(from) && isValidLocalDate(to)) {
    if (to < from) problems.push("--to must not be before --from");
    if (Number(to.slice(0, 4)) - Number(from.slice(0, 4)) > 5)
      problems.push("the period may span at most 5 years");
  }
  if (problems.length > 0) throw new OptionsError(problems);
  return {
    dossiers,
    from,
    to,
    units,
    seed,
    concurrency,
    now: Date.now(),
    ...(raw.url ? { url: String(raw.url) } : {}),
  };
}

export class OptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "OptionsError";
  }
}

/**
 * Loads a province's history through the API: each dossier's life goes in as one
 * `POST /dossiers/import`; then waits until the read models have it all and compares the API's 06a for
 * the province with the counts computed independently from the planned events.
 */
export async function simulateProvince(
  client: ApiClient,
  options: SimulateOptions,
): Promise<SimulationSummary> {
  const say = (line: string) => {
    if (!options.quiet) process.stdout.write(`${line}\n`);
  };
  const allUnits = await client.units();
  const province =
    allUnits.find((u) => u.parentId === null && u.level === "province") ??
    allUnits.find((u) => u.parentId === null);
  if (!province) throw new Error("there are no units: load reference data first (pnpm start does)");
  const communes = allUnits
    .filter((u) => u.level === "commune")
    .slice(0, options.units ?? Number.MAX_SAFE_INTEGER);
  const units = [...allUnits.filter((u) => u.level !== "commune"), ...communes];
  const procedures = await client.procedures();
  if (procedures.length === 0)
    throw new Error("there are no procedures: load reference data first (pnpm start does)");
  const schedule = await client.schedule(Number(options.from.slice(0, 4)), Number(options.to.slice(0, 4)));

  say(
    `Planning ${options.dossiers.toLocaleString("en")} dossiers for ${province.unitId} (${units.length} units, ${procedures.length} procedures), ${options.from} → ${options.to}…`,
  );
  const plans = planProvince({ ...options, units, procedures, schedule });
  const procedureById = new Map(procedures.map((p) => [p.procedureId, p]));
  const decided: DossierEvent[][] = plans.map((plan) =>
    decidePlan(plan, procedureById.get(plan.procedureId) as never, schedule, options.now),
  );
  const expected = expected06a(decided, options.from, options.to);

  const bar = options.quiet
    ? null
    : new cliProgress.SingleBar(
        {
          format:
            "  importing [{bar}] {percentage}% | {value}/{total} dossiers | {rate} commands/s | ETA {eta_formatted}",
          hideCursor: true,
        },
        cliProgress.Presets.shades_classic,
      );
  bar?.start(plans.length, 0, { rate: "0" });
  const started = performance.now();
  let commands = 0;
  let events = 0;
  let lastPosition = 0;
  const failures: string[] = [];
  await inPool(plans, options.concurrency, async (plan: DossierPlan, index) => {
    const { actions, ...receipt } = plan;
    const r = await client.request<{ revision: number; position: number; code?: string; detail?: string }>(
      "POST",
      "/dossiers/import",
      { ...receipt, actions },
      { "idempotency-key": `simulate-${options.seed}-${plan.dossierId}` },
    );
    if (r.status === 201) {
      commands += 1 + actions.length;
      events += r.body.revision;
      lastPosition = Math.max(lastPosition, r.body.position);
    } else if (failures.length < 5) {
      failures.push(`dossier ${index}: ${r.status} ${r.body.code ?? ""} ${r.body.detail ?? ""}`);
    }
    const seconds = (performance.now() - started) / 1000;
    bar?.increment(1, { rate: Math.round(commands / Math.max(seconds, 0.001)).toLocaleString("en") });
  });
  bar?.stop();
  const seconds = (performance.now() - started) / 1000;
  if (failures.length > 0) throw new Error(`some imports were refused:\n${failures.join("\n")}`);

  say(`  waiting for the read models to reach position ${lastPosition}…`);
  const query = `unitId=${encodeURIComponent(province.unitId)}&from=${options.from}&to=${options.to}&includeSubunits=true&minPosition=${lastPosition}`;
  const report = await client.get<{ total: Counts06a }>(`/reports/06a?${query}`);
  const indicators = await client.get<{ onTimeRate: number | null }>(`/indicators?${query}`);
  const matches = (Object.keys(expected) as (keyof Counts06a)[]).every(
    (k) => expected[k] === report.total[k],
  );
  return {
    dossiers: plans.length,
    commands,
    events,
    seconds,
    commandsPerSecond: commands / seconds,
    provinceUnitId: province.unitId,
    report: report.total,
    expected,
    matches,
    onTimeRate: indicators.onTimeRate,
    lastPosition,
  };
}

export function printSummary(summary: SimulationSummary, options: SimulateOptions): void {
  const n = (v: number) => v.toLocaleString("en");
  const lines = [
    "",
    `Simulated ${options.from} → ${options.to} for ${summary.provinceUnitId}`,
    `  dossiers   ${n(summary.dossiers)}`,
    `  commands   ${n(summary.commands)}  (${n(Math.round(summary.commandsPerSecond))} commands/s)`,
    `  events     ${n(summary.events)}`,
    `  time       ${summary.seconds.toFixed(1)} s`,
    `  on time    ${summary.onTimeRate === null ? "—" : `${(summary.onTimeRate * 100).toFixed(2)} %`}`,
    "",
    "  Biểu II.06a (the API's report vs the simulator's own count)",
    ...(Object.keys(summary.report) as (keyof Counts06a)[]).map(
      (k) =>
        `    ${k.padEnd(16)} ${n(summary.report[k]).padStart(10)} ${n(summary.expected[k]).padStart(10)}${summary.report[k] === summary.expected[k] ? "" : "   ≠"}`,
    ),
    "",
    summary.matches
      ? "  ✓ the API's 06a equals the counts computed from the simulated events"
      : "  ✗ the API's 06a differs from the simulated events",
  ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

export const todayLocal = () => localDateOf(Date.now());
export const cliOptions = {
  dossiers: { type: "string" },
  units: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  speed: { type: "string" },
  seed: { type: "string" },
  concurrency: { type: "string" },
  url: { type: "string" },
} as const;

export const parseCli = (argv: string[]) =>
  parseArgs({ args: argv, options: cliOptions, strict: true }).values;
export { parseInstant };
