import {
  addWorkingTime,
  computeDueAt,
  formatInstant,
  type Instant,
  isWorkingDay,
  localDateToDay,
  nextWorkingMoment,
  type ProcedureVersion,
  receivableLevels,
  resumeDueAt,
  startOfLocalDay,
  type WorkSchedule,
  workingTimeBetween,
} from "@motcua/domain";
import { byPopularity, zipfPicker } from "./catalogue";
import { Random } from "./random";

/**
 * Plans a province's dossiers: who files what, where, when, and what happens to each, shaped after
 * DOMAIN.md's seed figures (about half online, 97–99.9 % on time with a tail of late ones, inter-level
 * transfers, supplements under both policies, apologies, fees, withdrawals and stops). Pure: the same
 * seed gives the same province. Deadlines come from the domain's own engine, so a plan "on time" is on
 * time by the same rules the API applies.
 */

export interface SimulationUnit {
  readonly unitId: string;
  readonly level: string;
  /** A commune's district, in the three-level structure; the province for the others. */
  readonly parentId?: string | null;
}

export type PlannedAction = { readonly action: string; readonly at: string } & Record<string, unknown>;

export interface DossierPlan {
  readonly dossierId: string;
  readonly unitId: string;
  readonly procedureId: string;
  readonly channel: "direct" | "online" | "postal";
  readonly applicant: { name: string; idNumber: string; phone?: string };
  readonly documents: { name: string; digitized: boolean }[];
  readonly receivedAt: string;
  /** Actions up to `now`; later ones have not happened yet. */
  readonly actions: PlannedAction[];
}

export interface PlanOptions {
  readonly seed: number;
  readonly dossiers: number;
  /** Local dates, both included. */
  readonly from: string;
  readonly to: string;
  /** Nothing is planned after this instant. */
  readonly now: Instant;
  readonly units: readonly SimulationUnit[];
  readonly procedures: readonly ProcedureVersion[];
  readonly schedule: WorkSchedule;
}

const HOUR = 3_600_000;
const FAMILY = [
  "Nguyễn",
  "Trần",
  "Lê",
  "Phạm",
  "Hoàng",
  "Huỳnh",
  "Phan",
  "Vũ",
  "Võ",
  "Đặng",
  "Bùi",
  "Đỗ",
  "Hồ",
  "Ngô",
  "Dương",
  "Lý",
];
const MIDDLE = ["Văn", "Thị", "Hữu", "Đức", "Minh", "Thanh", "Ngọc", "Quang", "Thu", "Xuân"];
const GIVEN = [
  "An",
  "Bình",
  "Chi",
  "Dũng",
  "Giang",
  "Hà",
  "Hải",
  "Hùng",
  "Lan",
  "Linh",
  "Mai",
  "Nam",
  "Phương",
  "Quân",
  "Sơn",
  "Thảo",
  "Trang",
  "Tuấn",
  "Vy",
  "Yến",
];
const DOCUMENTS = ["Tờ khai", "Bản sao giấy tờ tùy thân", "Giấy tờ chứng minh", "Bản vẽ", "Biên lai"];

function uuid(random: Random): string {
  const hex = Array.from({ length: 32 }, () => Math.floor(random.next() * 16).toString(16));
  hex[12] = "4";
  hex[16] = ((Number.parseInt(hex[16] as string, 16) & 0x3) | 0x8).toString(16);
  const s = hex.join("");
  return `${s.slice(0, 8)}-${s.slice(8, 12)}-${s.slice(12, 16)}-${s.slice(16, 20)}-${s.slice(20)}`;
}

/** The working time a procedure's limit amounts to, for placing actions within it. */
function limitMs(schedule: WorkSchedule, start: Instant, due: Instant | null): number {
  if (due === null) return 5 * schedule.dayMs;
  return Math.max(HOUR, workingTimeBetween(schedule, start, due));
}

