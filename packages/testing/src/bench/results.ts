import { execFileSync } from "node:child_process";
import { appendFileSync, mkdirSync } from "node:fs";
import { availableParallelism, cpus, loadavg, totalmem } from "node:os";
import { dirname, join, resolve } from "node:path";

/**
 * Bench results kept as JSON lines, one per bench run: which commit ran, on what machine, how busy it was,
 * and the figures — so a regression shows, and `pnpm bench:compare` can put two commits side by side.
 *
 * The file is `BENCH_RESULTS` when set, else `.motcua/bench-results.jsonl` at the repository's root.
 * Figures are a flat map of name → number; names carry their unit (`_ms`, `_per_s`, `_ratio`, `_mib`).
 */

export interface MachineInfo {
  readonly cores: number;
  readonly cpuModel: string;
  readonly memoryGiB: number;
  readonly node: string;
}

export interface BenchResult {
  readonly bench: string;
  readonly at: string;
  readonly commit: string;
  /** Whether the working tree had uncommitted changes when the bench ran. */
  readonly dirty: boolean;
  readonly machine: MachineInfo;
  /** The 1-, 5- and 15-minute load averages when the bench finished. */
  readonly loadAverage: readonly [number, number, number];
  readonly figures: Readonly<Record<string, number>>;
  readonly notes?: Readonly<Record<string, string>>;
}

export function machineInfo(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? "unknown",
    memoryGiB: Math.round((totalmem() / 2 ** 30) * 10) / 10,
    node: process.version,
  };
}

function git(args: string[]): string | undefined {
  try {
    return execFileSync("git", args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

export function resultsFile(): string {
  const configured = process.env.BENCH_RESULTS;
  if (configured) return resolve(configured);
  const root = git(["rev-parse", "--show-toplevel"]) ?? process.cwd();
  return join(root, ".motcua", "bench-results.jsonl");
}

/** Builds the record of one bench run (no I/O besides asking git which commit this is). */
export function benchResult(
  bench: string,
  figures: Record<string, number>,
  notes?: Record<string, string>,
): BenchResult {
  const [one = 0, five = 0, fifteen = 0] = loadavg();
  const round = (value: number) => Math.round(value * 100) / 100;
  const finite = Object.fromEntries(Object.entries(figures).filter(([, value]) => Number.isFinite(value)));
  return {
    bench,
    at: new Date().toISOString(),
    commit: git(["rev-parse", "HEAD"]) ?? "unknown",
    dirty: (git(["status", "--porcelain", "--untracked-files=no"]) ?? "") !== "",
    machine: machineInfo(),
    loadAverage: [round(one), round(five), round(fifteen)],
    figures: finite,
    ...(notes ? { notes } : {}),
  };
}

/** Appends one bench run to the results file and says where. */
export function recordBenchResult(
  bench: string,
  figures: Record<string, number>,
  notes?: Record<string, string>,
): BenchResult {
  const result = benchResult(bench, figures, notes);
  const file = resultsFile();
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, `${JSON.stringify(result)}\n`);
  process.stdout.write(
    `results: ${Object.keys(result.figures).length} figures of ${bench} recorded in ${file} (commit ${result.commit.slice(0, 10)}${result.dirty ? ", uncommitted changes" : ""})\n`,
  );
  return result;
}

/** Reads the results file's lines back (skipping lines that are not bench results). */
export function parseBenchResults(text: string): BenchResult[] {
  const results: BenchResult[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    try {
      const value = JSON.parse(line) as Partial<BenchResult>;
      if (typeof value.bench === "string" && value.figures && typeof value.figures === "object")
        results.push(value as BenchResult);
    } catch {
      // a line cut short by a bench killed mid-write: skipped
    }
  }
  return results;
}
