import type { BenchResult } from "@motcua/testing/bench";
import { describe, expect, it } from "vitest";
import { formatValue, kindOf, latestRuns, resultsTable } from "./results-table";

const run = (bench: string, at: string, figures: Record<string, number>): BenchResult => ({
  bench,
  at,
  commit: `${bench}0123456789`,
  dirty: false,
  machine: { cores: 2, cpuModel: "AMD EPYC", memoryGiB: 23.4, node: "v20.20.2" },
  loadAverage: [1.25, 1, 1],
  figures,
});

describe("bench:table", () => {
  it("puts each figure in the column its name's unit says, and leaves the rest out", () => {
    expect(kindOf("direct_events_per_s")).toBe("throughput");
    expect(kindOf("direct_process_cpu_ms_per_event")).toBe("cpu");
    expect(kindOf("direct_vs_floor_ratio")).toBe("ratio");
    expect(kindOf("rate_500_p99_ms")).toBe("latency");
    expect(kindOf("api_resident_mib")).toBe("memory");
    expect(kindOf("dossiers")).toBeNull();
  });

  it("keeps each bench's latest run since the given time", () => {
    const runs = latestRuns(
      [
        run("append", "2026-12-05T01:00:00.000Z", { events_per_s: 1 }),
        run("append", "2026-12-05T03:00:00.000Z", { events_per_s: 2 }),
        run("report", "2026-12-05T02:00:00.000Z", { year_p99_ms: 3 }),
        run("append", "2026-12-05T02:30:00.000Z", { events_per_s: 9 }),
      ],
      "2026-12-05T02:10:00.000Z",
    );
    expect(runs.map((r) => [r.bench, r.figures.events_per_s])).toEqual([["append", 2]]);
  });

  it("writes ratios as percentages and large figures with separators", () => {
    expect(formatValue("vs_floor_ratio", 0.554)).toBe("55 %");
    expect(formatValue("vs_floor_ratio", 0.0123)).toBe("1.2 %");
    expect(formatValue("events_per_s", 27770.4)).toBe("27,770");
    expect(formatValue("cpu_ms_per_event", 0.0412)).toBe("0.041");
    expect(formatValue("p99_ms", 9.21)).toBe("9.21");
  });

  it("makes one markdown row per bench, naming the commit, the load and the machine", () => {
    const table = resultsTable([
      run("projections", "2026-12-05T03:41:00.000Z", {
        direct_events_per_s: 12000,
        direct_process_cpu_ms_per_event: 0.08,
        direct_vs_floor_ratio: 0.25,
        events: 100000,
      }),
    ]);
    const lines = table.split("\n");
    expect(lines[0]).toBe(
      "| bench | throughput | CPU ms per operation | ratio to its floor | latency | memory | run |",
    );
    expect(lines[2]).toBe(
      "| `projections` | direct_events_per_s 12,000 | direct_process_cpu_ms_per_event 0.080 | direct_vs_floor_ratio 25 % | – | – | 2026-12-05 03:41 UTC, project, load 1.25 |",
    );
    expect(table).toContain("Machine: 2 × AMD EPYC, 23.4 GiB, Node v20.20.2");
    expect(resultsTable([])).toContain("no bench results");
  });
});
