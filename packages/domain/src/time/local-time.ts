/**
 * Instants and local dates in the domain's time zone. Vietnam (Asia/Ho_Chi_Minh) has kept UTC+7 without
 * daylight saving since 1975, so a fixed offset is exact for every date the system can meet. The offset
 * is still a parameter, never read from the environment.
 */
export const VIETNAM_UTC_OFFSET_MINUTES = 420;

const MS_PER_MINUTE = 60_000;
export const MS_PER_DAY = 86_400_000;

/** Milliseconds since the epoch. Every computation runs on these; ISO strings are for the edges. */
export type Instant = number;
/** A local calendar date, `YYYY-MM-DD`. */
export type LocalDate = string;
/** Days since 1970-01-01 in local time: the day a local date denotes, as a number. */
export type DayNumber = number;

export function parseInstant(iso: string): Instant {
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw new RangeError(`not an ISO date-time: ${iso}`);
  return ms;
}

export function localDayOf(instant: Instant, offsetMinutes = VIETNAM_UTC_OFFSET_MINUTES): DayNumber {
  return Math.floor((instant + offsetMinutes * MS_PER_MINUTE) / MS_PER_DAY);
}

/** Milliseconds since local midnight. */
export function localTimeOfDayMs(instant: Instant, offsetMinutes = VIETNAM_UTC_OFFSET_MINUTES): number {
  const local = instant + offsetMinutes * MS_PER_MINUTE;
  return local - Math.floor(local / MS_PER_DAY) * MS_PER_DAY;
}

/** The instant of a local day's midnight. */
export function startOfLocalDay(day: DayNumber, offsetMinutes = VIETNAM_UTC_OFFSET_MINUTES): Instant {
  return day * MS_PER_DAY - offsetMinutes * MS_PER_MINUTE;
}

/** 0 = Sunday … 6 = Saturday (1970-01-01 was a Thursday). */
export function weekdayOf(day: DayNumber): number {
  return (((day + 4) % 7) + 7) % 7;
}

export function dayToLocalDate(day: DayNumber): LocalDate {
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10);
}

const LOCAL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

export function isValidLocalDate(value: string): boolean {
  const m = LOCAL_DATE.exec(value);
  if (!m) return false;
  const ms = Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  return new Date(ms).toISOString().slice(0, 10) === value;
}

export function localDateToDay(date: LocalDate): DayNumber {
  if (!isValidLocalDate(date)) throw new RangeError(`not a date (YYYY-MM-DD): ${date}`);
  return Date.parse(`${date}T00:00:00Z`) / MS_PER_DAY;
}

export function localDateOf(instant: Instant, offsetMinutes = VIETNAM_UTC_OFFSET_MINUTES): LocalDate {
  return dayToLocalDate(localDayOf(instant, offsetMinutes));
}

const pad = (n: number, width = 2) => String(n).padStart(width, "0");

/** ISO 8601 in local time with its offset, e.g. `2025-04-26T08:00:00.000+07:00`. */
export function formatInstant(instant: Instant, offsetMinutes = VIETNAM_UTC_OFFSET_MINUTES): string {
  const local = new Date(instant + offsetMinutes * MS_PER_MINUTE).toISOString().slice(0, 23);
  const sign = offsetMinutes >= 0 ? "+" : "-";
  const abs = Math.abs(offsetMinutes);
  return `${local}${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** `HH:MM` → minutes since midnight. */
export function parseClockTime(value: string): number {
  const m = /^([01]\d|2[0-3]):([0-5]\d)$/.exec(value);
  if (!m) throw new RangeError(`not a clock time (HH:MM): ${value}`);
  return Number(m[1]) * 60 + Number(m[2]);
}

export function formatClockMinutes(minutes: number): string {
  return `${pad(Math.floor(minutes / 60))}:${pad(minutes % 60)}`;
}
