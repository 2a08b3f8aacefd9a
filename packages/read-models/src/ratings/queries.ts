import { RATING_CRITERION_IDS, type RatingCriterion, SATISFIED_FROM } from "@motcua/domain";
import { sql } from "kysely";
import type { ReadModelDb } from "../database";
import { parsePeriod } from "../period";
import { assertSchemaName } from "../schema-name";
import { scoreColumn } from "./evolve";

export interface RatingSummaryQuery {
  /** Receiving units, subunits already resolved by the caller (as for the 06a). */
  readonly unitIds: readonly string[];
  /** Local dates (Asia/Ho_Chi_Minh), both days included: ratings count on the day they were given. */
  readonly from: string;
  readonly to: string;
}

/** The citizens' ratings of a set of units over a period: what the 766 satisfaction group reads. */
export interface RatingSummary {
  readonly from: string;
  readonly to: string;
  /** Ratings given in the period (one per dossier). */
  readonly rated: number;
  /** Dossiers whose result was returned in the period: the ones that could be rated. */
  readonly returned: number;
  /** Of the ratings, those whose `overall` score is at least `SATISFIED_FROM` (4, "Hài lòng"). */
  readonly satisfied: number;
  /** satisfied / rated, 0..1; null when nothing was rated. */
  readonly satisfiedShare: number | null;
  /** The mean of each rating's mean score, 1..5, two decimals; null when nothing was rated. */
  readonly averageScore: number | null;
  /** Each criterion's mean over the ratings that scored it, two decimals; null when none did. */
  readonly averageByCriterion: Readonly<Record<RatingCriterion, number | null>>;
}

const round2 = (value: unknown) => (value === null ? null : Math.round(Number(value) * 100) / 100);

/**
 * `ratingSummary(db, schema, { unitIds, from, to })`: counts and means of the ratings of dossiers
 * received by `unitIds`, given in [from, to], and how many of their dossiers were returned meanwhile.
 * One statement, one snapshot.
 */
export async function ratingSummary(
  db: ReadModelDb,
  schema: string,
  query: RatingSummaryQuery,
): Promise<RatingSummary> {
  assertSchemaName(schema);
  const period = parsePeriod(query.from, query.to);
  const units = [...new Set(query.unitIds)];
  const averages = sql.join(
    RATING_CRITERION_IDS.map((id) => sql`avg(${sql.ref(`r.${scoreColumn(id)}`)}) as ${sql.ref(id)}`),
  );
  const { rows } = await sql<Record<string, unknown>>`
    with r as (
      select * from ${sql.table(`${schema}.dossier_ratings`)}
      where receiving_unit_id = any(${units}::text[])
        and rated_day >= ${period.from}::date and rated_day < ${period.toExclusive}::date
    )
    select count(*) as rated,
      count(*) filter (where r.score_overall >= ${SATISFIED_FROM}) as satisfied,
      avg(r.mean_score) as average_score,
      ${averages},
      (select count(*) from ${sql.table(`${schema}.dossiers`)} d
        where d.receiving_unit_id = any(${units}::text[])
          and d.returned_at >= ${period.start} and d.returned_at < ${period.endExclusive}) as returned
    from r`.execute(db);
  const row = rows[0] ?? {};
  const rated = Number(row.rated ?? 0);
  const satisfied = Number(row.satisfied ?? 0);
  return {
    from: period.from,
    to: period.to,
    rated,
    returned: Number(row.returned ?? 0),
    satisfied,
    satisfiedShare: rated === 0 ? null : satisfied / rated,
    averageScore: round2(row.average_score ?? null),
    averageByCriterion: Object.fromEntries(
      RATING_CRITERION_IDS.map((id) => [id, round2(row[id] ?? null)]),
    ) as Record<RatingCriterion, number | null>,
  };
}

/** Whether a dossier has been rated: the public page offers the form only until it is. */
export async function isDossierRated(db: ReadModelDb, schema: string, dossierId: string): Promise<boolean> {
  assertSchemaName(schema);
  const row = await db
    .withSchema(schema)
    .selectFrom("dossier_ratings")
    .select("dossier_id")
    .where("dossier_id", "=", dossierId)
    .executeTakeFirst();
  return row !== undefined;
}

/** Whether the dossier with this code (any case) has been rated: what the public page asks. */
export async function isRatedByCode(db: ReadModelDb, schema: string, code: string): Promise<boolean> {
  assertSchemaName(schema);
  const { rows } = await sql<{ rated: boolean }>`
    select exists (
      select 1 from ${sql.table(`${schema}.dossier_ratings`)} r
      join ${sql.table(`${schema}.dossiers`)} d using (dossier_id)
      where upper(d.code) = ${code.trim().toUpperCase()}
    ) as rated`.execute(db);
  return rows[0]?.rated === true;
}
