import {
  CalendarYearSchema,
  createWorkSchedule,
  type DossierEvent,
  ProcedureDefinitionSchema,
  type ProcedureVersion,
  parseInstant,
} from "@motcua/domain";
import { describe, expect, it } from "vitest";
import { DEMO_CALENDARS, DEMO_PROCEDURES } from "../demo/demo-reference-data";
import { decidePlan, expected06a } from "./expected";
import { planProvince } from "./plan";
import { OptionsError, validateOptions } from "./simulate";

const schedule = createWorkSchedule(DEMO_CALENDARS.map((c) => CalendarYearSchema.parse(c)));
const procedures: ProcedureVersion[] = DEMO_PROCEDURES.map(({ procedureId, ...d }) => ({
  ...ProcedureDefinitionSchema.parse(d),
  procedureId,
  version: 1,
}));
const units = [
  { unitId: "p", level: "province" },
  ...Array.from({ length: 4 }, (_, i) => ({ unitId: `d${i}`, level: "department" })),
  ...Array.from({ length: 20 }, (_, i) => ({ unitId: `c${i}`, level: "commune" })),
];
const now = parseInstant("2026-06-30T12:00:00+07:00");
const options = {
  seed: 7,
  dossiers: 4_000,
  from: "2025-07-01",
  to: "2026-06-30",
  now,
  units,
  procedures,
  schedule,
};
const plans = planProvince(options);
const byId = new Map(procedures.map((p) => [p.procedureId, p]));
const decided: DossierEvent[][] = plans.map((plan) =>
  decidePlan(plan, byId.get(plan.procedureId) as ProcedureVersion, schedule, now),
);

describe("the province planner", () => {
  it("plans lives the domain accepts, every action in order and none in the future", () => {
    expect(plans.length).toBeGreaterThan(3_900);
    for (const plan of plans) {
      const times = [plan.receivedAt, ...plan.actions.map((a) => a.at)].map((t) => Date.parse(t));
      for (let i = 1; i < times.length; i++) expect(times[i]).toBeGreaterThanOrEqual(times[i - 1] as number);
      expect(Math.max(...times)).toBeLessThanOrEqual(now);
    }
    expect(decided).toHaveLength(plans.length);
  });

  it("is deterministic for a seed", () => {
    expect(planProvince(options).slice(0, 50)).toEqual(plans.slice(0, 50));
    expect(planProvince({ ...options, seed: 8 })[0]).not.toEqual(plans[0]);
  });

  it("has the shapes of the seed figures: about half online, 97–99.9 % on time, transfers, supplements, apologies", () => {
    const online = plans.filter((p) => p.channel === "online").length / plans.length;
    expect(online).toBeGreaterThan(0.3);
    expect(online).toBeLessThan(0.7);
    const report = expected06a(decided, options.from, options.to);
    const onTime = (report.resolvedEarly + report.resolvedOnTime) / report.resolved;
    expect(onTime).toBeGreaterThanOrEqual(0.97);
    expect(onTime).toBeLessThan(0.999);
    const types = new Set(decided.flat().map((e) => e.type));
    for (const t of [
      "DossierTransferred",
      "SupplementRequested",
      "SupplementReceived",
      "ApologyIssued",
      "DossierWithdrawn",
      "DossierStopped",
      "FeePaid",
      "DossierBecameOverdue",
    ]) {
      expect(types, t).toContain(t);
    }
  });

  it("counts a 06a whose identities hold", () => {
    for (const [from, to] of [
      ["2025-07-01", "2026-06-30"],
      ["2025-10-01", "2025-12-31"],
      ["2026-03-01", "2026-03-15"],
    ] as const) {
      const c = expected06a(decided, from, to);
      expect(c.received).toBe(c.receivedOnline + c.receivedDirect + c.carriedOver);
      expect(c.received).toBe(c.resolved + c.pending);
      expect(c.resolved).toBe(c.resolvedEarly + c.resolvedOnTime + c.resolvedLate);
      expect(c.pending).toBe(c.pendingInTime + c.pendingOverdue);
    }
  });
});

describe("simulator options", () => {
  it("refuse values out of range with a message per option", () => {
    try {
      validateOptions(
        { dossiers: "0", from: "2025-13-01", to: "2030-01-01", concurrency: "x" },
        "2026-11-22",
      );
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(OptionsError);
      const problems = (error as OptionsError).problems.join("\n");
      expect(problems).toMatch(/--dossiers must be a whole number from 1 to 2000000/);
      expect(problems).toMatch(/--from must be a date/);
      expect(problems).toMatch(/--to must not be after today/);
      expect(problems).toMatch(/--concurrency must be a whole number/);
    }
  });

  it("default to a year up to today", () => {
    expect(validateOptions({}, "2026-11-22")).toMatchObject({
      from: "2025-11-22",
      to: "2026-11-22",
      dossiers: 2_000,
    });
  });
});
