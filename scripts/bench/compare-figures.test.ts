import type { BenchResult } from "@motcua/testing/bench";
import { describe, expect, it } from "vitest";
import { compareFigures, comparisonTable } from "./compare-figures";

const run = (commit: string, bench: string, figures: Record<string, number>): BenchResult => ({
  bench,
  at: "2026-12-04T00:00:00.000Z",
  commit,
  dirty: false,
  machine: { cores: 2, cpuModel: "test", memoryGiB: 1, node: "v20" },
  loadAverage: [0, 0, 0],
  figures,
});

describe("bench:compare's table", () => {
  it("takes each side's median over its rounds and divides b by a", () => {
    const a = [
      run("a", "append", { events_per_s: 1000, p99_ms: 4 }),
      run("a", "append", { events_per_s: 3000, p99_ms: 2 }),
      run("a", "append", { events_per_s: 1200, p99_ms: 3 }),
      run("a", "other", { events_per_s: 1 }),
    ];
    const b = [
      run("b", "append", { events_per_s: 2400, p99_ms: 1.5 }),
      run("b", "append", { events_per_s: 2500, p99_ms: 9 }),
      run("b", "append", { events_per_s: 100, p99_ms: 1.5 }),
    ];
    const rows = compareFigures(["append"], a, b);
    expect(rows).toEqual([
      { bench: "append", figure: "events_per_s", a: 1200, b: 2400, ratio: 2 },
      { bench: "append", figure: "p99_ms", a: 3, b: 1.5, ratio: 0.5 },
    ]);
    const lines = comparisonTable(rows, "a", "b");
    expect(lines[1]).toMatch(/append\.events_per_s\s+1,200\s+2,400\s+2\.00×/);
  });

  it("shows a figure only one commit recorded with a dash and no ratio", () => {
    const rows = compareFigures(["append"], [], [run("b", "append", { events_per_s: 5 })]);
    expect(rows).toHaveLength(1);
    expect(rows[0]?.a).toBeNaN();
    expect(comparisonTable(rows, "a", "b")[1]).toMatch(/–\s+5\s+–$/);
  });
});
