import {
  type DayNumber,
  dayToLocalDate,
  formatInstant,
  type LocalDate,
  localDateOf,
  localDateToDay,
  localDayOf,
  parseInstant,
} from "@motcua/domain";

/** Every instant the read models hand out is ISO 8601 in Vietnam's offset, as API.md asks. */
export const isoOf = (value: Date | string): string => formatInstant(new Date(value).getTime());
export const isoOrNull = (value: Date | string | null): string | null =>
  value === null ? null : isoOf(value);

/** The same instant written the one way the projection compares strings. */
export const normalizeIso = (iso: string): string => formatInstant(parseInstant(iso));

export const dayOf = (iso: string): LocalDate => localDateOf(parseInstant(iso));
export const dayNumberOf = (iso: string): DayNumber => localDayOf(parseInstant(iso));
export { dayToLocalDate, localDateToDay };
