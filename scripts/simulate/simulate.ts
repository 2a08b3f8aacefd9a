import { parseArgs } from "node:util";
import {
  type DossierEvent,
  evolve,
  hasCalendarFor,
  initialState,
  isValidLocalDate,
  localDateOf,
  parseInstant,
} from "@motcua/domain";
import cliProgress from "cli-progress";
import { MAX_CATALOGUE, missingProcedures, SIMULATED_ID_PREFIX, type Structure } from "./catalogue";
import { type ApiClient, inPool } from "./driver";
import { addInto, type Counts06a, decidePlan, expected06a } from "./expected";
import { startLiveArrivals } from "./live";
import { importWithOfficers } from "./officers";
import { type DossierPlan, planProvince, workingMinutesOf } from "./plan";

/** Where the output is not a terminal (CI logs, a pipe), the bars print a line every 5 s instead of nothing. */
const NOT_A_TERMINAL = { noTTYOutput: true, notTTYSchedule: 5_000 } as const;

export interface SimulateOptions {
  readonly dossiers: number;
  readonly from: string;
  readonly to: string;
  /** Use at most this many communes (and every district and department). */
  readonly units?: number | undefined;
  readonly seed: number;
  readonly concurrency: number;
  readonly now: number;
  readonly quiet?: boolean;
  /** Make sure the catalogue holds this many procedures (registering generated ones); none: add none. */
  readonly procedures?: number | undefined;
  /** The structure the simulator seeds into an empty database. */
  readonly structure?: Structure | undefined;
  /** Whether --structure was given (rather than chosen from --from). */
  readonly structureGiven?: boolean | undefined;
  /** After the history, keep the province alive at this multiple of its pace. */
  readonly speed?: number | undefined;
  /** Seconds the live run lasts (none: until Ctrl-C). */
  readonly duration?: number | undefined;
}

export interface SimulationSummary {
  readonly dossiers: number;
  readonly commands: number;
  readonly events: number;
  readonly seconds: number;
  readonly commandsPerSecond: number;
  readonly provinceUnitId: string;
  /** e.g. "three-level: 9 districts, 92 communes, 10 departments". */
  readonly structure: string;
  readonly procedures: number;
  readonly simulatedProcedures: number;
  readonly report: Counts06a;
  readonly expected: Counts06a;
  readonly matches: boolean;
  readonly onTimeRate: number | null;
  readonly lastPosition: number;
  /** The history's arrivals per working minute: the province's real pace, for the live run. */
  readonly arrivalsPerWorkingMinute: number;
  /** Dossiers of the period the API held before this run (included in `expected`). */
  readonly alreadyThere: number;
  /** The history's dossiers still open now: the backlog the live run's officers work on. */
  readonly openDossiers: readonly { dossierId: string; status: string; channel: DossierPlan["channel"] }[];
}

const CLOSED = new Set(["returned", "withdrawn", "stopped", "refused"]);

function openAtTheEnd(plans: readonly DossierPlan[], lives: readonly DossierEvent[][]) {
  return plans.flatMap((plan, i) => {
    const state = (lives[i] ?? []).reduce(evolve, initialState());
    return CLOSED.has(state.status)
      ? []
      : [{ dossierId: plan.dossierId, status: state.status, channel: plan.channel }];
  });
}

const MAX_DOSSIERS = 2_000_000;
export const DEFAULT_PROCEDURES = 2_000;
export const MAX_SPEED = 10_000;
export const MAX_DURATION = 7 * 86_400;
/** The reform that abolished the district level (Resolution 202/2025/QH15). */
export const REFORM_DATE = "2025-07-01";

