import { sql } from "kysely";
import type { ReadModelDatabase, ReadModelDb } from "./database";
import { assertSchemaName } from "./schema-name";

/** The content tables and the key that orders their rows. Checkpoints and settings describe the feeding, not the content, and are left out. */
const CONTENT_TABLES = {
  dossiers: ["dossier_id"],
  process_steps: ["dossier_id", "seq"],
  dossier_deadlines: ["dossier_id", "seq"],
  dossier_pauses: ["dossier_id", "seq"],
  overdue_spans: ["dossier_id", "from_day"],
  report_counts: ["receiving_unit_id", "grain", "period_start", "field"],
  feedback: ["feedback_id"],
  dossier_ratings: ["dossier_id"],
  indicator766_counts: ["receiving_unit_id", "month", "procedure_id"],
} as const satisfies Partial<Record<keyof ReadModelDatabase, readonly string[]>>;

export type ContentTable = keyof typeof CONTENT_TABLES;

export interface TableChecksum {
  readonly rows: number;
  /** md5 of every row's text, in key order. */
  readonly md5: string;
}

/**
 * A checksum of every read-model table of a version: two versions projected from the same log must
 * match table for table, however they were batched or partitioned. Pass a Kysely instance, not a
 * transaction: it runs in its own transaction to fix the time zone rows are written in.
 */
export async function tableChecksums(
  db: ReadModelDb,
  schema: string,
): Promise<Record<ContentTable, TableChecksum>> {
  assertSchemaName(schema);
  return db.transaction().execute(async (trx) => {
    await sql`set local time zone 'UTC'`.execute(trx);
    const out = {} as Record<ContentTable, TableChecksum>;
    for (const [table, keys] of Object.entries(CONTENT_TABLES) as [ContentTable, readonly string[]][]) {
      const order = sql.join(keys.map((k) => sql.ref(`t.${k}`)));
      const { rows } = await sql<{ rows: string; md5: string }>`
        select count(*) as rows, md5(coalesce(string_agg(t::text, E'\n' order by ${order}), '')) as md5
        from ${sql.table(`${schema}.${table}`)} as t`.execute(trx);
      const row = rows[0] as { rows: string; md5: string };
      out[table] = { rows: Number(row.rows), md5: row.md5 };
    }
    return out;
  });
}
