import {
  getCalendar,
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
  /** Official calendar years loaded into a database seeded earlier (missing, or the old demo guess). */
  readonly calendarsUpdated: number[];
}

/** How the demo seed once marked its own reading of 2026, before the official notices were in the domain. */
const OLD_DEMO_CALENDAR_NOTICE = /^Demo calendar for \d{4}/;

/**
 * A database seeded before the official calendars shipped lacks some years, or holds the demo's unchecked
 * guess for 2026 (wrong on 2 January, 31 August and the swapped Saturdays): both get the official year.
 * A calendar an admin entered is never touched.
 */
async function updateOfficialCalendars(db: Kysely<ReferenceDatabase>, at: string): Promise<number[]> {
  const updated: number[] = [];
  for (const calendar of DEMO_CALENDARS) {
    const current = await getCalendar(db, calendar.year);
    if (current && !OLD_DEMO_CALENDAR_NOTICE.test(current.notice ?? "")) continue;
    await putCalendar(db, calendar, "demo-seed", at);
    updated.push(calendar.year);
  }
  return updated;
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
  const at = options.at ?? new Date().toISOString();
  if ((await listUnits(db)).length > 0)
    return { seeded: false, units, calendarsUpdated: await updateOfficialCalendars(db, at) };
  for (const unit of units) await putUnit(db, unit, "demo-seed", at);
  for (const { procedureId, ...definition } of DEMO_PROCEDURES)
    await putProcedure(db, procedureId, definition, "demo-seed", at);
  for (const calendar of DEMO_CALENDARS) await putCalendar(db, calendar, "demo-seed", at);
  return { seeded: true, units, calendarsUpdated: [] };
}