/** An arrival: counter and post within office hours of a working day; online at any hour. */
function arrival(
  random: Random,
  schedule: WorkSchedule,
  fromDay: number,
  toDay: number,
  online: boolean,
): Instant {
  for (let attempt = 0; attempt < 100; attempt++) {
    const day = random.int(fromDay, toDay);
    const midnight = startOfLocalDay(day, schedule.utcOffsetMinutes);
    if (online && random.chance(0.3)) {
      // Evenings and weekends: the portal never closes.
      return midnight + random.int(6 * 60, 23 * 60) * 60_000;
    }
    if (!isWorkingDay(schedule, day)) continue;
    const period = random.weighted(schedule.periods.map((p, i) => [p, i === 0 ? 0.6 : 0.4] as const));
    return midnight + period.startMs + Math.floor(random.next() * (period.endMs - period.startMs - 60_000));
  }
  return startOfLocalDay(fromDay, schedule.utcOffsetMinutes) + (schedule.periods[0]?.startMs ?? 0);
}

/** Where dossiers arrive: the share of each receiving level (Hà Đông: its wards took four in five). */
const RECEIVING_SHARE: Record<string, number> = { commune: 0.64, district: 0.16, department: 0.2 };
const LEVEL_RANK: Record<string, number> = { commune: 0, district: 1, department: 2, province: 3 };
/** The way up when an inter-level procedure does not name its levels. */
const DEFAULT_CHAIN: Record<string, readonly string[]> = {
  commune: ["district", "department"],
  district: ["department"],
  department: ["province"],
};

type PlannedProcedure = Pick<
  ProcedureVersion,
  "procedureId" | "level" | "interLevel" | "interLevels" | "receivableAt"
>;

/**
 * A province's shape for drawing dossiers: which level receives (communes most, districts when the
 * structure has them, departments), which procedure (a Zipf-like popularity within the level: the real
 * procedures first, the long tail of the catalogue a few each), and the units an inter-level dossier
 * passes through (commune → its district → a department; a department → the province). Shared by the
 * history planner and the live arrivals.
 */
export interface ProvinceShape<P extends PlannedProcedure> {
  readonly units: readonly SimulationUnit[];
  pickArrival(random: Random): { unit: SimulationUnit; procedure: P };
  /** The units after the receiving one, in order, that an inter-level dossier is transferred to. */
  transferChain(random: Random, unit: SimulationUnit, procedure: P): SimulationUnit[];
}

export function provinceShape<P extends PlannedProcedure>(
  units: readonly SimulationUnit[],
  procedures: readonly P[],
): ProvinceShape<P> {
  if (procedures.length === 0) throw new RangeError("a province needs at least one procedure");
  const unitsOf = (level: string) => units.filter((u) => u.level === level);
  const communes = unitsOf("commune");
  const districts = unitsOf("district");
  const departments = unitsOf("department");
  const province = units.find((u) => u.level === "province") ?? null;
  const byId = new Map(units.map((u) => [u.unitId, u]));
  // Each level receives what the procedures say it may (their receivableAt, else their own level): the
  // decider refuses anything else. Communes also take what districts used to, when the catalogue says so.
  const receivableAt = (level: string) => procedures.filter((p) => receivableLevels(p).includes(level));
  const pools: Record<string, P[]> = {
    commune: receivableAt("commune"),
    district: districts.length === 0 ? [] : receivableAt("district"),
    department: receivableAt("department"),
  };
  const receiving = (
    [
      ["commune", communes],
      ["district", districts],
      ["department", departments],
    ] as const
  )
    .filter(([level, list]) => list.length > 0 && (pools[level]?.length ?? 0) > 0)
    .map(([level, list]) => ({
      units: list,
      pick: zipfPicker(byPopularity(pools[level] as P[])),
      weight: RECEIVING_SHARE[level] as number,
    }));
  const anyProcedure = zipfPicker(byPopularity(procedures));
  const anyUnits = units.filter((u) => u.level !== "province");
  const fallback = anyUnits.length > 0 ? anyUnits : units;

  return {
    units,
    pickArrival(random) {
      if (receiving.length === 0) return { unit: random.pick(fallback), procedure: anyProcedure(random) };
      const at = random.weighted(receiving.map((r) => [r, r.weight] as const));
      return { unit: random.pick(at.units), procedure: at.pick(random) };
    },
    transferChain(random, unit, procedure) {
      if (!procedure.interLevel) return [];
      const declared = procedure.interLevels.length > 0 ? procedure.interLevels : DEFAULT_CHAIN[unit.level];
      const from = LEVEL_RANK[unit.level] ?? Number.POSITIVE_INFINITY;
      const chain: SimulationUnit[] = [];
      let below = unit;
      for (const level of declared ?? []) {
        if ((LEVEL_RANK[level] ?? -1) <= from) continue;
        let next: SimulationUnit | null | undefined = null;
        if (level === "district") {
          const parent = below.parentId ? byId.get(below.parentId) : undefined;
          next = parent?.level === "district" ? parent : districts.length > 0 ? random.pick(districts) : null;
        } else if (level === "department") {
          next = departments.length > 0 ? random.pick(departments) : null;
        } else if (level === "province") {
          next = province;
        }
        if (next && next.unitId !== below.unitId) {
          chain.push(next);
          below = next;
        }
      }
      return chain;
    },
  };
}

