import { z } from "zod";
import {
  type DayNumber,
  dayToLocalDate,
  formatClockMinutes,
  isValidLocalDate,
  localDateToDay,
  MS_PER_DAY,
  parseClockTime,
  VIETNAM_UTC_OFFSET_MINUTES,
  weekdayOf,
} from "../time/local-time";

export const LocalDateSchema = z
  .string()
  .refine(isValidLocalDate, { message: "must be a calendar date written YYYY-MM-DD" });

export const ClockTimeSchema = z
  .string()
  .regex(/^([01]\d|2[0-3]):[0-5]\d$/, { message: "must be a clock time written HH:MM (00:00–23:59)" });

const isWeekend = (date: string) => {
  const wd = weekdayOf(localDateToDay(date));
  return wd === 0 || wd === 6;
};

/**
 * One year of the civil-service calendar, as the year's official notice gives it. Holidays and
 * compensatory days are weekdays off; working days are weekend days worked by swap.
 */
export const CalendarYearSchema = z
  .object({
    year: z.number().int().min(1975).max(2200),
    holidays: z.array(LocalDateSchema).default([]),
    compensatoryDays: z.array(LocalDateSchema).default([]),
    workingDays: z.array(LocalDateSchema).default([]),
    notice: z.string().trim().min(1).max(300).optional(),
  })
  .strict()
  .superRefine((cal, ctx) => {
    const seen = new Map<string, string>();
    const check = (list: "holidays" | "compensatoryDays" | "workingDays") => {
      cal[list].forEach((date, index) => {
        if (!isValidLocalDate(date)) return;
        const path = [list, index];
        if (Number(date.slice(0, 4)) !== cal.year) {
          ctx.addIssue({ code: "custom", path, message: `${date} is not in ${cal.year}` });
        }
        const earlier = seen.get(date);
        if (earlier !== undefined) {
          ctx.addIssue({
            code: "custom",
            path,
            message:
              earlier === list
                ? `${date} is listed twice`
                : `${date} is listed both in ${earlier} and in ${list}; a day is either off or worked`,
          });
        }
        seen.set(date, list);
        const weekend = isWeekend(date);
        if (list === "workingDays" && !weekend) {
          ctx.addIssue({
            code: "custom",
            path,
            message: `${date} is a weekday; working days list only weekend days worked by swap`,
          });
        }
        if (list !== "workingDays" && weekend) {
          ctx.addIssue({
            code: "custom",
            path,
            message: `${date} is a weekend day; list the compensatory weekday off instead`,
          });
        }
      });
    };
    check("holidays");
    check("compensatoryDays");
    check("workingDays");
  });
export type CalendarYear = z.output<typeof CalendarYearSchema>;
export type CalendarYearInput = z.input<typeof CalendarYearSchema>;

export const OfficeHoursSchema = z
  .object({
    periods: z
      .array(z.object({ start: ClockTimeSchema, end: ClockTimeSchema }).strict())
      .min(1, { message: "at least one office period is needed" })
      .max(6),
  })
  .strict()
  .superRefine((hours, ctx) => {
    let previousEnd = -1;
    hours.periods.forEach((p, index) => {
      if (!/^\d\d:\d\d$/.test(p.start) || !/^\d\d:\d\d$/.test(p.end)) return;
      const start = parseClockTime(p.start);
      const end = parseClockTime(p.end);
      if (end <= start) {
        ctx.addIssue({ code: "custom", path: ["periods", index, "end"], message: "must be after start" });
      }
      if (start < previousEnd) {
        ctx.addIssue({
          code: "custom",
          path: ["periods", index, "start"],
          message: "periods must be in order and must not overlap",
        });
      }
      previousEnd = end;
    });
  });
export type OfficeHours = z.output<typeof OfficeHoursSchema>;

/** Decree-standard office hours: 07:30–11:30 and 13:00–17:00, eight working hours a day. */
export const DEFAULT_OFFICE_HOURS: OfficeHours = {
  periods: [
    { start: "07:30", end: "11:30" },
    { start: "13:00", end: "17:00" },
  ],
};

/** The calendar and office hours that working time is counted on, compiled for arithmetic. */
export interface WorkSchedule {
  readonly utcOffsetMinutes: number;
  /** Office periods as [start, end) milliseconds since local midnight, in order. */
  readonly periods: readonly { readonly startMs: number; readonly endMs: number }[];
  /** Working milliseconds in one working day (8 hours by default). */
  readonly dayMs: number;
  readonly offDays: ReadonlySet<DayNumber>;
  readonly swappedWorkingDays: ReadonlySet<DayNumber>;
  readonly years: ReadonlyMap<number, CalendarYear>;
}

