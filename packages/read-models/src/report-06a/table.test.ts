import { dayToLocalDate, localDateToDay } from "@motcua/domain";
import { seededRandom } from "@motcua/testing";
import { describe, expect, it } from "vitest";
import { bucketStartsOf, type Grain, prefixBuckets } from "./table";

/** How many times (with signs) the prefix of `x` counts each day from `first` to `last`. */
function coverage(x: string, first: number, last: number): Map<string, number> {
  const selections = prefixBuckets(x);
  const weight = (grain: Grain, start: string) =>
    selections
      .filter((b) => b.grain === grain && ("before" in b ? start < b.before : b.starts.includes(start)))
      .reduce((s, b) => s + b.sign, 0);
  const out = new Map<string, number>();
  for (let d = first; d <= last; d++) {
    const date = dayToLocalDate(d);
    // A day lies in one bucket of each grain.
    const starts = bucketStartsOf(date);
    out.set(
      date,
      (["d", "t", "m", "y"] as const).reduce((s, g) => s + weight(g, starts[g]), 0),
    );
  }
  return out;
}

const rowsRead = (x: string, grain: Grain) =>
  prefixBuckets(x)
    .filter((b) => b.grain === grain && "starts" in b)
    .reduce((n, b) => n + ("starts" in b ? b.starts.length : 0), 0);

describe("prefix buckets", () => {
  it("count every day before a date exactly once and no day from it on, for any date", () => {
    const rng = seededRandom(3);
    const dates = [
      "2024-01-01",
      "2024-02-29",
      "2024-03-01",
      "2024-03-11",
      "2024-12-31",
      "2025-07-16",
      "2025-12-21",
    ];
    for (let i = 0; i < 60; i++) dates.push(dayToLocalDate(localDateToDay("2023-01-01") + rng.int(0, 1100)));
    for (const x of dates) {
      const xDay = localDateToDay(x);
      // Two years either side: every bucket the prefix could wrongly take or leave lies in there.
      const counted = coverage(x, xDay - 800, xDay + 800);
      for (const [date, times] of counted) {
        expect(times, `prefix of ${x} counts ${date}`).toBe(localDateToDay(date) < xDay ? 1 : 0);
      }
    }
  });

  it("read one bucket per year, and at most half a year of months, two dekads and six days at an edge", () => {
    expect(prefixBuckets("2026-01-01")).toEqual([{ grain: "y", before: "2026-01-01", sign: 1 }]);
    expect(prefixBuckets("2025-04-01")).toEqual([
      { grain: "y", before: "2025-01-01", sign: 1 },
      { grain: "m", starts: ["2025-01-01", "2025-02-01", "2025-03-01"], sign: 1 },
    ]);
    const rng = seededRandom(4);
    for (let i = 0; i < 300; i++) {
      const x = dayToLocalDate(localDateToDay("2024-01-01") + rng.int(0, 900));
      expect(rowsRead(x, "m"), x).toBeLessThanOrEqual(7);
      expect(rowsRead(x, "t"), x).toBeLessThanOrEqual(3);
      expect(rowsRead(x, "d"), x).toBeLessThanOrEqual(6);
    }
  });
});
