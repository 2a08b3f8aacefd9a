import type { ProcedureDefinitionInput } from "@motcua/domain";
import { DEMO_PROCEDURES } from "../demo/demo-reference-data";
import { Random } from "./random";

/**
 * A generated catalogue of procedures shaped like DOMAIN.md's provincial figures (Thừa Thiên Huế, 2017:
 * departments 1,332 one-stop + 374 inter-level, districts 350 + 34, communes 134 + 19). The entries are
 * simulations and say so: ids `mo-phong-NNNNN` and codes `MP.NNNNN` cannot clash with the real catalogue
 * (ids are slugs of the procedure, codes `1.001193`-style), and names read "Thủ tục mô phỏng số N —
 * lĩnh vực X". Fields are real Vietnamese administrative fields; time limits, online levels, supplement
 * policies and inter-level flags follow realistic mixes per level.
 *
 * Pure and stable: entry N is the same whatever the catalogue's size or the simulation's seed, so
 * catalogues of different sizes extend one another and a database keeps its definitions from run to run.
 * Any prefix of the catalogue has the figures' level split (largest-deficit allocation).
 */

export type Structure = "two-level" | "three-level";
export type CatalogueProcedure = { procedureId: string } & ProcedureDefinitionInput;

/** The figures from the seeds: procedures per competent level, one-stop and inter-level. */
export const PROVINCE_SHAPE = [
  { level: "department", interLevel: false, count: 1332 },
  { level: "department", interLevel: true, count: 374 },
  { level: "district", interLevel: false, count: 350 },
  { level: "district", interLevel: true, count: 34 },
  { level: "commune", interLevel: false, count: 134 },
  { level: "commune", interLevel: true, count: 19 },
] as const;
const SHAPE_TOTAL = PROVINCE_SHAPE.reduce((sum, c) => sum + c.count, 0);

/** Fixed, so that the catalogue does not depend on `--seed`. */
const CATALOGUE_SEED = 2017;
export const SIMULATED_ID_PREFIX = "mo-phong-";
export const simulatedId = (n: number) => `${SIMULATED_ID_PREFIX}${String(n).padStart(5, "0")}`;
export const simulatedCode = (n: number) => `MP.${String(n).padStart(5, "0")}`;
/** The most procedures `--procedures` may ask for. */
export const MAX_CATALOGUE = 10_000;

const realFields = (levels: readonly string[]) => [
  ...new Set(DEMO_PROCEDURES.filter((p) => levels.includes(p.level)).map((p) => p.field)),
];
const withReal = (levels: readonly string[], others: readonly string[]) => [
  ...new Set([...realFields(levels), ...others]),
];

/** Fields (lĩnh vực) of the national catalogue, by the level that handles them. */
export const FIELDS: Record<"department" | "district" | "commune", readonly string[]> = {
  department: withReal(
    ["department", "province"],
    [
      "Đầu tư tại Việt Nam",
      "Đấu thầu",
      "Quản lý công sản",
      "Tài chính doanh nghiệp",
      "Thành lập và hoạt động của hợp tác xã",
      "Hoạt động xây dựng",
      "Quy hoạch xây dựng, kiến trúc",
      "Nhà ở",
      "Kinh doanh bất động sản",
      "Đường thủy nội địa",
      "Đất đai",
      "Môi trường",
      "Tài nguyên nước",
      "Đo đạc, bản đồ và thông tin địa lý",
      "Trồng trọt",
      "Bảo vệ thực vật",
      "Chăn nuôi",
      "Thú y",
      "Thủy sản",
      "Lâm nghiệp",
      "Thủy lợi",
      "Dược phẩm",
      "Mỹ phẩm",
      "Trang thiết bị y tế",
      "Y tế dự phòng",
      "Giám định y khoa",
      "Giáo dục trung học",
      "Văn bằng, chứng chỉ",
      "Giáo dục nghề nghiệp",
      "Việc làm",
      "An toàn, vệ sinh lao động",
      "Lao động, tiền lương",
      "Bảo trợ xã hội",
      "Người có công",
      "Trẻ em",
      "Công chức, viên chức",
      "Tổ chức phi chính phủ",
      "Tín ngưỡng, tôn giáo",
      "Văn thư và lưu trữ nhà nước",
      "Điện",
      "Hóa chất",
      "Vật liệu nổ công nghiệp",
      "Kinh doanh khí",
      "Xúc tiến thương mại",
      "Di sản văn hóa",
      "Thể dục thể thao",
      "Du lịch",
      "Nghệ thuật biểu diễn",
      "Quảng cáo",
      "Báo chí",
      "Xuất bản, in và phát hành",
      "Viễn thông và Internet",
      "Bưu chính",
      "Hoạt động khoa học và công nghệ",
      "Năng lượng nguyên tử, an toàn bức xạ và hạt nhân",
      "Sở hữu trí tuệ",
      "Luật sư",
      "Công chứng",
      "Đấu giá tài sản",
      "Giám định tư pháp",
      "Trọng tài thương mại",
      "Quốc tịch",
      "Nuôi con nuôi",
      "Ngoại vụ",
      "Giải quyết tố cáo",
    ],
  ),
  district: [
    "Hộ tịch",
    "Chứng thực",
    "Thành lập và hoạt động hộ kinh doanh",
    "Thành lập và hoạt động của hợp tác xã",
    "Đất đai",
    "Xây dựng",
    "Quy hoạch xây dựng, kiến trúc",
    "Giáo dục và Đào tạo",
    "Bảo trợ xã hội",
    "Người có công",
    "Trẻ em",
    "Văn hóa cơ sở",
    "Thể dục thể thao",
    "Lưu thông hàng hóa trong nước",
    "An toàn thực phẩm",
    "Nông nghiệp",
    "Thủy lợi",
    "Môi trường",
    "Tài nguyên nước",
    "Giải quyết khiếu nại",
    "Giải quyết tố cáo",
    "Tiếp công dân",
    "Thi đua, khen thưởng",
    "Tín ngưỡng, tôn giáo",
    "Lao động, tiền lương",
    "Phòng, chống tệ nạn xã hội",
  ],
  commune: withReal(
    ["commune"],
    [
      "Bảo trợ xã hội",
      "Văn hóa cơ sở",
      "Thi đua, khen thưởng",
      "Tín ngưỡng, tôn giáo",
      "Nông nghiệp",
      "Lâm nghiệp",
      "Phòng, chống thiên tai",
      "Hòa giải ở cơ sở",
      "Nuôi con nuôi",
      "Trẻ em",
      "Gia đình",
      "Giáo dục và Đào tạo",
    ],
  ),
};

