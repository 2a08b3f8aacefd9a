import { bool, int4, int8, pgTypesOf, type RowOf, type TableOf, text, timestamptz, uuid } from "../columns";

/** The process-control slip (phiếu kiểm soát): one row per holding of the dossier by a unit. */
export const processStepColumns = {
  dossier_id: uuid(),
  seq: int4(),
  unit_id: text(),
  kind: text<"received" | "forwarded" | "transferred">("received"),
  step: text().orNull(),
  reason: text().orNull(),
  from_at: timestamptz(),
  to_at: timestamptz().orNull(),
  ended_by: text().orNull(),
  /** The overall legal due moment while the unit held the dossier (moved only by supplements and fees). */
  due_at: timestamptz().orNull(),
  step_due_at: timestamptz().orNull(),
  /** An overdue event named this unit while it held the dossier. */
  overdue_recorded: bool(),
  /** The unit held the dossier past its due moment, or an overdue event named it. */
  late: bool(),
  position: int8(),
};

export type StepRecord = RowOf<typeof processStepColumns>;
export type ProcessStepsTable = TableOf<typeof processStepColumns>;
export const PROCESS_STEP_PG_TYPES = pgTypesOf(processStepColumns);