export const USAGE = `Usage: pnpm simulate [options]

Loads a province's history through the API (POST /dossiers/import), checks the API's 06a against the
simulated events, and with --speed keeps the province alive through live commands.

  --dossiers N       dossiers in the history (1–${MAX_DOSSIERS.toLocaleString("en")}; default 2,000)
  --from YYYY-MM-DD  first day of the history (default a year before --to)
  --to YYYY-MM-DD    last day of the history, not after today (default today)
  --units N          use at most N communes, and every district and department (1–10,000)
  --procedures N     make sure the catalogue holds N procedures, registering generated ones through
                     PUT /procedures/{id} (0–${MAX_CATALOGUE.toLocaleString("en")}; default ${DEFAULT_PROCEDURES.toLocaleString("en")}; 0 or fewer than exist adds none)
  --structure S      two-level (communes under the province, after ${REFORM_DATE}) or three-level (about
                     9 synthetic districts between them); default three-level when --from is before
                     ${REFORM_DATE}, else two-level. Applies only when the simulator seeds an empty
                     database (its own system, no --url); otherwise the units already there are used
  --speed X          after the history, run the present through live commands at X times the
                     history's pace (arrivals per working minute), until Ctrl-C or --duration
                     (0 < X ≤ ${MAX_SPEED.toLocaleString("en")})
  --duration S       stop the live run after S seconds (1–${MAX_DURATION.toLocaleString("en")}; needs --speed)
  --seed N           the plan's seed (0–2147483647; the same seed plans the same province)
  --concurrency N    requests in flight (1–256; default 16)
  --url URL          an API already running (http:// or https://); without it the system runs in
                     this process on the local (or configured) Postgres and Redis
  --help             this text
`;

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
    if (typeof value !== "string" || value.trim() === "" || !Number.isInteger(n) || n < min || n > max)
      problems.push(`--${name} must be a whole number from ${min} to ${max} (got ${String(value)})`);
    return n;
  };
  const dossiers = int("dossiers", 2_000, 1, MAX_DOSSIERS);
  const units = raw.units === undefined ? undefined : int("units", 0, 1, 10_000);
  const seed = int("seed", 20_251_122, 0, 2 ** 31 - 1);
  const concurrency = int("concurrency", 16, 1, 256);
  const procedures = int("procedures", DEFAULT_PROCEDURES, 0, MAX_CATALOGUE);
  const duration = raw.duration === undefined ? undefined : int("duration", 0, 1, MAX_DURATION);
  let speed: number | undefined;
  if (raw.speed !== undefined) {
    speed = Number(raw.speed);
    if (
      typeof raw.speed !== "string" ||
      raw.speed.trim() === "" ||
      !Number.isFinite(speed) ||
      speed <= 0 ||
      speed > MAX_SPEED
    )
      problems.push(
        `--speed must be a number greater than 0 and at most ${MAX_SPEED} (got ${String(raw.speed)}): how many times the province's real pace the live run goes`,
      );
  }
  if (duration !== undefined && raw.speed === undefined)
    problems.push("--duration needs --speed: it bounds the live run that --speed starts");
  const to = String(raw.to ?? today);
  const from = String(
    raw.from ?? (isValidLocalDate(to) ? `${Number(to.slice(0, 4)) - 1}${to.slice(4)}` : to),
  );
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
  let structure: Structure = from < REFORM_DATE ? "three-level" : "two-level";
  if (raw.structure !== undefined) {
    if (raw.structure === "two-level" || raw.structure === "three-level") structure = raw.structure;
    else problems.push(`--structure must be two-level or three-level (got ${String(raw.structure)})`);
  }
  let url: string | undefined;
  if (raw.url !== undefined) {
    url = String(raw.url).replace(/\/+$/, "");
    let parsed: URL | null = null;
    try {
      parsed = new URL(url);
    } catch {
      parsed = null;
    }
    if (!parsed || (parsed.protocol !== "http:" && parsed.protocol !== "https:"))
      problems.push(`--url must be an http:// or https:// address of the API (got ${String(raw.url)})`);
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
    procedures,
    structure,
    structureGiven: raw.structure !== undefined,
    ...(speed === undefined ? {} : { speed }),
    ...(duration === undefined ? {} : { duration }),
    ...(url ? { url } : {}),
  };
}

export class OptionsError extends Error {
  constructor(readonly problems: string[]) {
    super(problems.join("\n"));
    this.name = "OptionsError";
  }
}

