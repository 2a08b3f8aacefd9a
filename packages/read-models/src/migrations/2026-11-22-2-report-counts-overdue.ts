import { type Kysely, sql } from "kysely";

/**
 * Pending-overdue counts from sums: each overdue span adds 1 to `overdue_starts` on its first day and 1
 * to `overdue_ends` on the day after its last, so the dossiers counting overdue at the end of day D are
 * Σ starts − Σ ends over the buckets up to D. A dekad grain, so a period's edges read few day buckets.
 * And an index by period, for province-wide reports that select a few buckets of every unit.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("report_counts")
    .addColumn("overdue_starts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("overdue_ends", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  // Dekads (`t`: days 1–10, 11–20, 21–end of a month) between days and months.
  await db.schema.alterTable("report_counts").dropConstraint("report_counts_grain_check").execute();
  await db.schema
    .alterTable("report_counts")
    .addCheckConstraint("report_counts_grain_check", sql`grain in ('d', 't', 'm', 'y')`)
    .execute();
  await db.schema
    .createIndex("report_counts_period")
    .on("report_counts")
    .columns(["grain", "period_start", "receiving_unit_id"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropIndex("report_counts_period").ifExists().execute();
  await db.deleteFrom("report_counts").where("grain", "=", "t").execute();
  await db.schema.alterTable("report_counts").dropConstraint("report_counts_grain_check").execute();
  await db.schema
    .alterTable("report_counts")
    .addCheckConstraint("report_counts_grain_check", sql`grain in ('d', 'm', 'y')`)
    .execute();
  await db.schema
    .alterTable("report_counts")
    .dropColumn("overdue_starts")
    .dropColumn("overdue_ends")
    .execute();
}
