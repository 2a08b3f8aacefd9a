import type { WorkSchedule } from "../calendar/calendar";
import { workingTimeBetween } from "../calendar/working-time";
import { type Instant, type LocalDate, localDateOf, VIETNAM_UTC_OFFSET_MINUTES } from "../time/local-time";

export type ResolutionTimeliness = "early" | "on_time" | "late";
export type PendingTimeliness = "in_time" | "overdue";

/**
 * How a resolution is judged, at date granularity in local time, against the legal due moment:
 * early when resolved on an earlier date, on time on the same date (or without a due date), late after.
 */
export function classifyResolution(
  resolvedAt: Instant,
  dueAt: Instant | null,
  offsetMinutes = VIETNAM_UTC_OFFSET_MINUTES,
): ResolutionTimeliness {
  if (dueAt === null) return "on_time";
  const resolved = localDateOf(resolvedAt, offsetMinutes);
  const due = localDateOf(dueAt, offsetMinutes);
  if (resolved < due) return "early";
  if (resolved === due) return "on_time";
  return "late";
}

/** A pending dossier at report date D is in time when its due date is D or later. */
export function classifyPending(
  dueAt: Instant | null,
  reportDate: LocalDate,
  offsetMinutes = VIETNAM_UTC_OFFSET_MINUTES,
): PendingTimeliness {
  if (dueAt === null) return "in_time";
  return localDateOf(dueAt, offsetMinutes) >= reportDate ? "in_time" : "overdue";
}

export const DUE_SOON_WORKING_MS = 24 * 3_600_000;

/** Due soon: not yet due, and due within the next 24 working hours. */
export function isDueSoon(schedule: WorkSchedule, now: Instant, dueAt: Instant | null): boolean {
  if (dueAt === null || dueAt <= now) return false;
  return workingTimeBetween(schedule, now, dueAt) <= DUE_SOON_WORKING_MS;
}

/**
 * Decision 766's progress indicator counts a dossier as late when it was resolved late or when the
 * citizen was asked for supplements more than once (the law allows one request listing everything).
 */
export function isLateFor766(timeliness: ResolutionTimeliness | null, supplementRequests: number): boolean {
  return timeliness === "late" || supplementRequests > 1;
}
