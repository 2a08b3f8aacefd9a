import {
  float8,
  int4,
  int8,
  localDate,
  pgTypesOf,
  type RowOf,
  type TableOf,
  text,
  timestamptz,
  uuid,
} from "../columns";

/**
 * `dossier_ratings`: one row per rated dossier, what the satisfaction indicators read. Scores and where
 * the dossier was handled only: never the rater, never the comment (free text, kept sealed in the log).
 * One column per criterion of `RATING_CRITERIA` (`score_<id>`), null for an optional criterion left out.
 */
export const ratingColumns = {
  dossier_id: uuid(),
  procedure_id: text(),
  procedure_code: text(),
  field: text(),
  /** The unit the dossier counts under in every report. */
  receiving_unit_id: text(),
  /** The unit holding the dossier when its result was returned. */
  holding_unit_id: text(),
  channel: text().orNull(),
  returned_at: timestamptz().orNull(),
  rated_at: timestamptz(),
  /** The local day of the rating (Asia/Ho_Chi_Minh): what periods count by. */
  rated_day: localDate(),
  score_overall: int4(),
  score_convenience: int4(),
  score_punctuality: int4(),
  score_staff_conduct: int4(),
  score_total_time: int4(),
  score_agency_time: int4(),
  score_contact_rounds: int4(),
  score_agencies_contacted: int4(),
  score_one_stop: int4(),
  score_disclosure: int4(),
  score_feedback_handling: int4().orNull(),
  score_online_service: int4().orNull(),
  /** The mean of the scores given, two decimals. */
  mean_score: float8(),
  position: int8(),
};

export type RatingRecord = RowOf<typeof ratingColumns>;
export type DossierRatingsTable = TableOf<typeof ratingColumns>;
export const RATING_PG_TYPES = pgTypesOf(ratingColumns);