/** Working minutes in [from, to] (local dates, both included) up to `now`: the period's office time. */
export function workingMinutesOf(schedule: WorkSchedule, from: string, to: string, now: Instant): number {
  const start = startOfLocalDay(localDateToDay(from), schedule.utcOffsetMinutes);
  const end = Math.min(startOfLocalDay(localDateToDay(to) + 1, schedule.utcOffsetMinutes), now);
  return end <= start ? 0 : workingTimeBetween(schedule, start, end) / 60_000;
}

export function planProvince(options: PlanOptions): DossierPlan[] {
  const random = new Random(options.seed);
  const { schedule } = options;
  const shape = provinceShape(options.units, options.procedures);
  const fromDay = localDateToDay(options.from);
  const toDay = Math.min(
    localDateToDay(options.to),
    Math.floor((options.now + schedule.utcOffsetMinutes * 60_000) / 86_400_000),
  );
  // Each unit has its own punctuality: most are excellent, a few struggle (DOMAIN.md: 96.84, 93.45 …).
  const lateRate = new Map(
    options.units.map((u) => [
      u.unitId,
      random.chance(0.1) ? random.between(0.01, 0.03) : random.between(0.001, 0.01),
    ]),
  );

  const plans: DossierPlan[] = [];
  for (let i = 0; i < options.dossiers; i++) {
    const { unit, procedure } = shape.pickArrival(random);
    const online =
      procedure.onlineService !== "none" && random.chance(procedure.onlineService === "full" ? 0.65 : 0.35);
    const channel = online ? "online" : random.chance(0.08) ? "postal" : "direct";
    const received = arrival(random, schedule, fromDay, toDay, online);
    if (received > options.now) continue;
    const chain = shape.transferChain(random, unit, procedure);
    plans.push(
      planLife(random, options, unit, procedure, channel, received, chain, lateRate.get(unit.unitId) ?? 0.01),
    );
  }
  return plans;
}

