import { describe, expect, it } from "vitest";
import type { z } from "zod";
import {
  CalendarYearSchema,
  createWorkSchedule,
  hasCalendarFor,
  OfficeHoursSchema,
} from "./calendar/calendar";
import { formatDossierCode, parseDossierCode } from "./dossier/code";
import { DossierCommandSchema } from "./dossier/commands";
import { nextProcedureVersion, ProcedureDefinitionSchema } from "./procedures/procedure";
import { parseInstant } from "./time/local-time";
import { UnitSchema, unitWithDescendants, wouldCreateCycle } from "./units/unit";

/** The issues of a failed parse as "path: message" lines, the way the API reports them. */
function issues(schema: z.ZodType, value: unknown): string[] {
  const result = schema.safeParse(value);
  if (result.success) return [];
  return result.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
}

describe("calendar years", () => {
  it("accept a year's notice", () => {
    expect(
      issues(CalendarYearSchema, {
        year: 2025,
        holidays: ["2025-01-01"],
        workingDays: ["2025-04-26"],
        notice: "TB 6150",
      }),
    ).toEqual([]);
  });

  it("refuse a day listed both as a holiday and as a working day", () => {
    const found = issues(CalendarYearSchema, {
      year: 2025,
      holidays: ["2025-05-02"],
      workingDays: ["2025-05-02"],
    });
    expect(found.join("\n")).toMatch(
      /workingDays\.0: 2025-05-02 is listed both in holidays and in workingDays/,
    );
  });

  it("refuse dates outside the year, impossible dates, weekend holidays and weekday swaps", () => {
    expect(issues(CalendarYearSchema, { year: 2025, holidays: ["2024-12-31"] })).toEqual([
      "holidays.0: 2024-12-31 is not in 2025",
    ]);
    expect(issues(CalendarYearSchema, { year: 2025, holidays: ["2025-02-30"] })[0]).toMatch(
      /^holidays\.0: must be a calendar date/,
    );
    expect(issues(CalendarYearSchema, { year: 2023, holidays: ["2023-09-02"] })[0]).toMatch(
      /weekend day; list the compensatory weekday/,
    );
    expect(issues(CalendarYearSchema, { year: 2025, workingDays: ["2025-04-25"] })[0]).toMatch(
      /is a weekday/,
    );
  });

  it("say when a year has no notice entered", () => {
    const schedule = createWorkSchedule([CalendarYearSchema.parse({ year: 2025 })]);
    expect(hasCalendarFor(schedule, 2025)).toBe(true);
    expect(hasCalendarFor(schedule, 2026)).toBe(false);
  });

  it("refuse office periods out of order or ending before they start", () => {
    expect(
      issues(OfficeHoursSchema, {
        periods: [
          { start: "13:00", end: "17:00" },
          { start: "07:30", end: "11:30" },
        ],
      }),
    ).toEqual(["periods.1.start: periods must be in order and must not overlap"]);
    expect(issues(OfficeHoursSchema, { periods: [{ start: "17:00", end: "07:30" }] })).toEqual([
      "periods.0.end: must be after start",
    ]);
  });
});

describe("procedures", () => {
  const definition = {
    code: "1.004227",
    name: "Đăng ký khai sinh",
    field: "Hộ tịch",
    level: "commune",
    timeLimit: { value: 1, unit: "working_days" },
    onlineService: "full",
  };

  it("refuse a negative time limit, naming the field", () => {
    expect(
      issues(ProcedureDefinitionSchema, { ...definition, timeLimit: { value: -3, unit: "working_days" } }),
    ).toContain("timeLimit.value: must not be negative");
  });

  it("refuse a zero limit where an amount is needed, and an unknown unit", () => {
    expect(
      issues(ProcedureDefinitionSchema, { ...definition, timeLimit: { value: 0, unit: "working_days" } }),
    ).toEqual(["timeLimit.value: must be greater than 0 for working_days"]);
    expect(
      issues(ProcedureDefinitionSchema, { ...definition, timeLimit: { value: 3, unit: "weeks" } })[0],
    ).toMatch(/^timeLimit\.unit:/);
  });

  it("default to the restart policy and a 15:00 same-day cut-off", () => {
    const parsed = ProcedureDefinitionSchema.parse(definition);
    expect(parsed.supplementPolicy).toBe("restart");
    expect(parsed.sameDayCutoff).toBe("15:00");
  });

  it("make a new version on any change and keep the version when nothing changed", () => {
    const v1 = nextProcedureVersion("p1", undefined, ProcedureDefinitionSchema.parse(definition));
    expect(v1.version.version).toBe(1);
    const same = nextProcedureVersion("p1", v1.version, ProcedureDefinitionSchema.parse(definition));
    expect(same).toEqual({ version: v1.version, changed: false });
    const shortened = nextProcedureVersion(
      "p1",
      v1.version,
      ProcedureDefinitionSchema.parse({ ...definition, timeLimit: { value: 0.5, unit: "working_days" } }),
    );
    expect(shortened.changed).toBe(true);
    expect(shortened.version.version).toBe(2);
  });
});

