import { sql } from "kysely";
import type { ReadModelDb } from "../database";
import type { Period } from "../period";
import { bucketWeight, ofUnits, selects } from "../report-06a/report06a";
import { prefixBuckets } from "../report-06a/table";
import { assertSchemaName } from "../schema-name";

/** What 2.1 and 2.2 need of one receiving unit, from the 06a's counts. */
export interface UnitProgress766 {
  readonly unitId: string;
  /** Finished in the period (resolved, withdrawn, stopped). */
  readonly finished: number;
  /** …of which late for Decision 766 (late, or asked for supplements more than once). */
  readonly finishedLate766: number;
  /** Received before the end of the period and pending at its end. */
  readonly pending: number;
  /** …of which late for Decision 766. */
  readonly pendingLate766: number;
  readonly resolutions: number;
  readonly resolutionWorkingMinutes: number;
}

/**
 * The progress figures of each unit of `unitIds` over a period, in one statement over `report_counts`
 * (the 06a's prefix sums: what happened in the period is C(to + 1) − C(from), what is pending at its end
 * is C(to + 1)), grouped by unit so a province's units are read at once.
 */
export async function progress766ByUnit(
  db: ReadModelDb,
  schema: string,
  unitIds: readonly string[],
  period: Period,
): Promise<UnitProgress766[]> {
  if (unitIds.length === 0) return [];
  const units = [...new Set(unitIds)];
  const atFrom = prefixBuckets(period.from);
  const atEnd = prefixBuckets(period.toExclusive);
  const rows = await db
    .withSchema(assertSchemaName(schema))
    .with("selected", (qb) =>
      qb
        .selectFrom("report_counts")
        .where(ofUnits(units))
        .where((eb) => eb.or([...atFrom, ...atEnd].map((b) => selects(eb, b))))
        .select((eb) => [
          "receiving_unit_id",
          "received_online",
          "received_direct",
          "received_postal",
          "finished_early",
          "finished_on_time",
          "finished_late",
          "finished_late_766",
          "resolutions",
          "resolution_working_minutes",
          "late766_starts",
          "late766_ends",
          bucketWeight(eb, atFrom).as("at_from"),
          bucketWeight(eb, atEnd).as("at_end"),
        ]),
    )
    .selectFrom("selected")
    .select([
      "receiving_unit_id",
      sql<string>`sum((finished_early + finished_on_time + finished_late) * (at_end - at_from))`.as(
        "finished",
      ),
      sql<string>`sum(finished_late_766 * (at_end - at_from))`.as("finished_late_766"),
      sql<string>`sum((received_online + received_direct + received_postal - finished_early - finished_on_time - finished_late) * at_end)`.as(
        "pending",
      ),
      sql<string>`sum((late766_starts - late766_ends) * at_end)`.as("pending_late_766"),
      sql<string>`sum(resolutions * (at_end - at_from))`.as("resolutions"),
      sql<string>`sum(resolution_working_minutes * (at_end - at_from))`.as("resolution_working_minutes"),
    ])
    .groupBy("receiving_unit_id")
    .execute();
  const n = (v: unknown) => (v === null || v === undefined ? 0 : Number(v));
  return rows.map((r) => ({
    unitId: String(r.receiving_unit_id),
    finished: n(r.finished),
    finishedLate766: n(r.finished_late_766),
    pending: n(r.pending),
    pendingLate766: n(r.pending_late_766),
    resolutions: n(r.resolutions),
    resolutionWorkingMinutes: n(r.resolution_working_minutes),
  }));
}
