import { type Kysely, type Migration, sql } from "kysely";

/**
 * Dossier codes are looked up case-insensitively (an inspector types the code off a paper slip; a QR
 * reader may lower-case it): an index on upper(code) keeps that lookup an index probe. Expression
 * indexes need raw DDL, which the schema plugin does not qualify: this migration is told its schema.
 */
export function codeLookup(schema: string): Migration {
  return {
    // biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
    async up(db: Kysely<any>): Promise<void> {
      await sql`create index if not exists dossiers_code_upper on ${sql.table(`${schema}.dossiers`)} (upper(code))`.execute(
        db,
      );
    },
    // biome-ignore lint/suspicious/noExplicitAny: migrations run on an untyped Kysely, never on app types.
    async down(db: Kysely<any>): Promise<void> {
      await sql`drop index if exists ${sql.table(`${schema}.dossiers_code_upper`)}`.execute(db);
    },
  };
}
