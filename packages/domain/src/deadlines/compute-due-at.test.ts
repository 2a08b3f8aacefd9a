import { describe, expect, it } from "vitest";
import {
  CalendarYearSchema,
  createWorkSchedule,
  OfficeHoursSchema,
  statutoryCalendarYear,
} from "../calendar/calendar";
import { CALENDAR_2020, CALENDAR_2023, CALENDAR_2025, CALENDAR_2026 } from "../calendar/official-calendars";
import type { TimeLimit } from "../procedures/procedure";
import { formatInstant, parseInstant } from "../time/local-time";
import { computeDueAt, isDueAtProvisional, resumeDueAt } from "./compute-due-at";

const schedule = createWorkSchedule(
  [CALENDAR_2020, CALENDAR_2023, CALENDAR_2025, CALENDAR_2026].map((c) => CalendarYearSchema.parse(c)),
);
const local = (s: string) => parseInstant(`${s}+07:00`);
const fmt = (ms: number | null) => (ms === null ? null : formatInstant(ms).slice(0, 16));
const due = (receivedAt: string, timeLimit: TimeLimit, sameDayCutoff?: string) =>
  fmt(
    computeDueAt(schedule, sameDayCutoff ? { timeLimit, sameDayCutoff } : { timeLimit }, local(receivedAt))
      .dueAt,
  );
const days = (value: number): TimeLimit => ({ value, unit: "working_days" });

