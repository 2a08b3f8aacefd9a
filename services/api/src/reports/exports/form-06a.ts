import { type FormSheet, formDate, type SheetCell } from "./sheet";

/** The counts of one row of the 06a, as `GET /reports/06a` answers them. */
export interface Report06aCountsRow {
  readonly received: number;
  readonly receivedOnline: number;
  readonly receivedDirect: number;
  readonly carriedOver: number;
  readonly resolved: number;
  readonly resolvedEarly: number;
  readonly resolvedOnTime: number;
  readonly resolvedLate: number;
  readonly pending: number;
  readonly pendingInTime: number;
  readonly pendingOverdue: number;
}

export interface Report06aAnswer {
  readonly unitId: string;
  readonly from: string;
  readonly to: string;
  readonly includeSubunits: boolean;
  readonly total: Report06aCountsRow;
  readonly rows: (Report06aCountsRow & { field: string })[];
  readonly asOf: string;
  readonly toCapped: boolean;
  readonly position: number;
}

/** The form's columns (3) to (13), in its order. */
export const FORM_06A_COUNT_COLUMNS = [
  "received",
  "receivedOnline",
  "receivedDirect",
  "carriedOver",
  "resolved",
  "resolvedEarly",
  "resolvedOnTime",
  "resolvedLate",
  "pending",
  "pendingInTime",
  "pendingOverdue",
] as const satisfies readonly (keyof Report06aCountsRow)[];

/** The rows of the table body start here (1-based), one per field, then the total. */
export const FORM_06A_FIRST_BODY_ROW = 10;

/**
 * Biểu mẫu 06a/VPCP/KSTT (Circular 01/2020/TT-VPCP, kept by its successors): the situation and results of
 * resolving administrative procedures at the body that resolves them. Its heading rows, then one row per
 * field (lĩnh vực) with columns (1)–(13), then the total.
 */
export function form06a(
  report: Report06aAnswer,
  unit: { name: string; code: string },
  parentName: string | null,
): FormSheet {
  const blank = (n: number): SheetCell[] => new Array(n).fill(null);
  const rows: SheetCell[][] = [
    [`Đơn vị báo cáo: ${unit.name} (${unit.code})`, ...blank(8), "Biểu số II.06a/VPCP/KSTT", ...blank(3)],
    [`Đơn vị nhận báo cáo: ${parentName ?? "Văn phòng Chính phủ"}`, ...blank(12)],
    [
      "TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH TẠI CƠ QUAN, ĐƠN VỊ TRỰC TIẾP GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH",
      ...blank(12),
    ],
    [
      `Kỳ báo cáo: từ ngày ${formDate(report.from)} đến ngày ${formDate(report.to)}${
        report.toCapped ? ` (số liệu tính đến hết ngày ${formDate(report.asOf)})` : ""
      }${report.includeSubunits ? "; gồm các đơn vị trực thuộc" : ""}`,
      ...blank(12),
    ],
    [`Đơn vị tính: hồ sơ. Số liệu ở vị trí sự kiện ${report.position}.`, ...blank(12)],
    [
      "STT",
      "Lĩnh vực giải quyết",
      "Số hồ sơ nhận giải quyết",
      null,
      null,
      null,
      "Kết quả giải quyết: số hồ sơ đã giải quyết",
      null,
      null,
      null,
      "Số hồ sơ đang giải quyết",
      null,
      null,
    ],
    [
      null,
      null,
      "Tổng số",
      "Trong kỳ",
      null,
      "Từ kỳ trước",
      "Tổng số",
      "Trước hạn",
      "Đúng hạn",
      "Quá hạn",
      "Tổng số",
      "Trong hạn",
      "Quá hạn",
    ],
    [
      null,
      null,
      null,
      "Trực tuyến",
      "Trực tiếp, dịch vụ bưu chính công ích",
      null,
      null,
      null,
      null,
      null,
      null,
      null,
      null,
    ],
    Array.from({ length: 13 }, (_, i) => `(${i + 1})`),
  ];
  report.rows.forEach((row, index) => {
    rows.push([index + 1, row.field, ...FORM_06A_COUNT_COLUMNS.map((key) => row[key])]);
  });
  rows.push([null, "Tổng số", ...FORM_06A_COUNT_COLUMNS.map((key) => report.total[key])]);
  const last = rows.length;
  return {
    name: "Biểu 06a",
    rows,
    merges: [
      [1, 1, 1, 9],
      [1, 10, 1, 13],
      [2, 1, 2, 13],
      [3, 1, 3, 13],
      [4, 1, 4, 13],
      [5, 1, 5, 13],
      // STT and the field span the three heading rows; each group spans its columns.
      [6, 1, 8, 1],
      [6, 2, 8, 2],
      [6, 3, 6, 6],
      [6, 7, 6, 10],
      [6, 11, 6, 13],
      [7, 3, 8, 3],
      [7, 4, 7, 5],
      [7, 6, 8, 6],
      [7, 7, 8, 7],
      [7, 8, 8, 8],
      [7, 9, 8, 9],
      [7, 10, 8, 10],
      [7, 11, 8, 11],
      [7, 12, 8, 12],
      [7, 13, 8, 13],
    ],
    titleRow: 3,
    headingRows: [6, 7, 8, 9],
    bodyRows: [FORM_06A_FIRST_BODY_ROW, last],
    widths: [6, 34, 10, 11, 16, 11, 10, 10, 10, 10, 10, 10, 10],
  };
}