type LimitMix = {
  sameDay: number;
  workingHours: number;
  calendarDays: number;
  hours: readonly number[];
  days: readonly number[];
  /** working days and their weights */
  workingDays: readonly (readonly [number, number])[];
};

/** Time-limit mixes per level: communes settle much on the day, departments take weeks. */
const LIMITS: Record<"department" | "district" | "commune", LimitMix> = {
  commune: {
    sameDay: 0.25,
    workingHours: 0.05,
    calendarDays: 0.05,
    hours: [4, 8, 12, 16, 24],
    days: [15, 30, 45],
    workingDays: [
      [0.5, 2],
      [1, 10],
      [2, 12],
      [3, 18],
      [5, 20],
      [7, 10],
      [10, 12],
      [15, 10],
      [20, 4],
      [30, 2],
    ],
  },
  district: {
    sameDay: 0.08,
    workingHours: 0.04,
    calendarDays: 0.08,
    hours: [8, 16, 24],
    days: [15, 30, 45, 60],
    workingDays: [
      [1, 4],
      [2, 6],
      [3, 10],
      [5, 16],
      [7, 12],
      [10, 16],
      [12, 8],
      [15, 14],
      [20, 8],
      [25, 3],
      [30, 3],
    ],
  },
  department: {
    sameDay: 0.03,
    workingHours: 0.03,
    calendarDays: 0.1,
    hours: [8, 16, 24, 40],
    days: [15, 30, 45, 60, 90],
    workingDays: [
      [1, 2],
      [2, 3],
      [3, 8],
      [5, 14],
      [7, 12],
      [10, 16],
      [12, 6],
      [15, 16],
      [20, 10],
      [25, 5],
      [30, 8],
    ],
  },
};

const ONLINE: Record<
  "department" | "district" | "commune",
  readonly (readonly ["full" | "partial" | "none", number])[]
> = {
  department: [
    ["full", 0.45],
    ["partial", 0.4],
    ["none", 0.15],
  ],
  district: [
    ["full", 0.4],
    ["partial", 0.4],
    ["none", 0.2],
  ],
  commune: [
    ["full", 0.5],
    ["partial", 0.35],
    ["none", 0.15],
  ],
};

/** The shape category of entry n (1-based): whichever lags its share of the figures the most. */
function categories(count: number): number[] {
  const taken = PROVINCE_SHAPE.map(() => 0);
  const out: number[] = [];
  for (let n = 1; n <= count; n++) {
    let best = 0;
    let bestDeficit = Number.NEGATIVE_INFINITY;
    PROVINCE_SHAPE.forEach((c, i) => {
      const deficit = (c.count / SHAPE_TOTAL) * n - (taken[i] as number);
      if (deficit > bestDeficit + 1e-12) {
        best = i;
        bestDeficit = deficit;
      }
    });
    taken[best] = (taken[best] as number) + 1;
    out.push(best);
  }
  return out;
}

