import type { ColumnType, Generated, Selectable } from "kysely";

/** Tables in the `ref` schema. Reference data is edited by admins; every change leaves a row in `changes`. */
export interface UnitsTable {
  unit_id: string;
  code: string;
  name: string;
  level: string;
  parent_id: string | null;
  valid_from: string | null;
  valid_to: string | null;
  successor_id: string | null;
  office_hours: ColumnType<unknown, string | null, string | null> | null;
  updated_at: ColumnType<Date, string, string>;
}

export interface ProcedureVersionsTable {
  procedure_id: string;
  version: number;
  definition: ColumnType<unknown, string, never>;
  created_at: ColumnType<Date, string, never>;
}

export interface CalendarsTable {
  year: number;
  definition: ColumnType<unknown, string, string>;
  updated_at: ColumnType<Date, string, string>;
}

export interface DossierCodeSequencesTable {
  unit_id: string;
  day: string;
  last: number;
}

export interface ChangesTable {
  change_id: Generated<number>;
  at: ColumnType<Date, string, never>;
  actor_id: string;
  kind: "unit" | "procedure" | "calendar";
  key: string;
  before: ColumnType<unknown, string | null, never> | null;
  after: ColumnType<unknown, string, never>;
}

export interface ReferenceDatabase {
  "ref.units": UnitsTable;
  "ref.procedure_versions": ProcedureVersionsTable;
  "ref.calendars": CalendarsTable;
  "ref.dossier_code_sequences": DossierCodeSequencesTable;
  "ref.changes": ChangesTable;
}

export type UnitRow = Selectable<UnitsTable>;