describe("units", () => {
  const unit = {
    unitId: "u1",
    code: "000.00.31.H26",
    name: "UBND phường Tân Thịnh",
    level: "commune",
    parentId: "p",
  };

  it("refuse a unit whose validity ends before it starts", () => {
    expect(issues(UnitSchema, { ...unit, validFrom: "2025-07-01", validTo: "2025-06-30" })).toEqual([
      "validTo: must not be before validFrom (2025-07-01)",
    ]);
  });

  it("refuse a code with a hyphen, which would break dossier codes", () => {
    expect(issues(UnitSchema, { ...unit, code: "H26-01" })).toEqual([
      "code: may contain only letters, digits and '.'",
    ]);
  });

  it("find a unit's subunits at any depth and refuse loops", () => {
    const units = [
      UnitSchema.parse({ ...unit, unitId: "province", parentId: null }),
      UnitSchema.parse({ ...unit, unitId: "district", parentId: "province" }),
      UnitSchema.parse({ ...unit, unitId: "ward", parentId: "district" }),
      UnitSchema.parse({ ...unit, unitId: "dept", parentId: "province" }),
    ];
    expect(unitWithDescendants(units, "province").sort()).toEqual(
      ["province", "district", "ward", "dept"].sort(),
    );
    expect(unitWithDescendants(units, "district")).toEqual(["district", "ward"]);
    expect(wouldCreateCycle(units, "province", "ward")).toBe(true);
    expect(wouldCreateCycle(units, "ward", "dept")).toBe(false);
  });
});

describe("dossier codes", () => {
  it("are the unit code, the local date of receipt and a four-digit daily sequence", () => {
    // 23:30 UTC on 11 March is already 12 March in Vietnam.
    expect(formatDossierCode("000.00.31.H26", parseInstant("2025-03-11T23:30:00Z"), 7)).toBe(
      "000.00.31.H26-250312-0007",
    );
  });

  it("parse back, and reject what is not a code", () => {
    expect(parseDossierCode("000.00.31.H26-250312-0007")).toEqual({
      unitCode: "000.00.31.H26",
      date: "2025-03-12",
      sequence: 7,
    });
    expect(parseDossierCode("000.00.31.H26-250230-0007")).toBeNull();
    expect(parseDossierCode("000.00.31.H26-250312-0000")).toBeNull();
    expect(parseDossierCode("H26/250312/7")).toBeNull();
  });
});

describe("commands", () => {
  it("reject malformed input with the path and the rule, without echoing personal data", () => {
    const found = issues(DossierCommandSchema, {
      type: "ReceiveDossier",
      data: {
        dossierId: "not-a-uuid",
        code: "000.00.31.H26-250312-0001",
        unitId: "u1",
        channel: "fax",
        applicant: { name: "Phạm Văn D", idNumber: "12345", phone: "abc" },
      },
    });
    expect(found.some((line) => line.startsWith("data.dossierId:"))).toBe(true);
    expect(found.some((line) => line.startsWith("data.channel:"))).toBe(true);
    expect(found).toContain("data.applicant.idNumber: must be 9 digits (CMND) or 12 digits (CCCD)");
    expect(found.join("\n")).not.toMatch(/12345|Phạm|abc/);
  });

  it("reject unknown fields", () => {
    expect(
      issues(DossierCommandSchema, { type: "ResolveDossier", data: { outcome: "approved", extra: 1 } })[0],
    ).toMatch(/^data:/);
  });
});
