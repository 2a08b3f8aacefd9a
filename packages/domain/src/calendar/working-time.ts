import { type Instant, localDayOf, localTimeOfDayMs, startOfLocalDay } from "../time/local-time";
import { isWorkingDay, type WorkSchedule } from "./calendar";

/** No limit in law reaches this far; a walk that does has been given a calendar with no working days. */
const MAX_DAYS_WALKED = 366 * 30;

/**
 * The instant at which `amountMs` of working time, counted from `start`, is used up.
 *
 * Time outside office hours (nights, lunch, weekends, holidays) does not count. A start outside office
 * hours counts from the next office period. Working time used up exactly at the end of a period is due at
 * that end (closing time), never at the next opening. Adding nothing gives the next working moment.
 */
export function addWorkingTime(schedule: WorkSchedule, start: Instant, amountMs: number): Instant {
  if (amountMs < 0) throw new RangeError("working time to add must not be negative");
  let remaining = amountMs;
  let day = localDayOf(start, schedule.utcOffsetMinutes);
  let timeOfDay = localTimeOfDayMs(start, schedule.utcOffsetMinutes);
  for (let walked = 0; walked < MAX_DAYS_WALKED; walked++, day++, timeOfDay = 0) {
    if (!isWorkingDay(schedule, day)) continue;
    const midnight = startOfLocalDay(day, schedule.utcOffsetMinutes);
    for (const period of schedule.periods) {
      if (timeOfDay >= period.endMs) continue;
      const from = Math.max(timeOfDay, period.startMs);
      const available = period.endMs - from;
      if (remaining <= available) {
        return midnight + from + remaining;
      }
      remaining -= available;
      timeOfDay = period.endMs;
    }
  }
  throw new RangeError("the calendar has no working time within 30 years of the start");
}

/** The first instant at or after `at` that lies inside office hours of a working day. */
export function nextWorkingMoment(schedule: WorkSchedule, at: Instant): Instant {
  return addWorkingTime(schedule, at, 0);
}

/** Working time (ms) between two instants; zero when `to` is not after `from`. */
export function workingTimeBetween(schedule: WorkSchedule, from: Instant, to: Instant): number {
  if (to <= from) return 0;
  let total = 0;
  const lastDay = localDayOf(to, schedule.utcOffsetMinutes);
  for (let day = localDayOf(from, schedule.utcOffsetMinutes); day <= lastDay; day++) {
    if (!isWorkingDay(schedule, day)) continue;
    const midnight = startOfLocalDay(day, schedule.utcOffsetMinutes);
    for (const period of schedule.periods) {
      const start = Math.max(from, midnight + period.startMs);
      const end = Math.min(to, midnight + period.endMs);
      if (end > start) total += end - start;
    }
  }
  return total;
}

/** Whether an instant lies inside office hours of a working day (closing time itself included). */
export function isWithinWorkingHours(schedule: WorkSchedule, at: Instant): boolean {
  const day = localDayOf(at, schedule.utcOffsetMinutes);
  if (!isWorkingDay(schedule, day)) return false;
  const t = localTimeOfDayMs(at, schedule.utcOffsetMinutes);
  return schedule.periods.some((p) => t >= p.startMs && t <= p.endMs);
}

/** The first working day strictly after `day`. */
export function nextWorkingDayAfter(schedule: WorkSchedule, day: number): number {
  for (let d = day + 1, walked = 0; walked < MAX_DAYS_WALKED; d++, walked++) {
    if (isWorkingDay(schedule, d)) return d;
  }
  throw new RangeError("the calendar has no working day within 30 years");
}