describe("computeDueAt on working days", () => {
  it("ends N working days later at the same clock time when received inside office hours", () => {
    expect(due("2025-03-12T16:59:00", days(1))).toBe("2025-03-13T16:59");
    expect(due("2025-03-12T10:00:00", days(5))).toBe("2025-03-19T10:00");
  });

  it("starts the next working morning when received one minute after closing", () => {
    // Wednesday 17:01 → clock starts Thursday 07:30; one working day is used up at Thursday's closing.
    expect(due("2025-03-12T17:01:00", days(1))).toBe("2025-03-13T17:00");
    expect(due("2025-03-12T17:01:00", days(2))).toBe("2025-03-14T17:00");
  });

  it("treats receipt exactly at closing time as after hours", () => {
    expect(due("2025-03-12T17:00:00", days(1))).toBe("2025-03-13T17:00");
  });

  it("does not count the lunch break: received at 11:45 the clock starts at 13:00", () => {
    // 13:00–17:00 Wednesday and 07:30–11:30 Thursday make the eight hours: due as the morning closes,
    // the same working moment as 13:00 (no working time lies between).
    expect(due("2025-03-12T11:45:00", days(1))).toBe("2025-03-13T11:30");
    expect(due("2025-03-12T11:45:00", { value: 4, unit: "working_hours" })).toBe("2025-03-12T17:00");
  });

  it("starts on Monday morning when received on a Sunday", () => {
    expect(due("2025-03-16T10:00:00", days(1))).toBe("2025-03-17T17:00");
    expect(due("2025-03-16T10:00:00", days(3))).toBe("2025-03-19T17:00");
  });

  it("skips the whole of Tết 2020 (23–29 January)", () => {
    // Wednesday 22 Jan 10:00 + 3 working days: 23, 24, 27, 28, 29 Jan are off → 30, 31 Jan, 3 Feb.
    expect(due("2020-01-22T10:00:00", days(3))).toBe("2020-02-03T10:00");
    expect(due("2020-01-25T09:00:00", days(1))).toBe("2020-01-30T17:00");
  });

  it("skips 1 September 2023 and the compensatory Monday 4 September for National Day on a Saturday", () => {
    expect(due("2023-08-31T14:00:00", days(1))).toBe("2023-09-05T14:00");
    expect(due("2023-08-31T14:00:00", days(2))).toBe("2023-09-06T14:00");
  });

  it("counts Saturday 26 April 2025 as a working day swapped for Friday 2 May", () => {
    expect(due("2025-04-25T10:00:00", days(1))).toBe("2025-04-26T10:00");
    expect(due("2025-04-26T09:00:00", days(1))).toBe("2025-04-28T09:00");
    // 29 Apr (Tue) is the only working day between the swapped Saturday and 5 May.
    expect(due("2025-04-28T09:00:00", days(2))).toBe("2025-05-05T09:00");
  });

  it("counts half a working day as four working hours", () => {
    expect(due("2025-03-12T10:00:00", days(0.5))).toBe("2025-03-12T15:30");
  });

  it("counts the Labour Code's fixed solar holidays in a year whose notice has not been entered", () => {
    const bare = createWorkSchedule([]);
    // Without the 2024 notice, Monday 1 January 2024 is still New Year's Day.
    expect(fmt(computeDueAt(bare, { timeLimit: days(1) }, local("2023-12-29T10:00:00")).dueAt)).toBe(
      "2024-01-02T10:00",
    );
  });

  it("is not due on New Year's Day 2027 when 2027 has no notice, and says the deadline is provisional", () => {
    // 20 working days from Friday 4 December 2026: on weekends alone they end on Friday 1 January 2027,
    // which the Labour Code makes a holiday in every year → Monday 4 January 2027.
    const received = local("2026-12-04T10:00:00");
    const deadline = computeDueAt(schedule, { timeLimit: days(20) }, received);
    expect(fmt(deadline.dueAt)).toBe("2027-01-04T10:00");
    expect(isDueAtProvisional(schedule.years, deadline.dueAt)).toBe(true);
    // Received after closing, the clock starts Monday 7 December and runs out at closing time.
    expect(due("2026-12-04T17:30:00", days(20))).toBe("2027-01-04T17:00");
  });

  it("follows the 2026 notices: 2 January off, Saturday 10 January worked (Công văn 12729/VPCP-KGVX)", () => {
    // 1 working day from Wednesday 31 December 2025 10:00: 1 and 2 January are off, 3–4 the weekend.
    expect(due("2025-12-31T10:00:00", days(1))).toBe("2026-01-05T10:00");
    expect(due("2026-01-09T10:00:00", days(1))).toBe("2026-01-10T10:00");
    expect(isDueAtProvisional(schedule.years, local("2026-01-05T10:00:00"))).toBe(false);
  });

  it("skips Tết Bính Ngọ (16–20 February 2026) and Hùng Kings' compensatory Monday 27 April 2026", () => {
    expect(due("2026-02-13T10:00:00", days(1))).toBe("2026-02-23T10:00");
    expect(due("2026-04-24T10:00:00", days(1))).toBe("2026-04-28T10:00");
    expect(due("2026-04-29T10:00:00", days(1))).toBe("2026-05-04T10:00");
  });

  it("follows Thông báo 9441/TB-BNV: Saturday 22 August 2026 worked, 31 August to 2 September off", () => {
    expect(due("2026-08-21T10:00:00", days(1))).toBe("2026-08-22T10:00");
    expect(due("2026-08-28T10:00:00", days(1))).toBe("2026-09-03T10:00");
  });

  it("keeps Friday 28 April 2023 a working day and skips 1–3 May 2023", () => {
    expect(due("2023-04-27T10:00:00", days(1))).toBe("2023-04-28T10:00");
    expect(due("2023-04-28T10:00:00", days(1))).toBe("2023-05-04T10:00");
  });

  it("follows a unit's own office hours", () => {
    const hours = OfficeHoursSchema.parse({
      periods: [
        { start: "08:00", end: "12:00" },
        { start: "13:30", end: "17:30" },
      ],
    });
    const unitSchedule = createWorkSchedule([], hours);
    expect(fmt(computeDueAt(unitSchedule, { timeLimit: days(1) }, local("2025-03-12T07:45:00")).dueAt)).toBe(
      "2025-03-12T17:30",
    );
    expect(fmt(computeDueAt(unitSchedule, { timeLimit: days(1) }, local("2025-03-12T12:10:00")).dueAt)).toBe(
      "2025-03-13T12:00",
    );
  });
});

describe("computeDueAt on working hours", () => {
  it("counts only office time", () => {
    expect(due("2025-03-12T10:00:00", { value: 4, unit: "working_hours" })).toBe("2025-03-12T15:30");
    expect(due("2025-03-12T16:00:00", { value: 2, unit: "working_hours" })).toBe("2025-03-13T08:30");
  });

  it("is due at closing time when the hours run out exactly then", () => {
    expect(due("2025-03-12T13:00:00", { value: 4, unit: "working_hours" })).toBe("2025-03-12T17:00");
  });
});

