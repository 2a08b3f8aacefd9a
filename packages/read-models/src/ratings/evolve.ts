import { meanScore, RATING_CRITERION_IDS, type RatingCriterion } from "@motcua/domain";
import { dayOf } from "../local-time";
import type { DossierChange } from "../worklist/evolve";
import type { RatingRecord } from "./table";

/** The rating a batch adds for one dossier (a dossier is rated at most once). */
export interface DossierRating {
  added: RatingRecord | null;
}

export const dossierRatingOf = (): DossierRating => ({ added: null });

/** The column of a criterion's score. */
export const scoreColumn = (criterion: RatingCriterion) => `score_${criterion}` as const;

/** A rating adds the dossier's row, with where it was handled as of its return. */
export function evolveRatings(rating: DossierRating, { after, event, at, position }: DossierChange): void {
  if (event.type !== "DossierRated") return;
  const scores = event.data.scores as Partial<Record<RatingCriterion, number>>;
  const row = {
    dossier_id: after.dossier_id,
    procedure_id: after.procedure_id,
    procedure_code: after.procedure_code,
    field: after.field,
    receiving_unit_id: after.receiving_unit_id,
    holding_unit_id: after.current_unit_id,
    channel: after.channel,
    returned_at: after.returned_at,
    rated_at: at,
    rated_day: dayOf(at),
    mean_score: meanScore(scores),
    position,
  } as Record<string, unknown>;
  for (const id of RATING_CRITERION_IDS) row[scoreColumn(id)] = scores[id] ?? null;
  rating.added = row as unknown as RatingRecord;
}
