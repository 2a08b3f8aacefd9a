import {
  listUnits,
  putCalendar,
  putProcedure,
  putUnit,
  type ReferenceDatabase,
} from "@motcua/reference-data";
import type { Kysely } from "kysely";
import { DEMO_CALENDARS, DEMO_PROCEDURES, type DemoUnit, demoUnits } from "./demo-reference-data";

export interface SeedSummary {
  readonly seeded: boolean;
  readonly units: DemoUnit[];
}

/**
 * Loads the demo province's reference data into an empty database (no units yet). A database that
 * already has units is left alone: the demo never overwrites an admin's data. Parents come before their
 * children (districts before their communes).
 */
export async function seedDemoReferenceData(
  db: Kysely<ReferenceDatabase>,
  options: {
    provinceCode?: string;
    communes?: number;
    at?: string;
    /** two-level (default, after 1 July 2025) or three-level with synthetic districts. */
    structure?: "two-level" | "three-level";
  } = {},
): Promise<SeedSummary> {
  const units = demoUnits(options.provinceCode ?? "19", {
    ...(options.communes === undefined ? {} : { communes: options.communes }),
    structure: options.structure ?? "two-level",
  });
  if ((await listUnits(db)).length > 0) return { seeded: false, units };
  const at = options.at ?? new Date().toISOString();
  for (const unit of units) await putUnit(db, unit, "demo-seed", at);
  for (const { procedureId, ...definition } of DEMO_PROCEDURES)
    await putProcedure(db, procedureId, definition, "demo-seed", at);
  for (const calendar of DEMO_CALENDARS) await putCalendar(db, calendar, "demo-seed", at);
  return { seeded: true, units };
}
