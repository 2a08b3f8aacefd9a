import {
  type CalendarYear,
  CalendarYearSchema,
  computeDueAt,
  createWorkSchedule,
  DEFAULT_OFFICE_HOURS,
  formatInstant,
  isDueAtProvisional,
  type OfficeHours,
  OfficeHoursSchema,
} from "@motcua/domain";
import { api } from "../api";
import type { ProcedureInfo, UnitInfo } from "../reference";

export interface DuePreview {
  readonly dueAt: string | null;
  readonly provisional: boolean;
}

/** This year's and the next two years' calendars as the API counts them (a year without a notice: statutory). */
export async function loadCalendars(now: Date): Promise<{ years: CalendarYear[]; withNotice: Set<number> }> {
  const first = now.getUTCFullYear();
  const answers = await Promise.all(
    [first, first + 1, first + 2].map((year) => api.GET("/calendars/{year}", { params: { path: { year } } })),
  );
  const years: CalendarYear[] = [];
  const withNotice = new Set<number>();
  for (const answer of answers) {
    const body = answer.data as { hasNotice?: boolean; year?: number } | undefined;
    if (!body) continue;
    const { hasNotice, known: _known, note: _note, ...fields } = body as Record<string, unknown>;
    const parsed = CalendarYearSchema.safeParse(fields);
    if (!parsed.success) continue;
    years.push(parsed.data);
    if (hasNotice === true) withNotice.add(parsed.data.year);
  }
  return { years, withNotice };
}

/**
 * The due moment a receipt made now would get, computed by the domain's own `computeDueAt` on the
 * calendars and office hours the API uses — the officer sees it before submitting; the API's answer,
 * computed the same way at the moment of receipt, is what the dossier keeps.
 */
export function previewDueAt(
  calendars: { years: CalendarYear[]; withNotice: Set<number> },
  unit: UnitInfo,
  procedure: ProcedureInfo,
  now: Date,
): DuePreview {
  const officeHours = OfficeHoursSchema.safeParse(unit.officeHours);
  const schedule = createWorkSchedule(
    calendars.years,
    officeHours.success ? (officeHours.data as OfficeHours) : DEFAULT_OFFICE_HOURS,
  );
  const deadline = computeDueAt(
    schedule,
    {
      timeLimit: procedure.timeLimit as Parameters<typeof computeDueAt>[1]["timeLimit"],
      ...(procedure.sameDayCutoff ? { sameDayCutoff: procedure.sameDayCutoff } : {}),
    },
    now.getTime(),
  );
  const dueAt = deadline.dueAt === null ? null : formatInstant(deadline.dueAt);
  return { dueAt, provisional: isDueAtProvisional(calendars.withNotice, dueAt) };
}