/** Describes a tree: "three-level: 9 districts, 92 communes, 10 departments". */
export function describeStructure(units: readonly { level: string }[]): string {
  const count = (level: string) => units.filter((u) => u.level === level).length;
  const districts = count("district");
  const n = (v: number) => v.toLocaleString("en");
  return `${districts > 0 ? `three-level: ${n(districts)} districts, ` : "two-level: "}${n(count("commune"))} communes, ${n(count("department"))} departments`;
}

/** The units a run uses: every unit but communes, and at most `limit` communes. */
function unitsInUse<U extends { level: string }>(all: readonly U[], limit: number | undefined): U[] {
  const communes = all.filter((u) => u.level === "commune").slice(0, limit ?? Number.MAX_SAFE_INTEGER);
  return [...all.filter((u) => u.level !== "commune"), ...communes];
}

/**
 * Makes sure the catalogue holds `target` procedures, registering the missing generated ones through
 * `PUT /procedures/{id}` as an admin would, with a progress bar.
 */
export async function ensureCatalogue(
  client: ApiClient,
  target: number,
  structure: Structure,
  options: { concurrency: number; quiet?: boolean | undefined },
): Promise<{ registered: number }> {
  const say = (line: string) => {
    if (!options.quiet) process.stdout.write(`${line}\n`);
  };
  const existing = await client.procedures();
  const missing = missingProcedures(target, new Set(existing.map((p) => p.procedureId)), structure);
  const n = (v: number) => v.toLocaleString("en");
  if (missing.length === 0) {
    say(
      `Catalogue: ${n(existing.length)} procedures${target > 0 ? ` (--procedures ${n(target)} adds none)` : ""}`,
    );
    return { registered: 0 };
  }
  say(
    `Catalogue: ${n(existing.length)} procedures; registering ${n(missing.length)} generated ones (${structure}) through PUT /procedures/{id}…`,
  );
  const bar = options.quiet
    ? null
    : new cliProgress.SingleBar(
        {
          format: "  registering [{bar}] {percentage}% | {value}/{total} procedures | ETA {eta_formatted}",
          ...NOT_A_TERMINAL,
        },
        cliProgress.Presets.shades_classic,
      );
  bar?.start(missing.length, 0);
  const started = performance.now();
  const failures: string[] = [];
  await inPool(missing, options.concurrency, async ({ procedureId, ...definition }) => {
    const r = await client.request<{ code?: string; detail?: string }>(
      "PUT",
      `/procedures/${encodeURIComponent(procedureId)}`,
      definition,
    );
    if (r.status !== 200 && failures.length < 5)
      failures.push(`${procedureId}: ${r.status} ${r.body?.code ?? ""} ${r.body?.detail ?? ""}`);
    bar?.increment();
  });
  bar?.stop();
  if (failures.length > 0) throw new Error(`some procedures were refused:\n${failures.join("\n")}`);
  say(
    `  registered ${n(missing.length)} procedures in ${((performance.now() - started) / 1000).toFixed(1)} s`,
  );
  return { registered: missing.length };
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
  const units = unitsInUse(allUnits, options.units);
  const structure: Structure = units.some((u) => u.level === "district") ? "three-level" : "two-level";
  if (options.procedures !== undefined && options.procedures > 0)
    await ensureCatalogue(client, options.procedures, structure, options);
  const procedures = await client.procedures();
  if (procedures.length === 0)
    throw new Error("there are no procedures: load reference data first (pnpm start does)");
  const simulatedProcedures = procedures.filter((p) => p.procedureId.startsWith(SIMULATED_ID_PREFIX)).length;
  const fromYear = Number(options.from.slice(0, 4));
  const toYear = Number(options.to.slice(0, 4));
  const schedule = await client.schedule(fromYear, toYear);
  for (let year = fromYear; year <= toYear; year++) {
    if (!hasCalendarFor(schedule, year))
      say(
        `  note: the API has no calendar for ${year}: only weekends and the fixed solar holidays are off that year, deadlines in it are provisional (PUT /calendars/${year})`,
      );
  }

  say(
    `Planning ${options.dossiers.toLocaleString("en")} dossiers for ${province.unitId} (${describeStructure(units)}; ${procedures.length.toLocaleString("en")} procedures), ${options.from} → ${options.to}…`,
  );
  const planning = performance.now();
  const plans = planProvince({ ...options, units, procedures, schedule });
  const procedureById = new Map(procedures.map((p) => [p.procedureId, p]));
  const decided: DossierEvent[][] = plans.map((plan) =>
    decidePlan(plan, procedureById.get(plan.procedureId) as never, schedule, options.now),
  );
  say(`  planned and decided in ${((performance.now() - planning) / 1000).toFixed(1)} s`);
  // Dossiers already in the period (an earlier run, a running system) count in the API's report too:
  // the simulator's own count adds them, read once the read models have settled.
  const period = `unitId=${encodeURIComponent(province.unitId)}&from=${options.from}&to=${options.to}&includeSubunits=true`;
  const before = await settledReport(client, period);
  if (before.received > 0)
    say(
      `  the API already holds ${before.received.toLocaleString("en")} dossiers of this period for ${province.unitId}: the simulator's count adds them`,
    );
  const expected = expected06a(decided, options.from, options.to);
  addInto(expected, before);

  const bar = options.quiet
    ? null
    : new cliProgress.SingleBar(
        {
          format:
            "  importing [{bar}] {percentage}% | {value}/{total} dossiers | {rate} commands/s | ETA {eta_formatted}",
          hideCursor: true,
          ...NOT_A_TERMINAL,
        },
        cliProgress.Presets.shades_classic,
      );
  bar?.start(plans.length, 0, { rate: "0" });
  const started = performance.now();
  let commands = 0;
  let events = 0;
  let lastPosition = 0;
  const failures: string[] = [];
  const unitNames = new Map(allUnits.map((u) => [u.unitId, u.name]));
  const unitName = (unitId: string) => unitNames.get(unitId) ?? unitId;
  await inPool(plans, options.concurrency, async (plan: DossierPlan, index) => {
    const { actions } = plan;
    const r = await client.request<{ revision: number; position: number; code?: string; detail?: string }>(
      "POST",
      "/dossiers/import",
      importWithOfficers(plan, unitName),
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
  const query = `${period}&minPosition=${lastPosition}`;
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
    structure: describeStructure(units),
    procedures: procedures.length,
    simulatedProcedures,
    report: report.total,
    expected,
    matches,
    onTimeRate: indicators.onTimeRate,
    lastPosition,
    arrivalsPerWorkingMinute:
      plans.length / Math.max(1, workingMinutesOf(schedule, options.from, options.to, options.now)),
    openDossiers: openAtTheEnd(plans, decided),
    alreadyThere: before.received,
  };
}

/** The 06a once the read models stop moving (at most about 5 s): what was there before this run. */
async function settledReport(client: ApiClient, period: string): Promise<Counts06a> {
  let last = await client.get<{ total: Counts06a; position: number }>(`/reports/06a?${period}`);
  for (let attempt = 0; attempt < 10; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 500));
    const next = await client.get<{ total: Counts06a; position: number }>(`/reports/06a?${period}`);
    if (next.position === last.position) return next.total;
    last = next;
  }
  return last.total;
}

