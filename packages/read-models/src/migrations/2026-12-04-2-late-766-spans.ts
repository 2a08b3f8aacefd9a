import { type Kysely, sql } from "kysely";

/**
 * Decision 766 counts a pending dossier late when it counts overdue or was asked for supplements more
 * than once: counts of such spans beside the overdue ones, and each dossier's open span. Rows projected
 * before this migration carry their overdue spans over as 766 spans (what the indicator counted until
 * now); a rebuild (`pnpm projections:rebuild`) adds the open dossiers asked more than once.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .alterTable("report_counts")
    .addColumn("late766_starts", "integer", (c) => c.notNull().defaultTo(0))
    .addColumn("late766_ends", "integer", (c) => c.notNull().defaultTo(0))
    .execute();
  await db.schema.alterTable("dossiers").addColumn("late766_span_from", "date").execute();
  await db
    .updateTable("report_counts")
    .set({ late766_starts: sql`overdue_starts`, late766_ends: sql`overdue_ends` })
    .where(sql<boolean>`overdue_starts <> 0 or overdue_ends <> 0`)
    .execute();
  await db
    .updateTable("dossiers")
    .set({ late766_span_from: sql`overdue_span_from` })
    .where("overdue_span_from", "is not", null)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable("dossiers").dropColumn("late766_span_from").execute();
  await db.schema
    .alterTable("report_counts")
    .dropColumn("late766_starts")
    .dropColumn("late766_ends")
    .execute();
}
