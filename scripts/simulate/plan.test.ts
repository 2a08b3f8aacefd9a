import {
  CalendarYearSchema,
  createWorkSchedule,
  type DossierEvent,
  ProcedureDefinitionSchema,
  type ProcedureVersion,
  parseInstant,
} from "@motcua/domain";
import { describe, expect, it } from "vitest";
import { DEMO_CALENDARS, DEMO_PROCEDURES, demoUnits } from "../demo/demo-reference-data";
import {
  byPopularity,
  generateCatalogue,
  MAX_CATALOGUE,
  missingProcedures,
  PROVINCE_SHAPE,
  zipfPicker,
} from "./catalogue";
import { decidePlan, expected06a } from "./expected";
import { planProvince } from "./plan";
import { Random } from "./random";
import { cliOptions, OptionsError, validateOptions } from "./simulate";

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

const asVersions = (list: readonly ({ procedureId: string } & Record<string, unknown>)[]) =>
  list.map(({ procedureId, ...d }) => ({ ...ProcedureDefinitionSchema.parse(d), procedureId, version: 1 }));

describe("the generated catalogue", () => {
  const size = 2_248 - DEMO_PROCEDURES.length;
  const catalogue = generateCatalogue(size, "three-level");

  it("has the seed figures' size and level split, one-stop and inter-level", () => {
    expect(catalogue).toHaveLength(size);
    const total = PROVINCE_SHAPE.reduce((sum, c) => sum + c.count, 0);
    for (const shape of PROVINCE_SHAPE) {
      const n = catalogue.filter((p) => p.level === shape.level && p.interLevel === shape.interLevel).length;
      expect(
        Math.abs(n - (shape.count / total) * size),
        `${shape.level} ${shape.interLevel}`,
      ).toBeLessThanOrEqual(1);
    }
    // Any prefix keeps the split: the first 200 have departments, districts and communes in proportion.
    const first = generateCatalogue(200, "three-level");
    expect(first.filter((p) => p.level === "department").length).toBeGreaterThanOrEqual(150);
    expect(first.filter((p) => p.level === "district").length).toBeGreaterThanOrEqual(33);
    expect(first.filter((p) => p.level === "commune").length).toBeGreaterThanOrEqual(13);
  });

  it("has unique ids and codes that cannot clash with the real ones, and honest names", () => {
    const ids = new Set(catalogue.map((p) => p.procedureId));
    const codes = new Set(catalogue.map((p) => p.code));
    expect(ids.size).toBe(size);
    expect(codes.size).toBe(size);
    for (const real of DEMO_PROCEDURES) {
      expect(ids.has(real.procedureId)).toBe(false);
      expect(codes.has(real.code)).toBe(false);
      expect(real.code).toMatch(/^\d\.\d{6}$/);
    }
    for (const p of catalogue) {
      expect(p.code).toMatch(/^MP\.\d{5}$/);
      expect(p.name).toMatch(/^Thủ tục mô phỏng số \d+ — lĩnh vực /);
      expect(p.name).toContain(p.field);
    }
  });

  it("is valid for the API, with realistic mixes of limits, online levels and policies", () => {
    const versions = asVersions(catalogue);
    const share = (f: (p: (typeof versions)[number]) => boolean) =>
      versions.filter(f).length / versions.length;
    expect(share((p) => p.timeLimit.unit === "working_days")).toBeGreaterThan(0.7);
    expect(share((p) => p.timeLimit.unit === "same_day")).toBeGreaterThan(0.02);
    expect(share((p) => p.timeLimit.unit === "calendar_days")).toBeGreaterThan(0.03);
    expect(share((p) => p.timeLimit.unit === "working_hours")).toBeGreaterThan(0.01);
    const days = versions.filter((p) => p.timeLimit.unit === "working_days").map((p) => p.timeLimit.value);
    expect(Math.min(...days)).toBeLessThanOrEqual(1);
    expect(Math.max(...days)).toBe(30);
    for (const level of ["full", "partial", "none"])
      expect(share((p) => p.onlineService === level)).toBeGreaterThan(0.1);
    expect(share((p) => p.supplementPolicy === "restart")).toBeGreaterThan(0.75);
    expect(share((p) => p.supplementPolicy === "resume")).toBeGreaterThan(0.08);
    expect(new Set(versions.map((p) => p.field)).size).toBeGreaterThan(60);
    // Inter-level commune procedures go up through the district in three levels.
    const communeInter = versions.filter((p) => p.level === "commune" && p.interLevel);
    expect(communeInter.every((p) => p.interLevels[1] === "district")).toBe(true);
  });

  it("is deterministic and extends itself: entry N is the same whatever the size", () => {
    expect(generateCatalogue(size, "three-level")).toEqual(catalogue);
    expect(generateCatalogue(300, "three-level")).toEqual(catalogue.slice(0, 300));
  });

  it("hands districts' procedures to communes in the two-level structure", () => {
    const twoLevel = generateCatalogue(size, "two-level");
    expect(twoLevel.map((p) => p.procedureId)).toEqual(catalogue.map((p) => p.procedureId));
    expect(twoLevel.some((p) => p.level === "district" || p.interLevels?.includes("district"))).toBe(false);
    expect(twoLevel.filter((p) => p.level === "commune").length).toBe(
      catalogue.filter((p) => p.level === "commune" || p.level === "district").length,
    );
  });

  it("registers only what is missing to reach the target, none below what exists", () => {
    const real = new Set(DEMO_PROCEDURES.map((p) => p.procedureId));
    expect(missingProcedures(0, real, "two-level")).toEqual([]);
    expect(missingProcedures(20, real, "two-level")).toEqual([]);
    const missing = missingProcedures(2_000, real, "two-level");
    expect(missing).toHaveLength(2_000 - real.size);
    const some = new Set([...real, ...missing.slice(0, 500).map((p) => p.procedureId)]);
    const rest = missingProcedures(2_000, some, "two-level");
    expect(rest).toEqual(missing.slice(500));
    expect(missingProcedures(MAX_CATALOGUE, some, "two-level")).toHaveLength(MAX_CATALOGUE - some.size);
  });
});

