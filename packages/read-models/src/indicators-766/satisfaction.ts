import { SATISFIED_FROM } from "@motcua/domain";
import { sql } from "kysely";
import type { ReadModelDb } from "../database";
import { feedbackSummary } from "../feedback/queries";
import type { Period } from "../period";
import { assertSchemaName } from "../schema-name";

/** What the satisfaction group reads of one unit: its feedback and its ratings in the period. */
export interface UnitSatisfaction766 {
  /** Feedback sent to the unit in the period. */
  feedbackReceived: number;
  /** Answered in the period, and of those late. */
  feedbackAnswered: number;
  feedbackAnsweredOnTime: number;
  feedbackAnsweredLate: number;
  /** Whose due moment fell in the period while still unanswered. */
  feedbackOverdue: number;
  /** Ratings given in the period to the unit's dossiers, and those rated satisfied (overall ≥ 4). */
  rated: number;
  satisfied: number;
}

export const noSatisfaction = (): UnitSatisfaction766 => ({
  feedbackReceived: 0,
  feedbackAnswered: 0,
  feedbackAnsweredOnTime: 0,
  feedbackAnsweredLate: 0,
  feedbackOverdue: 0,
  rated: 0,
  satisfied: 0,
});

/**
 * The feedback (the feedback read model's own summary, per unit) and the ratings of every unit of
 * `unitIds` over a period, in two statements.
 */
export async function satisfaction766ByUnit(
  db: ReadModelDb,
  schema: string,
  unitIds: readonly string[],
  period: Period,
  now: Date,
): Promise<Map<string, UnitSatisfaction766>> {
  const out = new Map<string, UnitSatisfaction766>();
  if (unitIds.length === 0) return out;
  const unit = (id: string) => {
    let u = out.get(id);
    if (u === undefined) {
      u = noSatisfaction();
      out.set(id, u);
    }
    return u;
  };
  const [feedback, ratings] = await Promise.all([
    feedbackSummary(db, schema, {
      unitIds,
      from: period.start.toISOString(),
      to: period.endExclusive.toISOString(),
      now: now.toISOString(),
    }),
    sql<{ unit_id: string; rated: string; satisfied: string }>`
      select receiving_unit_id as unit_id, count(*) as rated,
        count(*) filter (where score_overall >= ${SATISFIED_FROM}) as satisfied
      from ${sql.table(`${assertSchemaName(schema)}.dossier_ratings`)}
      where receiving_unit_id in (select unnest(${sql.val([...new Set(unitIds)])}::text[]))
        and rated_day >= ${period.from}::date and rated_day < ${period.toExclusive}::date
      group by receiving_unit_id`.execute(db),
  ]);
  for (const f of feedback.units) {
    const u = unit(f.unitId);
    u.feedbackReceived += f.received;
    u.feedbackAnswered += f.answered;
    u.feedbackAnsweredOnTime += f.answeredOnTime;
    u.feedbackAnsweredLate += f.answeredLate;
    u.feedbackOverdue += f.overdue;
  }
  for (const r of ratings.rows) {
    const u = unit(r.unit_id);
    u.rated += Number(r.rated);
    u.satisfied += Number(r.satisfied);
  }
  return out;
}
