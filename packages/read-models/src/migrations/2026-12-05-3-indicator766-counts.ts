import { type Kysely, sql } from "kysely";

/**
 * The Decision 766 counts that the 06a's table does not hold (synchronisation, electronic results,
 * reuse of digitised data, fees and how they were paid), per receiving unit, procedure and month of
 * receipt. Filled from the log: a version migrated before it starts empty, so `pnpm projections:rebuild`
 * fills it for dossiers already projected.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function up(db: Kysely<any>): Promise<void> {
  const counts = [
    "received",
    "received_online",
    "received_digitized",
    "received_reused",
    "synced",
    "results",
    "e_results",
    "fee_requests",
    "fees_paid",
    "fees_paid_online",
    "fees_paid_national",
  ];
  let table = db.schema
    .createTable("indicator766_counts")
    .addColumn("receiving_unit_id", "text", (c) => c.notNull())
    .addColumn("procedure_id", "text", (c) => c.notNull())
    .addColumn("month", "date", (c) => c.notNull());
  for (const column of counts) table = table.addColumn(column, "integer", (c) => c.notNull().defaultTo(0));
  await table
    .addColumn("position", "bigint", (c) => c.notNull().defaultTo(0))
    .addPrimaryKeyConstraint("indicator766_counts_pkey", ["receiving_unit_id", "month", "procedure_id"])
    .addCheckConstraint("indicator766_counts_month_first_day", sql`extract(day from month) = 1`)
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("indicator766_counts").ifExists().execute();
}
