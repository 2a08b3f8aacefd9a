import {
  DUE_SOON_WORKING_MS,
  type Instant,
  isWorkingDay,
  localDayOf,
  localTimeOfDayMs,
  MS_PER_DAY,
  startOfLocalDay,
  type WorkSchedule,
} from "@motcua/domain";

const MAX_DAYS_WALKED = 366 * 30;

/**
 * The instant `amountMs` of working time before `end`: the mirror of the domain's `addWorkingTime`.
 * Nights, lunch, weekends and holidays do not count. Working time used up exactly at the start of an
 * office period gives that opening moment (a warning lands inside office hours, not at last night's close).
 */
export function subtractWorkingTime(schedule: WorkSchedule, end: Instant, amountMs: number): Instant {
  if (amountMs < 0) throw new RangeError("working time to subtract must not be negative");
  if (amountMs === 0) return end;
  let remaining = amountMs;
  let day = localDayOf(end, schedule.utcOffsetMinutes);
  let timeOfDay = localTimeOfDayMs(end, schedule.utcOffsetMinutes);
  for (let walked = 0; walked < MAX_DAYS_WALKED; walked++, day--, timeOfDay = MS_PER_DAY) {
    if (!isWorkingDay(schedule, day)) continue;
    const midnight = startOfLocalDay(day, schedule.utcOffsetMinutes);
    for (let i = schedule.periods.length - 1; i >= 0; i--) {
      const period = schedule.periods[i] as { startMs: number; endMs: number };
      if (timeOfDay <= period.startMs) continue;
      const to = Math.min(timeOfDay, period.endMs);
      const available = to - period.startMs;
      if (remaining <= available) return midnight + to - remaining;
      remaining -= available;
      timeOfDay = period.startMs;
    }
  }
  throw new RangeError("the calendar has no working time within 30 years before the end");
}

/** When a deadline becomes "due soon": 24 working hours before it (DOMAIN.md). */
export function dueSoonAt(schedule: WorkSchedule, dueAt: Instant): Instant {
  return subtractWorkingTime(schedule, dueAt, DUE_SOON_WORKING_MS);
}

/** The opening time of the due day, or null when the due day has no office hours before the due moment. */
export function dueDayOpeningAt(schedule: WorkSchedule, dueAt: Instant): Instant | null {
  const day = localDayOf(dueAt, schedule.utcOffsetMinutes);
  const first = schedule.periods[0];
  if (!isWorkingDay(schedule, day) || first === undefined) return null;
  const opening = startOfLocalDay(day, schedule.utcOffsetMinutes) + first.startMs;
  return opening < dueAt ? opening : null;
}

/** The two warnings of a deadline set at `setAt`, as the scheduler keeps them. */
export interface WarningMoments {
  /** 24 working hours before the deadline, or at once when the deadline was set closer than that. */
  readonly dueSoonAt: Instant;
  /** The due day's opening, unless the deadline was set on that day after it (the due-soon notice said it). */
  readonly dueTodayAt: Instant | null;
}

export function warningMoments(schedule: WorkSchedule, dueAt: Instant, setAt: Instant): WarningMoments {
  const soon = Math.max(dueSoonAt(schedule, dueAt), Math.min(setAt, dueAt));
  const opening = dueDayOpeningAt(schedule, dueAt);
  return { dueSoonAt: soon, dueTodayAt: opening !== null && opening > setAt ? opening : null };
}
