import type { BenchResult } from "@motcua/testing/bench";

/**
 * The README's benchmark table from the results file: for each bench, its latest run's throughput,
 * CPU per operation, ratio to its floor, latency and memory, read off the figures' names (their unit is
 * in the name: `…_per_s`, `…_cpu_ms_per_…`, `…_ratio`, `…_p99_ms`, `…_mib`), with the commit, the load
 * average and the machine — so the table is what one `pnpm bench` run measured, not copied by hand.
 */

export type FigureKind = "throughput" | "cpu" | "ratio" | "latency" | "memory";

const KINDS: readonly [FigureKind, RegExp][] = [
  ["cpu", /cpu_ms_per_|_cpu_ms$/],
  ["ratio", /_ratio$/],
  ["throughput", /_per_s$/],
  ["latency", /_p(50|99)_ms$/],
  ["memory", /_mib$/],
];

/** Which column a figure belongs in, by its name; null for figures the table leaves out. */
export function kindOf(figure: string): FigureKind | null {
  for (const [kind, pattern] of KINDS) if (pattern.test(figure)) return kind;
  return null;
}

/** The latest run of each bench (at or after `since`, when given), in the order benches first ran. */
export function latestRuns(results: readonly BenchResult[], since?: string): BenchResult[] {
  const latest = new Map<string, BenchResult>();
  for (const result of results) {
    if (since !== undefined && result.at < since) continue;
    const seen = latest.get(result.bench);
    if (seen === undefined || result.at >= seen.at) latest.set(result.bench, result);
  }
  return [...latest.values()];
}

/** A figure in few characters: 3 significant digits below 1,000, whole numbers with separators above. */
export function formatValue(figure: string, value: number): string {
  if (/_ratio$/.test(figure)) return `${(value * 100).toFixed(value < 0.1 ? 1 : 0)} %`;
  const abs = Math.abs(value);
  const text =
    abs >= 1_000
      ? Math.round(value).toLocaleString("en-US")
      : abs >= 100
        ? value.toFixed(0)
        : abs >= 1
          ? value.toPrecision(3)
          : value.toFixed(3);
  return text;
}

const cell = (result: BenchResult, kind: FigureKind) =>
  Object.entries(result.figures)
    .filter(([figure]) => kindOf(figure) === kind)
    .map(([figure, value]) => `${figure} ${formatValue(figure, value)}`)
    .join("<br>") || "–";

/** The markdown table, one row per bench, and a line naming the machine(s) and the commits. */
export function resultsTable(runs: readonly BenchResult[]): string {
  if (runs.length === 0) return "no bench results recorded yet (run `pnpm bench`)";
  const header = [
    "bench",
    "throughput",
    "CPU ms per operation",
    "ratio to its floor",
    "latency",
    "memory",
    "run",
  ];
  const rows = runs.map((r) => [
    `\`${r.bench}\``,
    cell(r, "throughput"),
    cell(r, "cpu"),
    cell(r, "ratio"),
    cell(r, "latency"),
    cell(r, "memory"),
    `${r.at.slice(0, 16).replace("T", " ")} UTC, ${r.commit.slice(0, 7)}${r.dirty ? "+" : ""}, load ${r.loadAverage[0]}`,
  ]);
  const machines = [
    ...new Set(
      runs.map(
        (r) =>
          `${r.machine.cores} × ${r.machine.cpuModel}, ${r.machine.memoryGiB} GiB, Node ${r.machine.node}`,
      ),
    ),
  ];
  return [
    `| ${header.join(" | ")} |`,
    `|${header.map(() => "---").join("|")}|`,
    ...rows.map((row) => `| ${row.join(" | ")} |`),
    "",
    `Machine: ${machines.join("; ")}. Load: the 1-minute load average when each bench finished.`,
  ].join("\n");
}