describe("the Zipf-like popularity", () => {
  it("favours the head and still reaches the tail, fast", () => {
    const items = Array.from({ length: 2_000 }, (_, i) => i);
    const pick = zipfPicker(items);
    const random = new Random(3);
    const counts = new Float64Array(items.length);
    const started = performance.now();
    for (let i = 0; i < 100_000; i++) {
      const k = pick(random);
      counts[k] = (counts[k] ?? 0) + 1;
    }
    expect(performance.now() - started).toBeLessThan(1_000);
    const [first, second, tenth, hundredth] = [counts[0], counts[1], counts[9], counts[99]] as [
      number,
      number,
      number,
      number,
    ];
    expect(first).toBeGreaterThan(second);
    expect(second).toBeGreaterThan(tenth);
    expect(tenth).toBeGreaterThan(hundredth);
    const top10 = counts.slice(0, 10).reduce((a, b) => a + b, 0);
    expect(top10 / 100_000).toBeGreaterThan(0.4);
    expect(counts.slice(1_000).some((c) => c > 0)).toBe(true);
    expect(counts.filter((c) => c > 0).length).toBeGreaterThan(1_000);
  });

  it("puts the real procedures first, civil status ahead", () => {
    const ordered = byPopularity([
      ...asVersions(generateCatalogue(50, "two-level")),
      ...procedures.slice().reverse(),
    ]);
    expect(ordered.slice(0, DEMO_PROCEDURES.length).map((p) => p.procedureId)).toEqual(
      DEMO_PROCEDURES.map((p) => p.procedureId),
    );
    expect(ordered[0]?.procedureId).toBe("ho-tich-khai-sinh");
  });

  it("gives the real procedures most dossiers in a province with a large catalogue", () => {
    const large = [...procedures, ...asVersions(generateCatalogue(1_000, "two-level"))];
    const many = planProvince({ ...options, dossiers: 6_000, procedures: large });
    const real = new Set(DEMO_PROCEDURES.map((p) => p.procedureId));
    expect(many.filter((p) => real.has(p.procedureId)).length / many.length).toBeGreaterThan(0.5);
    expect(new Set(many.map((p) => p.procedureId)).size).toBeGreaterThan(300);
  });
});

