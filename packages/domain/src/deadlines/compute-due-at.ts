import { closingMs, isWorkingDay, type WorkSchedule } from "../calendar/calendar";
import {
  addWorkingTime,
  nextWorkingDayAfter,
  nextWorkingMoment,
  workingTimeBetween,
} from "../calendar/working-time";
import type { TimeLimit } from "../procedures/procedure";
import {
  type Instant,
  localDateOf,
  localDayOf,
  localTimeOfDayMs,
  parseClockTime,
  parseInstant,
  startOfLocalDay,
  VIETNAM_UTC_OFFSET_MINUTES,
} from "../time/local-time";

const MS_PER_HOUR = 3_600_000;

export interface DeadlineRules {
  readonly timeLimit: TimeLimit;
  /** Local `HH:MM` from which a same-day procedure is due the next working day (default 15:00). */
  readonly sameDayCutoff?: string;
}

export interface Deadline {
  /** When the clock starts: the first working moment at or after receipt. */
  readonly clockStartsAt: Instant;
  /** The legal due moment, or null for procedures without an appointment date. */
  readonly dueAt: Instant | null;
}

/**
 * The legal due moment of a dossier received at `receivedAt` (DOMAIN.md, "Counting deadlines").
 *
 * - working days / hours: the moment the limit's working time is used up, counted from the next working
 *   moment (so after-hours and holiday receipt starts the next working morning; lunch does not count).
 *   One working day is one office day's working time (8 hours by default), so N days from a moment inside
 *   office hours end at the same clock time N working days later — or at closing time when used up there.
 * - same day: closing time of the day of receipt, or of the next working day when received at or after
 *   the cut-off, after closing, or on a non-working day.
 * - calendar days: closing time of the date N days after the day the clock starts, rolled forward to
 *   the next working day when that date is not one. A calendar-day limit names a date, and closing time
 *   keeps a later start from ever giving an earlier due moment.
 * - none: no due moment.
 */
export function computeDueAt(schedule: WorkSchedule, rules: DeadlineRules, receivedAt: Instant): Deadline {
  const clockStartsAt = nextWorkingMoment(schedule, receivedAt);
  const { value, unit } = rules.timeLimit;
  switch (unit) {
    case "none":
      return { clockStartsAt, dueAt: null };
    case "working_hours":
      return { clockStartsAt, dueAt: addWorkingTime(schedule, clockStartsAt, value * MS_PER_HOUR) };
    case "working_days":
      return { clockStartsAt, dueAt: addWorkingTime(schedule, clockStartsAt, value * schedule.dayMs) };
    case "same_day": {
      const offset = schedule.utcOffsetMinutes;
      const receiptDay = localDayOf(receivedAt, offset);
      const receiptTime = localTimeOfDayMs(receivedAt, offset);
      const cutoff = parseClockTime(rules.sameDayCutoff ?? "15:00") * 60_000;
      const closing = closingMs(schedule);
      const sameDay = isWorkingDay(schedule, receiptDay) && receiptTime < Math.min(cutoff, closing);
      const dueDay = sameDay ? receiptDay : nextWorkingDayAfter(schedule, receiptDay);
      return { clockStartsAt, dueAt: startOfLocalDay(dueDay, offset) + closing };
    }
    case "calendar_days": {
      const offset = schedule.utcOffsetMinutes;
      let dueDay = localDayOf(clockStartsAt, offset) + Math.ceil(value);
      while (!isWorkingDay(schedule, dueDay)) dueDay++;
      return { clockStartsAt, dueAt: startOfLocalDay(dueDay, offset) + closingMs(schedule) };
    }
    default: {
      const unknown: never = unit;
      throw new Error(`unknown time limit unit ${String(unknown)}`);
    }
  }
}

/**
 * After a pause (supplement, fees) under the `resume` policy, the due moment moves later by the working
 * time the clock stood still: from the pause to the resumption.
 */
export function resumeDueAt(
  schedule: WorkSchedule,
  dueAt: Instant | null,
  pausedAt: Instant,
  resumedAt: Instant,
): Instant | null {
  if (dueAt === null) return null;
  const paused = workingTimeBetween(schedule, pausedAt, resumedAt);
  return paused === 0 ? dueAt : addWorkingTime(schedule, dueAt, paused);
}

/**
 * Whether a due moment is provisional: it falls in a year whose official notice is not loaded (pass a
 * schedule's `years`, or the set of years with a notice), so it was counted on the law's fixed solar
 * holidays alone and Tết, Hùng Kings or a swap announced later may fall inside it. Judged against the
 * calendars loaded now: loading the notice ends the mark (the deadline itself is never recomputed).
 */
export function isDueAtProvisional(
  yearsWithNotice: { has(year: number): boolean },
  dueAt: Instant | string | null,
  utcOffsetMinutes = VIETNAM_UTC_OFFSET_MINUTES,
): boolean {
  if (dueAt === null) return false;
  const instant = typeof dueAt === "string" ? parseInstant(dueAt) : dueAt;
  return !yearsWithNotice.has(Number(localDateOf(instant, utcOffsetMinutes).slice(0, 4)));
}