describe("computeDueAt on same-day procedures", () => {
  const sameDay: TimeLimit = { value: 0, unit: "same_day" };

  it("is due at closing the same day when received at 14:59", () => {
    expect(due("2025-03-12T14:59:00", sameDay)).toBe("2025-03-12T17:00");
  });

  it("is due at closing the next working day when received at 15:01", () => {
    expect(due("2025-03-12T15:01:00", sameDay)).toBe("2025-03-13T17:00");
    // Friday afternoon → Monday.
    expect(due("2025-03-14T15:01:00", sameDay)).toBe("2025-03-17T17:00");
  });

  it("is due at closing of the next working day when received on a holiday", () => {
    expect(due("2025-04-30T09:00:00", sameDay)).toBe("2025-05-05T17:00");
  });

  it("honours a procedure's own cut-off", () => {
    expect(due("2025-03-12T14:10:00", sameDay, "14:00")).toBe("2025-03-13T17:00");
  });
});

describe("computeDueAt on calendar days", () => {
  it("rolls a 30-calendar-day limit that ends on a holiday forward to the next working day", () => {
    // 31 Mar 2025 + 30 days = 30 Apr (holiday), 1–2 May off, 3–4 May weekend → Monday 5 May.
    expect(due("2025-03-31T09:00:00", { value: 30, unit: "calendar_days" })).toBe("2025-05-05T17:00");
  });

  it("keeps a calendar-day limit that ends on a working day", () => {
    expect(due("2025-03-03T09:00:00", { value: 10, unit: "calendar_days" })).toBe("2025-03-13T17:00");
    // Received after closing, the count starts from the next working day.
    expect(due("2025-03-03T18:00:00", { value: 10, unit: "calendar_days" })).toBe("2025-03-14T17:00");
  });
});

describe("procedures without an appointment date", () => {
  it("have no due moment", () => {
    expect(due("2025-03-12T09:00:00", { value: 0, unit: "none" })).toBeNull();
  });
});

describe("resumeDueAt", () => {
  it("moves the due moment by the working time the clock stood still", () => {
    // Paused Wednesday 10:00, resumed Friday 10:00: two working days of pause.
    const moved = resumeDueAt(
      schedule,
      local("2025-03-14T16:00:00"),
      local("2025-03-12T10:00:00"),
      local("2025-03-14T10:00:00"),
    );
    expect(fmt(moved)).toBe("2025-03-18T16:00");
  });

  it("leaves the due moment alone when the pause held no working time", () => {
    const dueAt = local("2025-03-17T10:00:00");
    expect(resumeDueAt(schedule, dueAt, local("2025-03-15T09:00:00"), local("2025-03-16T09:00:00"))).toBe(
      dueAt,
    );
  });
});

describe("a year whose notice is not loaded", () => {
  it("keeps 1 January, 30 April, 1 May and 2 September, each on a weekend compensated on the next working day", () => {
    // 2027: 1 May is a Saturday → Monday 3 May.
    expect(statutoryCalendarYear(2027)).toEqual({
      year: 2027,
      holidays: ["2027-01-01", "2027-04-30", "2027-09-02"],
      compensatoryDays: ["2027-05-03"],
      workingDays: [],
    });
    // 2028: 1 January and 2 September on Saturdays; 30 April on a Sunday beside Monday 1 May → Tuesday.
    expect(statutoryCalendarYear(2028)).toMatchObject({
      holidays: ["2028-05-01"],
      compensatoryDays: ["2028-01-03", "2028-05-02", "2028-09-04"],
    });
    // 2033: 30 April and 1 May on the weekend → Monday 2 and Tuesday 3 May.
    expect(statutoryCalendarYear(2033).compensatoryDays).toEqual(["2033-01-03", "2033-05-02", "2033-05-03"]);
  });

  it("counts those days off and nothing else (Tết waits for the notice)", () => {
    const bare = createWorkSchedule([]);
    expect(fmt(computeDueAt(bare, { timeLimit: days(1) }, local("2027-04-29T10:00:00")).dueAt)).toBe(
      "2027-05-04T10:00",
    );
    expect(fmt(computeDueAt(bare, { timeLimit: days(1) }, local("2027-02-05T10:00:00")).dueAt)).toBe(
      "2027-02-08T10:00",
    );
  });

  it("stops being provisional once the year's notice is loaded", () => {
    const withNotice = new Set([2026, 2027]);
    expect(isDueAtProvisional(withNotice, "2027-01-04T10:00:00+07:00")).toBe(false);
    expect(isDueAtProvisional(new Set([2026]), "2027-01-04T10:00:00+07:00")).toBe(true);
    // The local date decides: 31 Dec 2026 20:00 UTC is already 2027 in Vietnam.
    expect(isDueAtProvisional(new Set([2026]), "2026-12-31T20:00:00Z")).toBe(true);
    expect(isDueAtProvisional(new Set<number>(), null)).toBe(false);
  });
});
