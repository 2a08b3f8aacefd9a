/**
 * Which `report_counts` buckets make up a range of local days. A bucket is a day, a month or a year;
 * the range `[from, toExclusive)` (from = null: since the beginning) is covered exactly, with no bucket
 * counted twice, by whole years in the middle, whole months around them and single days at the edges:
 * at most ~60 day buckets, 22 month buckets and the years, per unit and field.
 */
export interface BucketRange {
  readonly grain: "d" | "m" | "y";
  /** Bucket starts from this date (inclusive); null: no lower bound. */
  readonly from: string | null;
  /** …to this date (exclusive). */
  readonly to: string;
}

const monthFloor = (date: string) => `${date.slice(0, 7)}-01`;
const yearFloor = (date: string) => `${date.slice(0, 4)}-01-01`;

function nextMonth(monthStart: string): string {
  const y = Number(monthStart.slice(0, 4));
  const m = Number(monthStart.slice(5, 7));
  return m === 12
    ? `${String(y + 1).padStart(4, "0")}-01-01`
    : `${monthStart.slice(0, 5)}${String(m + 1).padStart(2, "0")}-01`;
}
const monthCeil = (date: string) => (date.endsWith("-01") ? date : nextMonth(monthFloor(date)));
const yearCeil = (date: string) =>
  date.endsWith("-01-01") ? date : `${String(Number(date.slice(0, 4)) + 1).padStart(4, "0")}-01-01`;

export function bucketRanges(from: string | null, toExclusive: string): BucketRange[] {
  const ranges: BucketRange[] = [];
  const push = (grain: BucketRange["grain"], a: string | null, b: string) => {
    if (a === null || a < b) ranges.push({ grain, from: a, to: b });
  };
  if (from === null) {
    const y = yearFloor(toExclusive);
    const m = monthFloor(toExclusive);
    push("y", null, y);
    push("m", y, m);
    push("d", m, toExclusive);
    return ranges;
  }
  if (from >= toExclusive) return ranges;
  const m1 = monthCeil(from);
  const m2 = monthFloor(toExclusive);
  if (m1 >= m2) {
    push("d", from, toExclusive);
    return ranges;
  }
  const y1 = yearCeil(m1);
  const y2 = yearFloor(m2);
  push("d", from, m1);
  if (y1 >= y2) {
    push("m", m1, m2);
  } else {
    push("m", m1, y1);
    push("y", y1, y2);
    push("m", y2, m2);
  }
  push("d", m2, toExclusive);
  return ranges;
}
