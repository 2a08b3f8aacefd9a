import { type BenchResult, median } from "@motcua/testing/bench";

/** One figure of one bench, for two commits: the median over each commit's runs and their ratio. */
export interface ComparedFigure {
  readonly bench: string;
  readonly figure: string;
  readonly a: number;
  readonly b: number;
  /** b ÷ a (NaN when a is 0 or either side is missing). */
  readonly ratio: number;
}

function mediansByFigure(results: readonly BenchResult[], bench: string): Map<string, number> {
  const samples = new Map<string, number[]>();
  for (const result of results) {
    if (result.bench !== bench) continue;
    for (const [figure, value] of Object.entries(result.figures))
      samples.set(figure, [...(samples.get(figure) ?? []), value]);
  }
  return new Map([...samples].map(([figure, values]) => [figure, median(values)]));
}

/**
 * Puts two commits' runs side by side, bench by bench and figure by figure (in the order the figures
 * first appear), each side the median of its runs: rounds alternate which commit goes first, and the
 * median keeps one noisy round from deciding.
 */
export function compareFigures(
  benches: readonly string[],
  a: readonly BenchResult[],
  b: readonly BenchResult[],
): ComparedFigure[] {
  const rows: ComparedFigure[] = [];
  for (const bench of benches) {
    const left = mediansByFigure(a, bench);
    const right = mediansByFigure(b, bench);
    const figures = [...new Set([...left.keys(), ...right.keys()])];
    for (const figure of figures) {
      const x = left.get(figure) ?? Number.NaN;
      const y = right.get(figure) ?? Number.NaN;
      rows.push({ bench, figure, a: x, b: y, ratio: x === 0 ? Number.NaN : y / x });
    }
  }
  return rows;
}

const format = (value: number) =>
  Number.isNaN(value)
    ? "–"
    : Math.abs(value) >= 100
      ? Math.round(value).toLocaleString("en-US")
      : value.toLocaleString("en-US", { maximumFractionDigits: 3 });

/** The side-by-side table as text lines. */
export function comparisonTable(rows: readonly ComparedFigure[], labelA: string, labelB: string): string[] {
  const width = Math.max(30, ...rows.map((row) => row.bench.length + row.figure.length + 1));
  const lines = [
    `${"figure".padEnd(width)} ${labelA.padStart(14)} ${labelB.padStart(14)} ${"b ÷ a".padStart(8)}`,
  ];
  for (const row of rows)
    lines.push(
      `${`${row.bench}.${row.figure}`.padEnd(width)} ${format(row.a).padStart(14)} ${format(row.b).padStart(14)} ${(Number.isNaN(row.ratio) ? "–" : `${row.ratio.toFixed(2)}×`).padStart(8)}`,
    );
  return lines;
}
