import type { FeedbackStatus } from "@motcua/domain";
import {
  bool,
  emptyRowOf,
  int4,
  int8,
  pgTypesOf,
  type RowOf,
  type TableOf,
  text,
  timestamptz,
  uuid,
} from "../columns";

/**
 * `feedback`: one row per feedback (phản ánh, kiến nghị): what the officers' worklist, the board and the
 * 766 satisfaction group read. Never the sender's words, their contact, the answer or the tracking code:
 * those stay sealed in the event store, read by the feedback's own pages only.
 */
export const feedbackColumns = {
  feedback_id: uuid(),
  status: text<Exclude<FeedbackStatus, "none">>("received"),
  /** What the sender named (null where they named nothing). */
  about_unit_id: text().orNull(),
  about_procedure_id: text().orNull(),
  about_dossier_code: text().orNull(),
  /** The unit it was received for: it counts there in every summary, wherever it is assigned. */
  receiving_unit_id: text(),
  /** The unit handling it now. */
  unit_id: text(),
  officer_id: text().orNull(),
  submitted_at: timestamptz(),
  due_at: timestamptz(),
  answered_at: timestamptz().orNull(),
  /** As fixed by `FeedbackAnswered`: on_time or late. */
  answer_timeliness: text().orNull(),
  published: bool(),
  closed_at: timestamptz().orNull(),
  /** An overdue event was recorded (it stays true once answered late). */
  overdue: bool(),
  overdue_unit_id: text().orNull(),
  /** The feedback stream's revision this row reflects. */
  revision: int4(),
  /** The global position of the last event applied to this row. */
  position: int8(),
};

export type FeedbackRecord = RowOf<typeof feedbackColumns>;
export type FeedbackTable = TableOf<typeof feedbackColumns>;
export const FEEDBACK_PG_TYPES = pgTypesOf(feedbackColumns);
const EMPTY = emptyRowOf(feedbackColumns);
export const emptyFeedback = (feedbackId: string): FeedbackRecord => ({ ...EMPTY, feedback_id: feedbackId });
