import { emptyRowOf } from "../columns";
import { bucketStartsOf, type CountBucket, type CountColumn, countColumns, type Grain } from "./table";

export type CountDelta = Partial<Record<CountColumn, number>>;

const ZEROS = emptyRowOf(countColumns);
const GRAINS: readonly Grain[] = ["d", "t", "m", "y"];

/**
 * The report-count increments of one batch, summed per bucket before they reach Postgres (an upsert may
 * touch each row once), at the four grains a period query sums over.
 */
export class ReportCountDeltas {
  readonly #buckets = new Map<string, CountBucket>();
  /** The four buckets of a unit, field and day, found once per batch (most events share them). */
  readonly #ofDay = new Map<string, readonly CountBucket[]>();

  add(unitId: string, field: string, day: string, delta: CountDelta, position: number): void {
    const dayKey = `${unitId}\u0000${field}\u0000${day}`;
    let buckets = this.#ofDay.get(dayKey);
    if (buckets === undefined) {
      const starts = bucketStartsOf(day);
      buckets = GRAINS.map((grain) => this.#bucket(unitId, grain, starts[grain], field, position));
      this.#ofDay.set(dayKey, buckets);
    }
    for (const bucket of buckets) {
      for (const column in delta) bucket[column as CountColumn] += delta[column as CountColumn] ?? 0;
      if (position > bucket.position) bucket.position = position;
    }
  }

  #bucket(unitId: string, grain: Grain, periodStart: string, field: string, position: number): CountBucket {
    const key = `${unitId}\u0000${grain}\u0000${periodStart}\u0000${field}`;
    let bucket = this.#buckets.get(key);
    if (bucket === undefined) {
      bucket = { receiving_unit_id: unitId, grain, period_start: periodStart, field, position, ...ZEROS };
      this.#buckets.set(key, bucket);
    }
    return bucket;
  }

  /**
   * Every bucket touched, even when its deltas cancel out (a span opened and dropped in one batch), so
   * the rows that exist never depend on how the events were batched.
   *
   * In key order, so concurrent partitions lock shared rows in the same order and never deadlock. */
  sorted(): CountBucket[] {
    return [...this.#buckets.entries()]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([, bucket]) => bucket);
  }
}