export function printSummary(summary: SimulationSummary, options: SimulateOptions): void {
  const n = (v: number) => v.toLocaleString("en");
  const lines = [
    "",
    `Simulated ${options.from} → ${options.to} for ${summary.provinceUnitId}`,
    `  units      ${summary.structure}`,
    `  procedures ${n(summary.procedures)} (${n(summary.procedures - summary.simulatedProcedures)} real, ${n(summary.simulatedProcedures)} generated)`,
    `  dossiers   ${n(summary.dossiers)}`,
    `  commands   ${n(summary.commands)}  (${n(Math.round(summary.commandsPerSecond))} commands/s)`,
    `  events     ${n(summary.events)}`,
    `  time       ${summary.seconds.toFixed(1)} s`,
    `  on time    ${summary.onTimeRate === null ? "—" : `${(summary.onTimeRate * 100).toFixed(2)} %`}`,
    "",
    `  Biểu II.06a (the API's report vs the simulator's own count${summary.alreadyThere > 0 ? `, with the ${n(summary.alreadyThere)} dossiers already there` : ""})`,
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

export interface LiveSummary {
  readonly seconds: number;
  readonly perMinute: number;
  readonly arrivals: number;
  readonly commands: number;
  readonly errors: number;
  readonly skipped: number;
}

/**
 * The present through live commands: new dossiers through `POST /dossiers` and open ones moved on through
 * the officers' routes, at `speed` times the history's pace (its arrivals per working minute), with a
 * progress line about every 10 seconds, until `signal` aborts (Ctrl-C) or `duration` seconds pass.
 */
export async function runLive(
  client: ApiClient,
  options: SimulateOptions & { speed: number },
  summary: Pick<SimulationSummary, "arrivalsPerWorkingMinute" | "openDossiers">,
  signal: AbortSignal,
  progressEveryMs = 10_000,
): Promise<LiveSummary> {
  const say = (line: string) => {
    if (!options.quiet) process.stdout.write(`${line}\n`);
  };
  const perMinute = summary.arrivalsPerWorkingMinute * options.speed;
  const units = unitsInUse(await client.units(), options.units);
  const procedures = await client.procedures();
  say(
    `\nLive: the province at ×${options.speed} its pace, about ${perMinute.toFixed(perMinute < 10 ? 2 : 0)} arrivals a minute (history: ${summary.arrivalsPerWorkingMinute.toFixed(3)} per working minute) and officers moving them and the history's ${summary.openDossiers.length} open dossiers on, ${options.duration === undefined ? "until Ctrl-C" : `for ${options.duration} s (Ctrl-C stops sooner)`}`,
  );
  const started = performance.now();
  let lastError = "";
  const live = startLiveArrivals(client, {
    perMinute,
    units,
    procedures,
    seed: options.seed,
    concurrency: options.concurrency,
    open: summary.openDossiers,
    onError: (error) => {
      lastError = error instanceof Error ? error.message : String(error);
    },
  });
  const elapsed = () => (performance.now() - started) / 1000;
  const clock = (seconds: number) =>
    `${Math.floor(seconds / 60)}:${String(Math.floor(seconds % 60)).padStart(2, "0")}`;
  const progress = setInterval(() => {
    const s = live.stats();
    say(
      `  live ${clock(elapsed())}  arrivals ${s.arrivals}  commands ${s.commands}  errors ${s.errors}${s.skipped > 0 ? `  behind ${s.skipped}` : ""}  open ${s.open}${lastError ? `  (last error: ${lastError})` : ""}`,
    );
  }, progressEveryMs);
  await new Promise<void>((resolve) => {
    if (signal.aborted) return resolve();
    const timer = options.duration === undefined ? null : setTimeout(resolve, options.duration * 1000);
    signal.addEventListener(
      "abort",
      () => {
        if (timer) clearTimeout(timer);
        resolve();
      },
      { once: true },
    );
  });
  clearInterval(progress);
  await live.stop();
  const s = live.stats();
  const result: LiveSummary = {
    seconds: elapsed(),
    perMinute,
    arrivals: s.arrivals,
    commands: s.commands,
    errors: s.errors,
    skipped: s.skipped,
  };
  say(
    `Live run: ${result.seconds.toFixed(1)} s at ×${options.speed}: arrivals ${result.arrivals}, commands ${result.commands} (${(result.commands / Math.max(result.seconds, 0.001)).toFixed(2)}/s, arrivals included), errors ${result.errors}${result.skipped > 0 ? `, skipped ${result.skipped} arrivals (the system was behind the pace)` : ""}`,
  );
  return result;
}

export const todayLocal = () => localDateOf(Date.now());
export const cliOptions = {
  dossiers: { type: "string" },
  units: { type: "string" },
  from: { type: "string" },
  to: { type: "string" },
  procedures: { type: "string" },
  structure: { type: "string" },
  speed: { type: "string" },
  duration: { type: "string" },
  seed: { type: "string" },
  concurrency: { type: "string" },
  url: { type: "string" },
  help: { type: "boolean", short: "h" },
} as const;

export const parseCli = (argv: string[]) =>
  parseArgs({ args: argv, options: cliOptions, strict: true }).values;
export { parseInstant };