describe("the three-level structure", () => {
  const threeUnits = demoUnits("19", { structure: "three-level" });
  const threeProcedures = [...procedures, ...asVersions(generateCatalogue(600, "three-level"))];
  const threeOptions = { ...options, dossiers: 3_000, units: threeUnits, procedures: threeProcedures };
  const threePlans = planProvince(threeOptions);
  const unitById = new Map(threeUnits.map((u) => [u.unitId, u]));
  const procedureById = new Map(threeProcedures.map((p) => [p.procedureId, p]));

  it("groups the communes into about nine synthetic districts under the province", () => {
    const districts = threeUnits.filter((u) => u.level === "district");
    expect(districts).toHaveLength(9);
    for (const d of districts) {
      expect(d.parentId).toBe("vn-19");
      expect(d.name).toMatch(/Huyện mô phỏng số \d/);
      expect(threeUnits.filter((u) => u.parentId === d.unitId).length).toBeGreaterThanOrEqual(9);
    }
    expect(threeUnits.filter((u) => u.level === "commune").every((u) => u.parentId?.includes("huyen"))).toBe(
      true,
    );
    expect(new Set(threeUnits.map((u) => u.code)).size).toBe(threeUnits.length);
    expect(demoUnits("19").some((u) => u.level === "district")).toBe(false);
  });

  it("receives district-level procedures at districts and transfers commune → district → department", () => {
    const atDistricts = threePlans.filter((p) => unitById.get(p.unitId)?.level === "district");
    expect(atDistricts.length / threePlans.length).toBeGreaterThan(0.1);
    expect(atDistricts.every((p) => procedureById.get(p.procedureId)?.level === "district")).toBe(true);
    const upward = threePlans.filter((p) => {
      const hops = p.actions
        .filter((a) => a.action === "transfer")
        .map((a) => unitById.get(a.toUnitId as string));
      return (
        hops.length === 2 &&
        hops[0]?.level === "district" &&
        hops[0]?.unitId === unitById.get(p.unitId)?.parentId &&
        hops[1]?.level === "department"
      );
    });
    expect(upward.length).toBeGreaterThan(0);
  });

  it("plans lives the domain accepts, with a 06a whose identities hold", () => {
    const lives = threePlans.map((plan) =>
      decidePlan(plan, procedureById.get(plan.procedureId) as ProcedureVersion, schedule, now),
    );
    const c = expected06a(lives, options.from, options.to);
    expect(c.received).toBe(threePlans.length);
    expect(c.received).toBe(c.resolved + c.pending);
    const onTime = (c.resolvedEarly + c.resolvedOnTime) / c.resolved;
    expect(onTime).toBeGreaterThanOrEqual(0.97);
    expect(onTime).toBeLessThan(0.999);
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

  it("default to a year up to today, two levels after the reform, 2,000 procedures, no live run", () => {
    const defaults = validateOptions({}, "2026-11-22");
    expect(defaults).toMatchObject({
      from: "2025-11-22",
      to: "2026-11-22",
      dossiers: 2_000,
      procedures: 2_000,
      structure: "two-level",
      structureGiven: false,
    });
    expect(defaults.speed).toBeUndefined();
    expect(defaults.duration).toBeUndefined();
    expect(validateOptions({ from: "2024-06-01", to: "2025-05-31" }, "2026-11-22").structure).toBe(
      "three-level",
    );
    expect(validateOptions({ from: "2024-06-01", structure: "two-level" }, "2026-11-22").structure).toBe(
      "two-level",
    );
    expect(validateOptions({ speed: "0.5", duration: "20" }, "2026-11-22")).toMatchObject({
      speed: 0.5,
      duration: 20,
    });
    expect(validateOptions({ procedures: "0" }, "2026-11-22").procedures).toBe(0);
  });

  const problemsOf = (raw: Record<string, string>) => {
    try {
      validateOptions(raw, "2026-11-22");
    } catch (error) {
      expect(error).toBeInstanceOf(OptionsError);
      return (error as OptionsError).problems.join("\n");
    }
    return "";
  };

  it("say what is wrong with --procedures, --structure, --speed and --duration", () => {
    for (const bad of ["-1", "x", "2.5", "", String(MAX_CATALOGUE + 1)])
      expect(problemsOf({ procedures: bad })).toMatch(/--procedures must be a whole number from 0 to 10000/);
    expect(problemsOf({ structure: "four-level" })).toMatch(
      /--structure must be two-level or three-level \(got four-level\)/,
    );
    for (const bad of ["0", "-2", "abc", "", "Infinity", "10001"])
      expect(problemsOf({ speed: bad })).toMatch(/--speed must be a number greater than 0 and at most 10000/);
    for (const bad of ["0", "1.5", "x", "604801"])
      expect(problemsOf({ speed: "2", duration: bad })).toMatch(
        /--duration must be a whole number from 1 to/,
      );
    expect(problemsOf({ duration: "20" })).toMatch(/--duration needs --speed/);
    expect(problemsOf({ url: "ftp://example.org" })).toMatch(/--url must be an http/);
    expect(problemsOf({ url: "not a url" })).toMatch(/--url must be an http/);
  });

  it("check every option the command line accepts", () => {
    const bad: Record<string, string> = {
      dossiers: "0",
      units: "0",
      from: "yesterday",
      to: "2030-01-01",
      procedures: "-1",
      structure: "one-level",
      speed: "0",
      duration: "0",
      seed: "-1",
      concurrency: "1000",
      url: "localhost",
    };
    for (const name of Object.keys(cliOptions).filter((n) => n !== "help")) {
      expect(bad[name], `a bad value for --${name}`).toBeDefined();
      expect(
        problemsOf({ [name]: bad[name] as string, ...(name === "duration" ? { speed: "1" } : {}) }),
      ).toMatch(new RegExp(`--${name} `));
    }
  });
});
