import {
  addWorkingTime,
  createWorkSchedule,
  DUE_SOON_WORKING_MS,
  isDueSoon,
  isWithinWorkingHours,
  workingTimeBetween,
} from "@motcua/domain";
import { CALENDAR_2025 } from "@motcua/testing";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { dueDayOpeningAt, dueSoonAt, subtractWorkingTime, warningMoments } from "./warning-times";

const schedule = createWorkSchedule([CALENDAR_2025]);
const at = (iso: string) => Date.parse(iso);
const HOUR = 3_600_000;

describe("warning times", () => {
  it("puts the due-soon moment 24 working hours before the deadline: Friday 10:00 for Wednesday 10:00", () => {
    expect(dueSoonAt(schedule, at("2025-03-19T10:00:00+07:00"))).toBe(at("2025-03-14T10:00:00+07:00"));
  });

  it("skips weekends, holidays and the swapped day off when counting back", () => {
    // Tuesday 6 May 2025: 30 April, 1 May (holidays) and 2 May (swapped for Saturday 26 April) are off.
    expect(dueSoonAt(schedule, at("2025-05-06T10:00:00+07:00"))).toBe(at("2025-04-28T10:00:00+07:00"));
    // Counting back through the lunch break: 2 working hours before 13:30 is 10:00.
    expect(subtractWorkingTime(schedule, at("2025-03-19T13:30:00+07:00"), 2 * HOUR)).toBe(
      at("2025-03-19T10:00:00+07:00"),
    );
  });

  it("lands on an opening time, not the previous closing time, when the working time runs out exactly there", () => {
    expect(subtractWorkingTime(schedule, at("2025-03-19T17:00:00+07:00"), 8 * HOUR)).toBe(
      at("2025-03-19T07:30:00+07:00"),
    );
  });

  it("counts back exactly the working time asked for, wherever the end lies", () => {
    const start = at("2025-01-02T00:00:00+07:00");
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 300 * 86_400_000 }),
        fc.integer({ min: 1, max: 200 * HOUR }),
        (offset, amount) => {
          const end = start + offset;
          const from = subtractWorkingTime(schedule, end, amount);
          expect(from).toBeLessThan(end);
          expect(workingTimeBetween(schedule, from, end)).toBe(amount);
        },
      ),
      { numRuns: 300 },
    );
  });

  it("agrees with the domain's isDueSoon: due soon from that moment, not a minute before", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 200 * 86_400_000 }),
        fc.integer({ min: 4, max: 400 }),
        (offset, quarterHours) => {
          const dueAt = addWorkingTime(
            schedule,
            at("2025-01-02T07:30:00+07:00") + offset,
            quarterHours * 900_000,
          );
          const soon = dueSoonAt(schedule, dueAt);
          expect(isDueSoon(schedule, soon, dueAt)).toBe(true);
          if (
            isWithinWorkingHours(schedule, soon - 60_000) &&
            workingTimeBetween(schedule, soon - 60_000, soon) > 0
          ) {
            expect(isDueSoon(schedule, soon - 60_000, dueAt)).toBe(false);
          }
          expect(workingTimeBetween(schedule, soon, dueAt)).toBe(DUE_SOON_WORKING_MS);
        },
      ),
      { numRuns: 200 },
    );
  });

  it("reminds on the morning of the due day at opening time, unless the deadline was set that day after opening", () => {
    const dueAt = at("2025-03-19T10:00:00+07:00");
    expect(dueDayOpeningAt(schedule, dueAt)).toBe(at("2025-03-19T07:30:00+07:00"));
    const setEarlier = warningMoments(schedule, dueAt, at("2025-03-12T10:00:00+07:00"));
    expect(setEarlier).toEqual({
      dueSoonAt: at("2025-03-14T10:00:00+07:00"),
      dueTodayAt: at("2025-03-19T07:30:00+07:00"),
    });
    // A same-day deadline set at 08:00: due soon at once, no separate morning reminder.
    const sameDay = warningMoments(
      schedule,
      at("2025-03-19T17:00:00+07:00"),
      at("2025-03-19T08:00:00+07:00"),
    );
    expect(sameDay).toEqual({ dueSoonAt: at("2025-03-19T08:00:00+07:00"), dueTodayAt: null });
  });
});
