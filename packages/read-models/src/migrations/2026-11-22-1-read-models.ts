import { type Kysely, sql } from "kysely";

/**
 * The first read-model tables. Runs on a `Kysely<any>` already bound to the version's schema
 * (`db.withSchema("rm_vN")`), so every table and index lands there. Never imports app types: a
 * migration must keep meaning what it meant the day it was written.
 */
// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema
    .createTable("dossiers")
    .addColumn("dossier_id", "uuid", (c) => c.primaryKey())
    .addColumn("code", "text", (c) => c.unique())
    .addColumn("procedure_id", "text", (c) => c.notNull())
    .addColumn("procedure_version", "integer", (c) => c.notNull())
    .addColumn("procedure_code", "text", (c) => c.notNull())
    .addColumn("field", "text", (c) => c.notNull())
    .addColumn("time_limit_value", "double precision", (c) => c.notNull())
    .addColumn("time_limit_unit", "text", (c) => c.notNull())
    .addColumn("supplement_policy", "text", (c) => c.notNull())
    .addColumn("status", "text", (c) => c.notNull())
    .addColumn("receiving_unit_id", "text", (c) => c.notNull())
    .addColumn("current_unit_id", "text", (c) => c.notNull())
    .addColumn("units_held", sql`text[]`, (c) => c.notNull())
    .addColumn("channel", "text")
    .addColumn("submitted_at", "timestamptz")
    .addColumn("received_at", "timestamptz")
    .addColumn("received_day", "date")
    .addColumn("clock_starts_at", "timestamptz")
    .addColumn("due_at", "timestamptz")
    .addColumn("promised_at", "timestamptz")
    .addColumn("apologies", "integer", (c) => c.notNull())
    .addColumn("paused_at", "timestamptz")
    .addColumn("supplement_respond_by", "timestamptz")
    .addColumn("supplement_requests", "integer", (c) => c.notNull())
    .addColumn("paused_working_minutes", "double precision", (c) => c.notNull())
    .addColumn("resolved_at", "timestamptz")
    .addColumn("outcome", "text")
    .addColumn("timeliness", "text")
    .addColumn("returned_at", "timestamptz")
    .addColumn("return_method", "text")
    .addColumn("closed_at", "timestamptz")
    .addColumn("finished_at", "timestamptz")
    .addColumn("finished_day", "date")
    .addColumn("finish_class", "text")
    .addColumn("late_for_766", "boolean")
    .addColumn("elapsed_working_minutes", "integer")
    .addColumn("overdue", "boolean", (c) => c.notNull())
    .addColumn("overdue_recorded_for", "timestamptz")
    .addColumn("overdue_holding_unit_id", "text")
    .addColumn("ever_overdue", "boolean", (c) => c.notNull())
    .addColumn("documents_total", "integer", (c) => c.notNull())
    .addColumn("documents_digitized", "integer", (c) => c.notNull())
    .addColumn("step_seq", "integer", (c) => c.notNull())
    .addColumn("deadline_seq", "integer", (c) => c.notNull())
    .addColumn("pause_seq", "integer", (c) => c.notNull())
    .addColumn("overdue_span_from", "date")
    .addColumn("revision", "integer", (c) => c.notNull())
    .addColumn("position", "bigint", (c) => c.notNull())
    .execute();
  // Worklists: by current holder in due order, by any unit that held it, and the global overdue list.
  await db.schema
    .createIndex("dossiers_current_unit_due")
    .on("dossiers")
    .columns(["current_unit_id", "due_at", "dossier_id"])
    .execute();
  await db.schema.createIndex("dossiers_due").on("dossiers").columns(["due_at", "dossier_id"]).execute();
  await db.schema
    .createIndex("dossiers_units_held")
    .on("dossiers")
    .using("gin")
    .column("units_held")
    .execute();
  await db.schema
    .createIndex("dossiers_overdue")
    .on("dossiers")
    .columns(["due_at", "dossier_id"])
    .where(sql.ref("overdue"), "=", true)
    .execute();
  await db.schema
    .createIndex("dossiers_receiving_unit_day")
    .on("dossiers")
    .columns(["receiving_unit_id", "received_day"])
    .execute();

  await db.schema
    .createTable("process_steps")
    .addColumn("dossier_id", "uuid", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("unit_id", "text", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("step", "text")
    .addColumn("reason", "text")
    .addColumn("from_at", "timestamptz", (c) => c.notNull())
    .addColumn("to_at", "timestamptz")
    .addColumn("ended_by", "text")
    .addColumn("due_at", "timestamptz")
    .addColumn("step_due_at", "timestamptz")
    .addColumn("overdue_recorded", "boolean", (c) => c.notNull())
    .addColumn("late", "boolean", (c) => c.notNull())
    .addColumn("position", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("process_steps_pk", ["dossier_id", "seq"])
    .execute();
  await db.schema
    .createIndex("process_steps_unit_from")
    .on("process_steps")
    .columns(["unit_id", "from_at"])
    .execute();

  await db.schema
    .createTable("dossier_deadlines")
    .addColumn("dossier_id", "uuid", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("effective_at", "timestamptz", (c) => c.notNull())
    .addColumn("due_at", "timestamptz")
    .addColumn("cause", "text", (c) => c.notNull())
    .addColumn("position", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("dossier_deadlines_pk", ["dossier_id", "seq"])
    .execute();

  await db.schema
    .createTable("dossier_pauses")
    .addColumn("dossier_id", "uuid", (c) => c.notNull())
    .addColumn("seq", "integer", (c) => c.notNull())
    .addColumn("kind", "text", (c) => c.notNull())
    .addColumn("paused_at", "timestamptz", (c) => c.notNull())
    .addColumn("ended_at", "timestamptz")
    .addColumn("ended_by", "text")
    .addColumn("paused_working_minutes", "double precision")
    .addColumn("position", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("dossier_pauses_pk", ["dossier_id", "seq"])
    .execute();

  await db.schema
    .createTable("overdue_spans")
    .addColumn("dossier_id", "uuid", (c) => c.notNull())
    .addColumn("from_day", "date", (c) => c.notNull())
    .addColumn("to_day", "date")
    .addColumn("days", sql`daterange`, (c) =>
      c.notNull().generatedAlwaysAs(sql`daterange(from_day, to_day, '[]')`).stored(),
    )
    .addColumn("receiving_unit_id", "text", (c) => c.notNull())
    .addColumn("field", "text", (c) => c.notNull())
    .addColumn("position", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("overdue_spans_pk", ["dossier_id", "from_day"])
    .execute();
  await db.schema
    .createIndex("overdue_spans_days")
    .on("overdue_spans")
    .using("gist")
    .column("days")
    .execute();
  await db.schema
    .createIndex("overdue_spans_unit_from")
    .on("overdue_spans")
    .columns(["receiving_unit_id", "from_day"])
    .execute();

  await db.schema
    .createTable("report_counts")
    .addColumn("receiving_unit_id", "text", (c) => c.notNull())
    .addColumn("grain", "text", (c) => c.notNull().check(sql`grain in ('d', 'm', 'y')`))
    .addColumn("period_start", "date", (c) => c.notNull())
    .addColumn("field", "text", (c) => c.notNull())
    .addColumn("received_online", "integer", (c) => c.notNull())
    .addColumn("received_direct", "integer", (c) => c.notNull())
    .addColumn("received_postal", "integer", (c) => c.notNull())
    .addColumn("received_digitized", "integer", (c) => c.notNull())
    .addColumn("finished_early", "integer", (c) => c.notNull())
    .addColumn("finished_on_time", "integer", (c) => c.notNull())
    .addColumn("finished_late", "integer", (c) => c.notNull())
    .addColumn("finished_late_766", "integer", (c) => c.notNull())
    .addColumn("resolutions", "integer", (c) => c.notNull())
    .addColumn("resolution_working_minutes", "bigint", (c) => c.notNull())
    .addColumn("position", "bigint", (c) => c.notNull())
    .addPrimaryKeyConstraint("report_counts_pk", ["receiving_unit_id", "grain", "period_start", "field"])
    .execute();

  await db.schema
    .createTable("checkpoints")
    .addColumn("partition", "integer", (c) => c.primaryKey().check(sql`partition >= 0`))
    .addColumn("position", "bigint", (c) => c.notNull())
    .addColumn("updated_at", "timestamptz", (c) => c.notNull().defaultTo(sql`now()`))
    .execute();

  await db.schema
    .createTable("projection_settings")
    .addColumn("id", "integer", (c) => c.primaryKey().defaultTo(1).check(sql`id = 1`))
    .addColumn("partitions", "integer", (c) => c.notNull().check(sql`partitions > 0`))
    .execute();
}

// biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
export async function down(db: Kysely<any>): Promise<void> {
  for (const table of [
    "projection_settings",
    "checkpoints",
    "report_counts",
    "overdue_spans",
    "dossier_pauses",
    "dossier_deadlines",
    "process_steps",
    "dossiers",
  ]) {
    await db.schema.dropTable(table).ifExists().execute();
  }
}
