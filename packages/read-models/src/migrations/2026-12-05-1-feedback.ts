import type { Kysely } from "kysely";

/** The feedback read model (phản ánh, kiến nghị): one row per feedback, no personal data. */
// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("feedback")
    .ifNotExists()
    .addColumn("feedback_id", "uuid", (c) => c.primaryKey())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("about_unit_id", "text")
    .addColumn("about_procedure_id", "text")
    .addColumn("about_dossier_code", "text")
    .addColumn("receiving_unit_id", "text", (c) => c.notNull())
    .addColumn("unit_id", "text", (c) => c.notNull())
    .addColumn("officer_id", "text")
    .addColumn("submitted_at", "timestamptz", (c) => c.notNull())
    .addColumn("due_at", "timestamptz", (c) => c.notNull())
    .addColumn("answered_at", "timestamptz")
    .addColumn("answer_timeliness", "text")
    .addColumn("published", "boolean", (c) => c.notNull())
    .addColumn("closed_at", "timestamptz")
    .addColumn("overdue", "boolean", (c) => c.notNull())
    .addColumn("overdue_unit_id", "text")
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("position", "bigint", (c) => c.notNull())
    .execute();
  // The worklist (a unit's feedback by due moment) and the summaries (a unit's feedback by period).
  await db.schema
    .createIndex("feedback_unit_due")
    .ifNotExists()
    .on("feedback")
    .columns(["unit_id", "due_at"])
    .execute();
  await db.schema
    .createIndex("feedback_receiving_submitted")
    .ifNotExists()
    .on("feedback")
    .columns(["receiving_unit_id", "submitted_at"])
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.dropTable("feedback").ifExists().execute();
}
