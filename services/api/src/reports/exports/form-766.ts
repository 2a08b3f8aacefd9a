import { type FormSheet, formDate, type SheetCell } from "./sheet";

/** The six groups of Decision 766, in the order the national portal prints them, with their names. */
export const GROUPS_766 = [
  ["transparency", "Công khai, minh bạch"],
  ["progress", "Tiến độ giải quyết"],
  ["online", "Dịch vụ công trực tuyến"],
  ["payment", "Thanh toán trực tuyến"],
  ["digitisation", "Số hóa hồ sơ"],
  ["satisfaction", "Mức độ hài lòng"],
] as const;

export type Group766 = (typeof GROUPS_766)[number][0];

/** `GET /indicators/766`'s answer (../shared/API.md), the parts the table prints. */
export interface Score766Answer {
  readonly unitId: string;
  readonly period: string;
  readonly from: string;
  readonly to: string;
  readonly totalScore: number;
  readonly groupScores: Record<Group766, number>;
  readonly indicators: {
    id: string;
    group: string;
    name?: string;
    value: number | null;
    score: number;
    max: number;
    formula: string;
    missingData?: string;
    note?: string;
  }[];
  readonly position: number;
}

/** `GET /rankings/766`'s answer. */
export interface Ranking766Answer {
  readonly items: {
    unitId: string;
    name: string;
    rank: number;
    totalScore: number;
    groupScores: Record<Group766, number>;
    band?: string;
    /** Places gained since the previous period (negative: lost); null if unranked then. */
    change?: number | null;
    /** Points gained since the previous period. */
    scoreChange?: number | null;
  }[];
  readonly position: number;
}

const PERIOD_NAMES: Record<string, string> = { month: "tháng", quarter: "quý", year: "năm" };

const heading = (unit: { name: string; code: string }, score: { period: string; from: string; to: string }) =>
  `Đơn vị: ${unit.name} (${unit.code}); kỳ đánh giá: ${PERIOD_NAMES[score.period] ?? score.period}, từ ngày ${formDate(
    score.from,
  )} đến ngày ${formDate(score.to)}`;

/** What the portal's figure needs and motcua lacks (scored 0), and the indicator's note. */
const noteOf = (item: Score766Answer["indicators"][number]): string | null =>
  [item.missingData ? `Thiếu dữ liệu: ${item.missingData}` : null, item.note ?? null]
    .filter((part) => part !== null)
    .join(". ") || null;

/** The unit's 766 table, first column to last. */
export const FORM_766_COLUMNS = [
  "STT",
  "Nhóm chỉ số",
  "Mã chỉ số",
  "Tên chỉ số",
  "Công thức",
  "Giá trị",
  "Điểm",
  "Điểm tối đa",
  "Ghi chú",
] as const;

/**
 * The unit's 766 table as the national portal lays it out: per group its sub-indicators (value, score,
 * maximum, formula, what data motcua lacks), the group's score, and the total out of 100.
 */
export function form766Indicators(score: Score766Answer, unit: { name: string; code: string }): FormSheet {
  const width = FORM_766_COLUMNS.length;
  const blank = (n: number): SheetCell[] => new Array(n).fill(null);
  const rows: SheetCell[][] = [
    [
      "BỘ CHỈ SỐ CHỈ ĐẠO, ĐIỀU HÀNH VÀ ĐÁNH GIÁ CHẤT LƯỢNG PHỤC VỤ NGƯỜI DÂN, DOANH NGHIỆP (QUYẾT ĐỊNH 766/QĐ-TTg)",
      ...blank(width - 1),
    ],
    [heading(unit, score), ...blank(width - 1)],
    [`Số liệu ở vị trí sự kiện ${score.position}.`, ...blank(width - 1)],
    [...FORM_766_COLUMNS],
  ];
  let n = 0;
  for (const [group, name] of GROUPS_766) {
    const items = score.indicators.filter((i) => i.group === group);
    const max = items.reduce((sum, i) => sum + i.max, 0);
    rows.push([null, name, null, "Cộng nhóm", null, null, score.groupScores[group], max || null, null]);
    for (const item of items) {
      n += 1;
      rows.push([
        n,
        name,
        item.id,
        item.name ?? null,
        item.formula,
        item.value,
        item.score,
        item.max,
        noteOf(item),
      ]);
    }
  }
  rows.push([null, "Tổng điểm", null, null, null, null, score.totalScore, 100, null]);
  return {
    name: "Chỉ số 766",
    rows,
    merges: [
      [1, 1, 1, width],
      [2, 1, 2, width],
      [3, 1, 3, width],
    ],
    titleRow: 1,
    headingRows: [4],
    bodyRows: [5, rows.length],
    widths: [6, 24, 9, 40, 44, 10, 10, 10, 40],
    decimals: { 6: 2, 7: 2, 8: 2 },
  };
}

/** The ranking of the units under the chosen one: rank, unit, total, each group, band, change. */
export function form766Rankings(
  ranking: Ranking766Answer,
  score: Score766Answer,
  unit: { name: string; code: string },
): FormSheet {
  const width = 4 + GROUPS_766.length + 3;
  const blank = (k: number): SheetCell[] => new Array(k).fill(null);
  const rows: SheetCell[][] = [
    ["XẾP HẠNG CÁC ĐƠN VỊ THEO BỘ CHỈ SỐ 766", ...blank(width - 1)],
    [heading(unit, score), ...blank(width - 1)],
    [`Số liệu ở vị trí sự kiện ${ranking.position}.`, ...blank(width - 1)],
    [
      "Hạng",
      "Mã đơn vị",
      "Đơn vị",
      "Tổng điểm",
      ...GROUPS_766.map(([, name]) => name),
      "Xếp loại",
      "Thay đổi thứ hạng so với kỳ trước",
      "Thay đổi điểm so với kỳ trước",
    ],
  ];
  for (const item of ranking.items) {
    rows.push([
      item.rank,
      item.unitId,
      item.name,
      item.totalScore,
      ...GROUPS_766.map(([group]) => item.groupScores[group]),
      item.band ?? null,
      item.change ?? null,
      item.scoreChange ?? null,
    ]);
  }
  const decimals: Record<number, number> = { 4: 2, [width]: 2 };
  for (let c = 5; c < 5 + GROUPS_766.length; c++) decimals[c] = 2;
  return {
    name: "Xếp hạng 766",
    rows,
    merges: [
      [1, 1, 1, width],
      [2, 1, 2, width],
      [3, 1, 3, width],
    ],
    titleRow: 1,
    headingRows: [4],
    bodyRows: [5, Math.max(5, rows.length)],
    totalRow: false,
    widths: [7, 18, 36, 10, ...GROUPS_766.map(() => 14), 12, 14, 14],
    decimals,
  };
}
