import { float8, int4, int8, pgTypesOf, type RowOf, type TableOf, text, timestamptz, uuid } from "../columns";

/** Clock stops: supplement requests and fee requests, until resumed or until the dossier was closed. */
export const pauseColumns = {
  dossier_id: uuid(),
  seq: int4(),
  kind: text<"supplement" | "fee">("supplement"),
  paused_at: timestamptz(),
  ended_at: timestamptz().orNull(),
  ended_by: text().orNull(),
  paused_working_minutes: float8().orNull(),
  position: int8(),
};

export type PauseRecord = RowOf<typeof pauseColumns>;
export type DossierPausesTable = TableOf<typeof pauseColumns>;
export const PAUSE_PG_TYPES = pgTypesOf(pauseColumns);
