import { dayToLocalDate, localDateToDay } from "@motcua/domain";
import { int4, int8, localDate, pgTypesOf, type RowOf, type TableOf, text } from "../columns";

/**
 * What `report_counts` counts per bucket. Receptions count on the day of receipt, finishes on the day
 * the dossier left the pending set.
 */
export const countColumns = {
  received_online: int4(),
  received_direct: int4(),
  received_postal: int4(),
  received_digitized: int4(),
  finished_early: int4(),
  finished_on_time: int4(),
  finished_late: int4(),
  finished_late_766: int4(),
  resolutions: int4(),
  resolution_working_minutes: int8(),
  /** Overdue spans beginning on this day (see `overdue_spans`): pending overdue at D = Σ starts − Σ ends up to D. */
  overdue_starts: int4(),
  /** Overdue spans whose last day was the day before. */
  overdue_ends: int4(),
  /** Like overdue_starts/ends, for pending dossiers late for Decision 766 (overdue or > 1 supplement request). */
  late766_starts: int4(),
  late766_ends: int4(),
};

/**
 * `report_counts`: counts per receiving unit, field and local period, at four grains (`d` day, `t`
 * dekad — days 1–10, 11–20, 21–end —, `m` month, `y` year; `period_start` is the bucket's first day),
 * so any date range sums over a few buckets per unit and field.
 */
export const reportCountColumns = {
  receiving_unit_id: text(),
  field: text(),
  grain: text<Grain>("d"),
  period_start: localDate(),
  ...countColumns,
  position: int8(),
};

export type CountColumn = keyof typeof countColumns;
export const COUNT_COLUMNS = Object.keys(countColumns) as readonly CountColumn[];
export type CountBucket = RowOf<typeof reportCountColumns>;
export type ReportCountsTable = TableOf<typeof reportCountColumns>;
export const REPORT_COUNT_PG_TYPES = pgTypesOf(reportCountColumns);

// ── the buckets: which rows of report_counts a date and a period read ───────────────────────────────────

/**
 * `report_counts` keeps every count at four grains: the local day (`d`), the dekad (`t`: days 1–10,
 * 11–20 and 21–end of a month), the month (`m`) and the year (`y`). A bucket is named by its grain and
 * its first day.
 */
export type Grain = "d" | "t" | "m" | "y";

const pad = (n: number, width = 2) => String(n).padStart(width, "0");
export const yearStartOf = (date: string): string => `${date.slice(0, 4)}-01-01`;
export const monthStartOf = (date: string): string => `${date.slice(0, 7)}-01`;
export const dekadStartOf = (date: string): string => {
  const day = Number(date.slice(8, 10));
  return `${date.slice(0, 8)}${day <= 10 ? "01" : day <= 20 ? "11" : "21"}`;
};

/** The first day of each grain's bucket that contains `date`. */
export const bucketStartsOf = (date: string): Record<Grain, string> => ({
  d: date,
  t: dekadStartOf(date),
  m: monthStartOf(date),
  y: yearStartOf(date),
});

const monthsOf = (yearStart: string) =>
  Array.from({ length: 12 }, (_, i) => `${yearStart.slice(0, 5)}${pad(i + 1)}-01`);
const dekadsOf = (monthStart: string) => ["01", "11", "21"].map((d) => `${monthStart.slice(0, 8)}${d}`);
function daysOf(dekadStart: string): string[] {
  const first = localDateToDay(dekadStart);
  const out: string[] = [];
  for (let d = first; dekadStartOf(dayToLocalDate(d)) === dekadStart; d++) out.push(dayToLocalDate(d));
  return out;
}

/** Buckets to add (sign +1) or take away (−1): either listed, or every year bucket before a date. */
export type BucketSelection =
  | { readonly grain: "y"; readonly before: string; readonly sign: 1 }
  | { readonly grain: Grain; readonly starts: readonly string[]; readonly sign: 1 | -1 };

interface Level {
  readonly grain: Exclude<Grain, "y">;
  readonly parentGrain: Exclude<Grain, "d">;
  readonly parent: string;
  readonly own: string;
  readonly siblings: readonly string[];
}

/**
 * The buckets whose signed sum is everything before day `x`, read from as few buckets as it can: the
 * years before x's year, then at each grain below either the buckets before x's (months before its
 * month, dekads before its dekad, days before x) or the whole parent bucket less the buckets from x's
 * on — whichever reads fewer rows. A period's sums are then prefix(to + 1) − prefix(from): at most
 * about six months, two dekads and six days per edge, and one year bucket for a calendar year.
 */
export function prefixBuckets(x: string): BucketSelection[] {
  const starts = bucketStartsOf(x);
  const levels: Level[] = [
    { grain: "m", parentGrain: "y", parent: starts.y, own: starts.m, siblings: monthsOf(starts.y) },
    { grain: "t", parentGrain: "m", parent: starts.m, own: starts.t, siblings: dekadsOf(starts.m) },
    { grain: "d", parentGrain: "t", parent: starts.t, own: x, siblings: daysOf(starts.t) },
  ];
  let best: Map<string, number> | null = null;
  // Each level reads its parent's buckets one way or the other: try the eight combinations.
  for (let choice = 0; choice < 8; choice++) {
    const weights = new Map<string, number>();
    const add = (grain: Grain, start: string, sign: number) => {
      const key = `${grain}|${start}`;
      weights.set(key, (weights.get(key) ?? 0) + sign);
    };
    levels.forEach((level, i) => {
      const before = level.siblings.filter((s) => s < level.own);
      if ((choice >> i) & 1) {
        add(level.parentGrain, level.parent, 1);
        for (const s of level.siblings.filter((s) => s >= level.own)) add(level.grain, s, -1);
      } else {
        for (const s of before) add(level.grain, s, 1);
      }
    });
    for (const [key, weight] of weights) if (weight === 0) weights.delete(key);
    if (best === null || weights.size < best.size) best = weights;
  }
  const selections: BucketSelection[] = [{ grain: "y", before: starts.y, sign: 1 }];
  const grouped = new Map<string, { grain: Grain; sign: 1 | -1; starts: string[] }>();
  for (const [key, weight] of best ?? []) {
    const [grain, start] = key.split("|") as [Grain, string];
    if (weight !== 1 && weight !== -1) throw new Error(`bucket ${key} weighs ${weight}`);
    const groupKey = `${grain}|${weight}`;
    const group = grouped.get(groupKey) ?? { grain, sign: weight, starts: [] };
    group.starts.push(start);
    grouped.set(groupKey, group);
  }
  for (const group of grouped.values()) selections.push({ ...group, starts: group.starts.sort() });
  return selections;
}
