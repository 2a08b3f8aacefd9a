import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { CalendarYearSchema, createWorkSchedule } from "../calendar/calendar";
import { REAL_CALENDARS } from "../calendar/official-calendars";
import { addWorkingTime, isWithinWorkingHours, workingTimeBetween } from "../calendar/working-time";
import type { TimeLimit } from "../procedures/procedure";
import { parseInstant } from "../time/local-time";
import { computeDueAt, resumeDueAt } from "./compute-due-at";

const schedule = createWorkSchedule(REAL_CALENDARS.map((c) => CalendarYearSchema.parse(c)));
const HOUR = 3_600_000;

/** Any moment from 2020 to 2025 (the years with real notices), to the minute. */
const receivedAt = fc
  .integer({
    min: parseInstant("2020-01-01T00:00:00+07:00") / 60_000,
    max: parseInstant("2025-12-01T00:00:00+07:00") / 60_000,
  })
  .map((minutes) => minutes * 60_000);

const timeLimit: fc.Arbitrary<TimeLimit> = fc.oneof(
  fc.integer({ min: 1, max: 90 }).map((value) => ({ value, unit: "working_days" as const })),
  fc.integer({ min: 1, max: 60 }).map((value) => ({ value: value / 2, unit: "working_days" as const })),
  fc.integer({ min: 1, max: 200 }).map((value) => ({ value, unit: "working_hours" as const })),
  fc.integer({ min: 1, max: 120 }).map((value) => ({ value, unit: "calendar_days" as const })),
  fc.constant({ value: 0, unit: "same_day" as const }),
);

const limitMs = (limit: TimeLimit) =>
  limit.unit === "working_days"
    ? limit.value * schedule.dayMs
    : limit.unit === "working_hours"
      ? limit.value * HOUR
      : null;

describe("deadline engine properties", () => {
  it("always puts the due moment inside office hours of a working day", () => {
    fc.assert(
      fc.property(receivedAt, timeLimit, (at, limit) => {
        const { dueAt } = computeDueAt(schedule, { timeLimit: limit }, at);
        expect(dueAt).not.toBeNull();
        expect(isWithinWorkingHours(schedule, dueAt as number)).toBe(true);
      }),
      { numRuns: 2000 },
    );
  });

  it("never makes a longer limit due earlier than a shorter one of the same kind", () => {
    fc.assert(
      fc.property(receivedAt, timeLimit, fc.integer({ min: 1, max: 30 }), (at, limit, extra) => {
        if (limit.unit === "same_day") return;
        const longer = { ...limit, value: limit.value + extra };
        const a = computeDueAt(schedule, { timeLimit: limit }, at).dueAt as number;
        const b = computeDueAt(schedule, { timeLimit: longer }, at).dueAt as number;
        expect(b).toBeGreaterThanOrEqual(a);
      }),
      { numRuns: 2000 },
    );
  });

  it("leaves exactly the limit's working time between receipt and due", () => {
    fc.assert(
      fc.property(receivedAt, timeLimit, (at, limit) => {
        const expected = limitMs(limit);
        if (expected === null) return;
        const { dueAt } = computeDueAt(schedule, { timeLimit: limit }, at);
        expect(workingTimeBetween(schedule, at, dueAt as number)).toBe(expected);
      }),
      { numRuns: 2000 },
    );
  });

  it("never gives a due date before the original under the restart or resume policy", () => {
    fc.assert(
      fc.property(
        receivedAt,
        timeLimit,
        fc.integer({ min: 0, max: 400 }),
        fc.integer({ min: 0, max: 2000 }),
        (at, limit, pauseAfterHours, pauseLengthHours) => {
          const { dueAt } = computeDueAt(schedule, { timeLimit: limit }, at);
          const original = dueAt as number;
          const pausedAt = at + pauseAfterHours * HOUR;
          const resumedAt = pausedAt + pauseLengthHours * HOUR;
          const restarted = computeDueAt(schedule, { timeLimit: limit }, resumedAt).dueAt as number;
          const resumed = resumeDueAt(schedule, original, pausedAt, resumedAt) as number;
          expect(restarted).toBeGreaterThanOrEqual(original);
          expect(resumed).toBeGreaterThanOrEqual(original);
          // Resuming gives back exactly the paused working time.
          expect(workingTimeBetween(schedule, original, resumed)).toBe(
            workingTimeBetween(schedule, pausedAt, resumedAt),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });

  it("adds working time associatively: a then b equals a + b", () => {
    fc.assert(
      fc.property(
        receivedAt,
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 500 }),
        (at, a, b) => {
          const start = addWorkingTime(schedule, at, 0);
          const stepwise = addWorkingTime(schedule, addWorkingTime(schedule, start, a * 60_000), b * 60_000);
          const direct = addWorkingTime(schedule, start, (a + b) * 60_000);
          expect(workingTimeBetween(schedule, start, stepwise)).toBe(
            workingTimeBetween(schedule, start, direct),
          );
        },
      ),
      { numRuns: 1000 },
    );
  });
});
