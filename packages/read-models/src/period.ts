import { dayToLocalDate, isValidLocalDate, localDateToDay, startOfLocalDay } from "@motcua/domain";
import { InvalidQueryError } from "./errors";

/** A report period: local dates, both days included. */
export interface Period {
  readonly from: string;
  readonly to: string;
  /** The day after `to`: periods are half-open `[from, to + 1)` internally. */
  readonly toExclusive: string;
  /** The instants where the period begins and ends (local midnight, Asia/Ho_Chi_Minh). */
  readonly start: Date;
  readonly endExclusive: Date;
}

export const MAX_PERIOD_YEARS = 5;

/** Validates a period: real dates, `from` ≤ `to`, at most five years long. */
export function parsePeriod(from: string, to: string): Period {
  if (!isValidLocalDate(from)) throw new InvalidQueryError("from", "must be a date written YYYY-MM-DD");
  if (!isValidLocalDate(to)) throw new InvalidQueryError("to", "must be a date written YYYY-MM-DD");
  if (to < from) throw new InvalidQueryError("to", "must not be before from");
  const limit = `${String(Number(from.slice(0, 4)) + MAX_PERIOD_YEARS).padStart(4, "0")}${from.slice(4)}`;
  if (to >= limit) {
    throw new InvalidQueryError("to", `the period must be shorter than ${MAX_PERIOD_YEARS} years`);
  }
  const toExclusiveDay = localDateToDay(to) + 1;
  return {
    from,
    to,
    toExclusive: dayToLocalDate(toExclusiveDay),
    start: new Date(startOfLocalDay(localDateToDay(from))),
    endExclusive: new Date(startOfLocalDay(toExclusiveDay)),
  };
}
