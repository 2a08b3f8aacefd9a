import { describe, expect, it } from "vitest";
import { latencySummary, median, percentile } from "./stats";

describe("bench statistics", () => {
  it("takes the nearest-rank percentile", () => {
    const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
    expect(percentile(sorted, 50)).toBe(50);
    expect(percentile(sorted, 99)).toBe(99);
    expect(percentile(sorted, 100)).toBe(100);
    expect(percentile([7], 99)).toBe(7);
    expect(percentile([], 50)).toBeNaN();
  });

  it("summarises unsorted samples without changing them", () => {
    const samples = [5, 1, 4, 2, 3];
    expect(latencySummary(samples)).toEqual({ count: 5, p50: 3, p90: 5, p99: 5, max: 5 });
    expect(samples).toEqual([5, 1, 4, 2, 3]);
    expect(median([10, 30, 20])).toBe(20);
  });
});
