import { type Kysely, type Migration, sql } from "kysely";

/**
 * Leave room on each page so updates that change no indexed column (most report-count increments, many
 * dossier events) stay on their page as HOT updates, without touching any index. Storage parameters
 * need raw DDL, which the schema plugin does not qualify: this migration is told its schema.
 */
export function roomForHotUpdates(schema: string): Migration {
  const table = (name: string) => sql.table(`${schema}.${name}`);
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
    async up(db: Kysely<any>): Promise<void> {
      await sql`alter table ${table("report_counts")} set (fillfactor = 70)`.execute(db);
      await sql`alter table ${table("dossiers")} set (fillfactor = 80)`.execute(db);
      await sql`alter table ${table("process_steps")} set (fillfactor = 85)`.execute(db);
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
    async down(db: Kysely<any>): Promise<void> {
      for (const name of ["report_counts", "dossiers", "process_steps"]) {
        await sql`alter table ${table(name)} reset (fillfactor)`.execute(db);
      }
    },
  };
}
