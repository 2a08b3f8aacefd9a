import type { Kysely } from "kysely";

/**
 * `dossier_ratings`: the citizens' ratings of returned dossiers, one row each, scores per criterion and
 * where the dossier was handled; no rater, no comment. Ratings before this migration are added by a
 * rebuild (`pnpm projections:rebuild`).
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function up(db: Kysely<any>): Promise<void> {
  let table = db.schema
    .createTable("dossier_ratings")
    .ifNotExists()
    .addColumn("dossier_id", "uuid", (c) => c.primaryKey())
    .addColumn("procedure_id", "text", (c) => c.notNull())
    .addColumn("procedure_code", "text", (c) => c.notNull())
    .addColumn("field", "text", (c) => c.notNull())
    .addColumn("receiving_unit_id", "text", (c) => c.notNull())
    .addColumn("holding_unit_id", "text", (c) => c.notNull())
    .addColumn("channel", "text")
    .addColumn("returned_at", "timestamptz")
    .addColumn("rated_at", "timestamptz", (c) => c.notNull())
    .addColumn("rated_day", "date", (c) => c.notNull());
  // The criteria as they were the day this was written (a migration never reads app types).
  for (const id of [
    "overall",
    "convenience",
    "punctuality",
    "staff_conduct",
    "total_time",
    "agency_time",
    "contact_rounds",
    "agencies_contacted",
    "one_stop",
    "disclosure",
  ]) {
    table = table.addColumn(`score_${id}`, "integer", (c) => c.notNull());
  }
  await table
    .addColumn("score_feedback_handling", "integer")
    .addColumn("score_online_service", "integer")
    .addColumn("mean_score", "double precision", (c) => c.notNull())
    .addColumn("position", "bigint", (c) => c.notNull())
    .execute();
  await db.schema
    .createIndex("dossier_ratings_unit_day")
    .ifNotExists()
    .on("dossier_ratings")
    .columns(["receiving_unit_id", "rated_day"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("dossier_ratings").ifExists().execute();
}
