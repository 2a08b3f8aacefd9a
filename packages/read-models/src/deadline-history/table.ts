import { int4, int8, pgTypesOf, type RowOf, type TableOf, text, timestamptz, uuid } from "../columns";

/** Every legal due moment the dossier has had and from when it held: lets a past report be rebuilt. */
export const deadlineColumns = {
  dossier_id: uuid(),
  seq: int4(),
  effective_at: timestamptz(),
  due_at: timestamptz().orNull(),
  cause: text<"received" | "supplement_received" | "fee_paid">("received"),
  position: int8(),
};

export type DeadlineRecord = RowOf<typeof deadlineColumns>;
export type DossierDeadlinesTable = TableOf<typeof deadlineColumns>;
export const DEADLINE_PG_TYPES = pgTypesOf(deadlineColumns);