function timeLimit(random: Random, mix: LimitMix): ProcedureDefinitionInput["timeLimit"] {
  const roll = random.next();
  if (roll < mix.sameDay) return { value: 0, unit: "same_day" };
  if (roll < mix.sameDay + mix.workingHours) return { value: random.pick(mix.hours), unit: "working_hours" };
  if (roll < mix.sameDay + mix.workingHours + mix.calendarDays)
    return { value: random.pick(mix.days), unit: "calendar_days" };
  return { value: random.weighted(mix.workingDays), unit: "working_days" };
}

/**
 * Entry n of the generated catalogue (1-based). In the two-level structure (after 1 July 2025) the
 * district share is handled by communes, as the reform devolved it.
 */
function entry(n: number, category: number, structure: Structure): CatalogueProcedure {
  const random = new Random((CATALOGUE_SEED * 1_000_003 + n * 2_654_435_761) >>> 0);
  random.next();
  const shape = PROVINCE_SHAPE[category] as (typeof PROVINCE_SHAPE)[number];
  const kind = shape.level;
  const level = kind === "district" && structure === "two-level" ? "commune" : kind;
  const field = random.pick(FIELDS[kind]);
  // Every entry declares its path: its own level alone when it is not inter-level (no transfers away).
  const interLevels = !shape.interLevel
    ? [level]
    : kind === "department"
      ? ["department", "province"]
      : kind === "district"
        ? [level, "department"]
        : structure === "three-level"
          ? random.chance(0.7)
            ? ["commune", "district", "department"]
            : ["commune", "district"]
          : ["commune", "department"];
  const limit = timeLimit(random, LIMITS[kind]);
  const online = random.weighted(ONLINE[kind]);
  const resume = random.chance(0.15);
  const window = random.chance(0.3) ? random.pick([5, 10, 15, 20, 30]) : undefined;
  return {
    procedureId: simulatedId(n),
    code: simulatedCode(n),
    name: `Thủ tục mô phỏng số ${n} — lĩnh vực ${field}`,
    field,
    level,
    timeLimit: limit,
    onlineService: online,
    // A district's procedures are received at communes too: where districts are gone (two-level) they
    // are the communes' own, and before that the commune counter took them for the district.
    receivableAt: kind === "district" ? [...new Set([level, "commune"])] : [level],
    interLevel: shape.interLevel,
    interLevels,
    supplementPolicy: resume ? "resume" : "restart",
    ...(window === undefined ? {} : { supplementWindowWorkingDays: window }),
  };
}

/** The first `count` entries of the generated catalogue. */
export function generateCatalogue(count: number, structure: Structure): CatalogueProcedure[] {
  return categories(count).map((category, i) => entry(i + 1, category, structure));
}

/**
 * What to register so that the catalogue holds `target` procedures: the first generated entries the
 * database does not have yet. A target at or below what exists adds none.
 */
export function missingProcedures(
  target: number,
  existingIds: ReadonlySet<string>,
  structure: Structure,
): CatalogueProcedure[] {
  const wanted = target - existingIds.size;
  if (wanted <= 0) return [];
  return generateCatalogue(target, structure)
    .filter((p) => !existingIds.has(p.procedureId))
    .slice(0, wanted);
}

const REAL_RANK = new Map(DEMO_PROCEDURES.map((p, i) => [p.procedureId, i]));

/**
 * Procedures in order of popularity: the real ones first (civil status, authentication, …, in the demo's
 * order), then the rest by id (the generated ones by number).
 */
export function byPopularity<T extends { procedureId: string }>(procedures: readonly T[]): T[] {
  return [...procedures].sort((a, b) => {
    const ra = REAL_RANK.get(a.procedureId) ?? Number.MAX_SAFE_INTEGER;
    const rb = REAL_RANK.get(b.procedureId) ?? Number.MAX_SAFE_INTEGER;
    if (ra !== rb) return ra - rb;
    return a.procedureId < b.procedureId ? -1 : a.procedureId > b.procedureId ? 1 : 0;
  });
}

/**
 * A Zipf-like pick over items in popularity order: rank r weighs 1 / r^exponent. Cumulative weights are
 * computed once; each pick is a binary search, so 100,000 picks over thousands of items take milliseconds.
 */
export function zipfPicker<T>(items: readonly T[], exponent = 1.2): (random: Random) => T {
  if (items.length === 0) throw new RangeError("a Zipf pick needs at least one item");
  const cumulative = new Float64Array(items.length);
  let total = 0;
  for (let r = 0; r < items.length; r++) {
    total += 1 / (r + 1) ** exponent;
    cumulative[r] = total;
  }
  return (random) => {
    const roll = random.next() * total;
    let lo = 0;
    let hi = items.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if ((cumulative[mid] as number) > roll) hi = mid;
      else lo = mid + 1;
    }
    return items[lo] as T;
  };
}
