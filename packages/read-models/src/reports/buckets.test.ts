import { dayToLocalDate, localDateToDay } from "@motcua/domain";
import { describe, expect, it } from "vitest";
import { seededRandom } from "../test-support/simulation.test-support";
import { bucketRanges } from "./buckets";

/** The buckets (grain, start) that a list of ranges selects, among all buckets that can exist. */
function selected(ranges: ReturnType<typeof bucketRanges>, firstDay: number, lastDay: number) {
  const days: string[] = [];
  for (let d = firstDay; d <= lastDay; d++) {
    const date = dayToLocalDate(d);
    const inRange = (grain: "d" | "m" | "y", start: string) =>
      ranges.some((r) => r.grain === grain && (r.from === null || start >= r.from) && start < r.to);
    // A day is covered by its day bucket, its month bucket or its year bucket.
    const covers = [
      inRange("d", date),
      inRange("m", `${date.slice(0, 7)}-01`),
      inRange("y", `${date.slice(0, 4)}-01-01`),
    ].filter(Boolean).length;
    for (let i = 0; i < covers; i++) days.push(date);
  }
  return days;
}

describe("bucket ranges", () => {
  it("cover every day of a period exactly once, and no day outside it", () => {
    const rng = seededRandom(3);
    const lo = localDateToDay("2023-01-01");
    for (let i = 0; i < 300; i++) {
      const a = lo + rng.int(0, 900);
      const b = a + rng.pick([0, 1, 27, 31, 59, 365, rng.int(0, 800)]);
      const ranges = bucketRanges(dayToLocalDate(a), dayToLocalDate(b + 1));
      const covered = selected(ranges, lo - 40, lo + 2000);
      const expected = Array.from({ length: b - a + 1 }, (_, k) => dayToLocalDate(a + k));
      expect(covered, `${dayToLocalDate(a)}…${dayToLocalDate(b)}`).toEqual(expected);
    }
  });

  it("cover every day before a date when the range is open below", () => {
    for (const end of ["2024-01-01", "2024-03-01", "2024-03-17", "2025-12-31"]) {
      const ranges = bucketRanges(null, end);
      const lo = localDateToDay("2020-01-01");
      const covered = selected(ranges, lo, localDateToDay("2026-06-30"));
      const expected = Array.from({ length: localDateToDay(end) - lo }, (_, k) => dayToLocalDate(lo + k));
      expect(covered, end).toEqual(expected);
    }
  });

  it("use whole years and months where they fit, so a year-long report reads one bucket per unit and field", () => {
    expect(bucketRanges("2025-01-01", "2026-01-01")).toEqual([
      { grain: "y", from: "2025-01-01", to: "2026-01-01" },
    ]);
    expect(bucketRanges("2025-03-01", "2025-04-01")).toEqual([
      { grain: "m", from: "2025-03-01", to: "2025-04-01" },
    ]);
    expect(bucketRanges("2025-03-05", "2025-03-05")).toEqual([]);
  });
});
