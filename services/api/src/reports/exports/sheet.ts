import ExcelJS from "exceljs";

/** A cell of an exported form: text, a figure, or empty. */
export type SheetCell = string | number | null;

/**
 * A form laid out as rows, once, for both renderings: the workbook (merged header cells, bold titles,
 * borders) and the CSV (the same rows, merged cells written once).
 */
export interface FormSheet {
  readonly name: string;
  readonly rows: SheetCell[][];
  /** 1-based [top, left, bottom, right] ranges merged in the workbook. */
  readonly merges: [number, number, number, number][];
  /** 1-based rows of the table's column headings (bold, centred, bordered). */
  readonly headingRows: number[];
  /** 1-based rows of the table's body (bordered; the last one is the total, bold). */
  readonly bodyRows: [number, number];
  /** The title row (bold, larger). */
  readonly titleRow: number;
  readonly widths: number[];
  /** The last body row is a total, printed bold (default true). */
  readonly totalRow?: boolean;
  /** Columns whose figures are decimals, shown with this many digits (else whole numbers). */
  readonly decimals?: Record<number, number>;
}

export type ExportFormat = "xlsx" | "csv";

export const EXPORT_CONTENT_TYPES: Record<ExportFormat, string> = {
  xlsx: "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
  csv: "text/csv; charset=utf-8",
};

function addSheet(workbook: ExcelJS.Workbook, sheet: FormSheet): void {
  const ws = workbook.addWorksheet(sheet.name);
  const width = Math.max(...sheet.rows.map((r) => r.length));
  for (const row of sheet.rows) ws.addRow(row);
  for (const [top, left, bottom, right] of sheet.merges) ws.mergeCells(top, left, bottom, right);
  sheet.widths.forEach((w, i) => {
    ws.getColumn(i + 1).width = w;
  });
  const border: Partial<ExcelJS.Borders> = {
    top: { style: "thin" },
    left: { style: "thin" },
    bottom: { style: "thin" },
    right: { style: "thin" },
  };
  const title = ws.getRow(sheet.titleRow);
  title.font = { bold: true, size: 13 };
  title.alignment = { horizontal: "center", vertical: "middle", wrapText: true };
  title.height = 36;
  for (const r of sheet.headingRows) {
    const row = ws.getRow(r);
    for (let c = 1; c <= width; c++) {
      const cell = row.getCell(c);
      cell.font = { bold: true };
      cell.alignment = { horizontal: "center", vertical: "middle", wrapText: true };
      cell.border = border;
    }
  }
  const [first, last] = sheet.bodyRows;
  for (let r = first; r <= last; r++) {
    const row = ws.getRow(r);
    for (let c = 1; c <= width; c++) {
      const cell = row.getCell(c);
      cell.border = border;
      if (typeof cell.value === "number") {
        const digits = sheet.decimals?.[c];
        cell.numFmt = digits ? `0.${"0".repeat(digits)}` : "#,##0";
      }
    }
    if (r === last && sheet.totalRow !== false) row.font = { bold: true };
  }
  ws.views = [{ state: "frozen", ySplit: sheet.headingRows.at(-1) ?? 0 }];
}

/** The sheets as an Excel workbook (.xlsx). */
export async function workbookOf(sheets: readonly FormSheet[]): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.creator = "motcua";
  workbook.created = new Date(0);
  for (const sheet of sheets) addSheet(workbook, sheet);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

/** One sheet as CSV: UTF-8 with a byte-order mark (so Excel reads the Vietnamese), CRLF, the form's rows. */
export async function csvOf(sheet: FormSheet): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  const ws = workbook.addWorksheet(sheet.name);
  // Merged cells are written once, where the form prints them; the others stay empty.
  for (const row of sheet.rows) ws.addRow(row.map((cell) => cell ?? ""));
  return Buffer.from(
    await workbook.csv.writeBuffer({
      sheetName: sheet.name,
      formatterOptions: { writeBOM: true, rowDelimiter: "\r\n", quoteColumns: false },
    }),
  );
}

/** `attachment` with an ASCII name and the UTF-8 one (RFC 6266), for a file the browser downloads. */
export function contentDisposition(asciiName: string, utf8Name: string): string {
  return `attachment; filename="${asciiName}"; filename*=UTF-8''${encodeURIComponent(utf8Name)}`;
}

/** A name fit for a file: letters (diacritics dropped), digits, dots, underscores and dashes. */
export function fileSafe(text: string): string {
  return text
    .normalize("NFD")
    .replace(/[\u0300-\u036f]/g, "")
    .replace(/đ/g, "d")
    .replace(/Đ/g, "D")
    .replace(/[^A-Za-z0-9._-]+/g, "-")
    .replace(/^-+|-+$/g, "");
}

/** 2025-03-01 → 01/03/2025, as the forms print dates. */
export const formDate = (date: string) => `${date.slice(8, 10)}/${date.slice(5, 7)}/${date.slice(0, 4)}`;
