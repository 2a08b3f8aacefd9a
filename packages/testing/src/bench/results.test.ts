import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { parseBenchResults, recordBenchResult } from "./results";

describe("bench results as JSON lines", () => {
  const dir = mkdtempSync(join(tmpdir(), "motcua-bench-results-"));
  const saved = process.env.BENCH_RESULTS;
  afterEach(() => {
    if (saved === undefined) delete process.env.BENCH_RESULTS;
    else process.env.BENCH_RESULTS = saved;
  });

  it("appends one line per run with the commit, the machine, the load and the finite figures", () => {
    const file = join(dir, "results.jsonl");
    process.env.BENCH_RESULTS = file;
    recordBenchResult("example", { events_per_s: 1234.5, p99_ms: 3.25, missing_ms: Number.NaN });
    recordBenchResult("example", { events_per_s: 1300 });
    const results = parseBenchResults(`${readFileSync(file, "utf8")}{"cut short`);
    expect(results).toHaveLength(2);
    const [first] = results;
    expect(first?.figures).toEqual({ events_per_s: 1234.5, p99_ms: 3.25 });
    expect(first?.commit).toMatch(/^[0-9a-f]{40}$/);
    expect(first?.machine.cores).toBeGreaterThan(0);
    expect(first?.loadAverage).toHaveLength(3);
    expect(results[1]?.figures.events_per_s).toBe(1300);
    rmSync(dir, { recursive: true, force: true });
  });
});