export function createWorkSchedule(
  years: readonly CalendarYear[],
  officeHours: OfficeHours = DEFAULT_OFFICE_HOURS,
  utcOffsetMinutes = VIETNAM_UTC_OFFSET_MINUTES,
): WorkSchedule {
  const offDays = new Set<DayNumber>();
  const swappedWorkingDays = new Set<DayNumber>();
  const byYear = new Map<number, CalendarYear>();
  for (const year of years) {
    byYear.set(year.year, year);
    for (const d of [...year.holidays, ...year.compensatoryDays]) offDays.add(localDateToDay(d));
    for (const d of year.workingDays) swappedWorkingDays.add(localDateToDay(d));
  }
  const periods = officeHours.periods.map((p) => ({
    startMs: parseClockTime(p.start) * 60_000,
    endMs: parseClockTime(p.end) * 60_000,
  }));
  const dayMs = periods.reduce((sum, p) => sum + (p.endMs - p.startMs), 0);
  return { utcOffsetMinutes, periods, dayMs, offDays, swappedWorkingDays, years: byYear };
}

/**
 * The holidays the Labour Code 2019 (art. 112) fixes by the solar calendar: New Year's Day, Reunification
 * Day, International Labour Day and National Day. Tết and Hùng Kings follow the lunar calendar, and the
 * second National Day day (before or after 2 September) is chosen each year, so only a notice gives them.
 */
export const FIXED_SOLAR_HOLIDAYS = ["01-01", "04-30", "05-01", "09-02"] as const;

const statutoryYears = new Map<number, CalendarYear>();

/**
 * What the law alone makes of a year whose notice is not loaded: the fixed solar holidays, and for each
 * one that falls on a weekend a compensatory day on the next working day (art. 112(3)) — the next weekday
 * that is neither a holiday nor already compensating another (30 April on a Sunday and 1 May on Monday:
 * Tuesday 2 May). Lunar holidays and swaps are unknown until the notice, so a deadline counted on this
 * calendar is provisional.
 */
export function statutoryCalendarYear(year: number): CalendarYear {
  const known = statutoryYears.get(year);
  if (known) return known;
  const fixed = FIXED_SOLAR_HOLIDAYS.map((monthDay) => localDateToDay(`${year}-${monthDay}`));
  const off = new Set(fixed);
  const compensatory: DayNumber[] = [];
  for (const holiday of fixed) {
    if (!isWeekendDay(holiday)) continue;
    let day = holiday + 1;
    while (isWeekendDay(day) || off.has(day)) day++;
    off.add(day);
    compensatory.push(day);
  }
  const calendar: CalendarYear = {
    year,
    holidays: fixed.filter((d) => !isWeekendDay(d)).map(dayToLocalDate),
    compensatoryDays: compensatory.map(dayToLocalDate),
    workingDays: [],
  };
  statutoryYears.set(year, calendar);
  return calendar;
}

const isWeekendDay = (day: DayNumber) => {
  const wd = weekdayOf(day);
  return wd === 0 || wd === 6;
};

const yearOfDay = (day: DayNumber) => new Date(day * MS_PER_DAY).getUTCFullYear();

const statutoryOffDays = new Map<number, ReadonlySet<DayNumber>>();

function isStatutoryDayOff(day: DayNumber): boolean {
  const year = yearOfDay(day);
  let off = statutoryOffDays.get(year);
  if (!off) {
    const calendar = statutoryCalendarYear(year);
    off = new Set([...calendar.holidays, ...calendar.compensatoryDays].map(localDateToDay));
    statutoryOffDays.set(year, off);
  }
  return off.has(day);
}

export function isWorkingDay(schedule: WorkSchedule, day: DayNumber): boolean {
  if (schedule.swappedWorkingDays.has(day)) return true;
  if (schedule.offDays.has(day)) return false;
  if (isWeekendDay(day)) return false;
  // A year with its notice loaded is exactly the notice; a year without one still keeps the law's days.
  return schedule.years.has(yearOfDay(day)) || !isStatutoryDayOff(day);
}

/**
 * Whether the official notice for a year has been entered. Without it the year counts weekends and the
 * fixed solar holidays with their compensatory days (`statutoryCalendarYear`), and its deadlines are
 * provisional.
 */
export function hasCalendarFor(schedule: Pick<WorkSchedule, "years">, year: number): boolean {
  return schedule.years.has(year);
}

/** Closing time of the office day, in ms since local midnight. */
export function closingMs(schedule: WorkSchedule): number {
  const last = schedule.periods[schedule.periods.length - 1];
  if (!last) throw new Error("office hours without periods");
  return last.endMs;
}

export function describeOfficeHours(schedule: WorkSchedule): string {
  return schedule.periods
    .map((p) => `${formatClockMinutes(p.startMs / 60_000)}–${formatClockMinutes(p.endMs / 60_000)}`)
    .join(", ");
}

export function workingDaysOfYear(schedule: WorkSchedule, year: number): string[] {
  const out: string[] = [];
  for (let day = localDateToDay(`${year}-01-01`); dayToLocalDate(day).startsWith(String(year)); day++) {
    if (isWorkingDay(schedule, day)) out.push(dayToLocalDate(day));
  }
  return out;
}