function planLife(
  random: Random,
  options: PlanOptions,
  unit: SimulationUnit,
  procedure: ProcedureVersion,
  channel: DossierPlan["channel"],
  received: Instant,
  chain: readonly SimulationUnit[],
  lateRate: number,
): DossierPlan {
  const { schedule } = options;
  const rules = { timeLimit: procedure.timeLimit, sameDayCutoff: procedure.sameDayCutoff };
  const at = (instant: Instant) => formatInstant(instant, schedule.utcOffsetMinutes);
  const actions: PlannedAction[] = [];
  let clock = nextWorkingMoment(schedule, received);
  let { dueAt } = computeDueAt(schedule, rules, received);
  const limit = limitMs(schedule, clock, dueAt);
  const after = (from: Instant, fraction: number) =>
    addWorkingTime(schedule, from, Math.max(60_000, Math.floor(limit * fraction)));

  for (const [hop, next] of chain.entries()) {
    clock = after(clock, hop === 0 ? random.between(0.05, 0.2) : random.between(0.05, 0.15));
    actions.push({
      action: "transfer",
      at: at(clock),
      toUnitId: next.unitId,
      reason: "Chuyển hồ sơ liên thông",
    });
  }

  const fate = random.next();
  if (fate < 0.01) {
    actions.push({
      action: "withdraw",
      at: at(after(clock, random.between(0.1, 0.6))),
      reason: "Công dân xin rút hồ sơ",
    });
    return finish();
  }

  const requests = random.chance(0.08) ? (random.chance(0.04) ? 2 : 1) : 0;
  for (let r = 0; r < requests; r++) {
    const pausedAt = after(clock, random.between(0.1, 0.4));
    actions.push({
      action: "supplement-request",
      at: at(pausedAt),
      reason: "Đề nghị bổ sung giấy tờ còn thiếu (Mẫu 02)",
    });
    if (random.chance(0.06)) {
      const closeAt = addWorkingTime(
        schedule,
        pausedAt,
        (procedure.supplementWindowWorkingDays ?? 15) * schedule.dayMs + HOUR,
      );
      actions.push({ action: "supplement-missed", at: at(closeAt) });
      return finish();
    }
    const resumedAt = addWorkingTime(schedule, pausedAt, random.int(1, 5) * schedule.dayMs);
    actions.push({ action: "supplement-received", at: at(resumedAt) });
    dueAt =
      procedure.supplementPolicy === "restart"
        ? computeDueAt(schedule, rules, resumedAt).dueAt
        : resumeDueAt(schedule, dueAt, pausedAt, resumedAt);
    clock = resumedAt;
  }

  if (random.chance(0.03) && dueAt !== null) {
    const requestedAt = after(clock, random.between(0.05, 0.2));
    actions.push({
      action: "fee-request",
      at: at(requestedAt),
      reason: "Nộp phí, lệ phí",
      amount: random.int(1, 50) * 10_000,
    });
    const paidAt = addWorkingTime(schedule, requestedAt, random.int(2, 12) * HOUR);
    actions.push({ action: "fee-paid", at: at(paidAt) });
    dueAt = resumeDueAt(schedule, dueAt, requestedAt, paidAt);
    clock = paidAt;
  }

  if (fate < 0.02) {
    actions.push({
      action: "stop",
      at: at(after(clock, random.between(0.1, 0.5))),
      reason: "Hồ sơ không đủ điều kiện giải quyết",
    });
    return finish();
  }

  const late = dueAt !== null && random.chance(lateRate);
  let resolveAt: Instant;
  if (late && dueAt !== null) {
    resolveAt = addWorkingTime(
      schedule,
      dueAt,
      Math.max(schedule.dayMs, Math.floor(limit * random.between(0.05, 0.5))),
    );
    if (random.chance(0.6)) {
      const apologyAt = Math.max(clock + 60_000, dueAt - 4 * HOUR);
      if (apologyAt < resolveAt) {
        actions.push({
          action: "apology",
          at: at(apologyAt),
          reason: "Hồ sơ cần xin ý kiến cơ quan liên quan",
          promisedAt: at(addWorkingTime(schedule, resolveAt, HOUR)),
        });
      }
    }
  } else {
    const window = dueAt === null ? limit : Math.max(60_000, workingTimeBetween(schedule, clock, dueAt));
    resolveAt = addWorkingTime(
      schedule,
      clock,
      Math.max(60_000, Math.floor(window * random.between(0.1, 0.97))),
    );
    if (dueAt !== null && resolveAt > dueAt) resolveAt = dueAt;
  }
  actions.push({
    action: "resolve",
    at: at(resolveAt),
    outcome: random.chance(0.97) ? "approved" : "rejected",
  });
  const returnAt = addWorkingTime(schedule, resolveAt, random.int(1, 16) * HOUR);
  actions.push({
    action: "return",
    at: at(returnAt),
    method: channel === "online" ? "online" : channel === "postal" ? "postal" : "counter",
  });
  return finish();

  function finish(): DossierPlan {
    const family = random.pick(FAMILY);
    const applicant = {
      name: `${family} ${random.pick(MIDDLE)} ${random.pick(GIVEN)}`,
      idNumber: `0${String(random.int(1, 96)).padStart(2, "0")}${random.int(0, 3)}${String(random.int(50, 99)).padStart(2, "0")}${String(random.int(0, 999_999)).padStart(6, "0")}`,
      ...(random.chance(0.8) ? { phone: `09${String(random.int(0, 99_999_999)).padStart(8, "0")}` } : {}),
    };
    const documentCount = random.int(1, 4);
    const digitized = channel === "online" || random.chance(0.85);
    return {
      dossierId: uuid(random),
      unitId: unit.unitId,
      procedureId: procedure.procedureId,
      channel,
      applicant,
      documents: DOCUMENTS.slice(0, documentCount).map((name) => ({ name, digitized })),
      receivedAt: at(received),
      actions: actions.filter((a) => Date.parse(a.at) <= options.now),
    };
  }
}
