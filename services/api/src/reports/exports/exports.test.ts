import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { marchScenario } from "../../test-read-scenario";
import { type TestRuntime, UNITS } from "../../test-runtime";
import { FORM_06A_COUNT_COLUMNS, FORM_06A_FIRST_BODY_ROW, type Report06aAnswer } from "./form-06a";

let rt: TestRuntime;
let analyst: Record<string, string>;

beforeAll(async () => {
  ({ rt, analyst } = await marchScenario("reports_exports"));
});
afterAll(async () => {
  await rt?.dispose();
});

const QUERY = `unitId=${UNITS.province.unitId}&from=2025-03-01&to=2025-03-31&includeSubunits=true`;

async function report06a(): Promise<Report06aAnswer> {
  const r = await rt.app.inject({ url: `/reports/06a?${QUERY}`, headers: analyst });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as Report06aAnswer;
}

describe("GET /reports/06a/export", () => {
  it("downloads a workbook in the 06a's layout whose cells equal the JSON report", async () => {
    const json = await report06a();
    const r = await rt.app.inject({ url: `/reports/06a/export?${QUERY}&format=xlsx`, headers: analyst });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers["content-type"]).toBe(
      "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    );
    expect(r.headers["content-disposition"]).toBe(
      `attachment; filename="bao-cao-06a_000.00.00.H19_2025-03-01_2025-03-31.xlsx"; filename*=UTF-8''bao-cao-06a_000.00.00.H19_2025-03-01_2025-03-31.xlsx`,
    );
    expect(r.headers["x-read-position"]).toBe(String(json.position));

    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const sheet = workbook.getWorksheet("Biểu 06a");
    expect(sheet).toBeDefined();
    const cell = (row: number, column: number) => sheet?.getRow(row).getCell(column).value;
    expect(cell(1, 1)).toBe(`Đơn vị báo cáo: ${UNITS.province.name} (${UNITS.province.code})`);
    expect(String(cell(3, 1))).toMatch(/^TÌNH HÌNH, KẾT QUẢ GIẢI QUYẾT THỦ TỤC HÀNH CHÍNH/);
    expect(String(cell(4, 1))).toContain("từ ngày 01/03/2025 đến ngày 31/03/2025");
    expect(json.toCapped).toBe(true);
    const asOf = json.asOf.split("-").reverse().join("/");
    expect(String(cell(4, 1))).toContain(`số liệu tính đến hết ngày ${asOf}`);
    // The form's column titles and numbers, its merged group headings.
    expect([cell(6, 1), cell(6, 2), cell(6, 3), cell(6, 7), cell(6, 11)]).toEqual([
      "STT",
      "Lĩnh vực giải quyết",
      "Số hồ sơ nhận giải quyết",
      "Kết quả giải quyết: số hồ sơ đã giải quyết",
      "Số hồ sơ đang giải quyết",
    ]);
    expect([cell(7, 3), cell(7, 4), cell(7, 6), cell(7, 8), cell(7, 9), cell(7, 10), cell(7, 12)]).toEqual([
      "Tổng số",
      "Trong kỳ",
      "Từ kỳ trước",
      "Trước hạn",
      "Đúng hạn",
      "Quá hạn",
      "Trong hạn",
    ]);
    expect([cell(8, 4), cell(8, 5)]).toEqual(["Trực tuyến", "Trực tiếp, dịch vụ bưu chính công ích"]);
    expect(sheet?.getCell("C6").isMerged && sheet?.getCell("F6").isMerged).toBe(true);
    expect(Array.from({ length: 13 }, (_, i) => cell(9, i + 1))).toEqual(
      Array.from({ length: 13 }, (_, i) => `(${i + 1})`),
    );

    // One row per field, then the total: every count is the JSON's.
    expect(json.rows.length).toBeGreaterThan(0);
    json.rows.forEach((row, index) => {
      const r = FORM_06A_FIRST_BODY_ROW + index;
      expect(cell(r, 1)).toBe(index + 1);
      expect(cell(r, 2)).toBe(row.field);
      expect(FORM_06A_COUNT_COLUMNS.map((_, c) => cell(r, c + 3))).toEqual(
        FORM_06A_COUNT_COLUMNS.map((key) => row[key]),
      );
    });
    const totalRow = FORM_06A_FIRST_BODY_ROW + json.rows.length;
    expect(cell(totalRow, 2)).toBe("Tổng số");
    expect(FORM_06A_COUNT_COLUMNS.map((_, c) => cell(totalRow, c + 3))).toEqual(
      FORM_06A_COUNT_COLUMNS.map((key) => json.total[key]),
    );
    expect(sheet?.rowCount).toBe(totalRow);
  });

  it("downloads the same rows as CSV, UTF-8 with a byte-order mark", async () => {
    const json = await report06a();
    const r = await rt.app.inject({ url: `/reports/06a/export?${QUERY}&format=csv`, headers: analyst });
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(String(r.headers["content-disposition"])).toContain('.csv"');
    expect([...r.rawPayload.subarray(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const workbook = new ExcelJS.Workbook();
    const { Readable } = await import("node:stream");
    const sheet = await workbook.csv.read(Readable.from(r.rawPayload.subarray(3)), {
      parserOptions: { delimiter: "," },
      map: (value: string) => (value !== "" && /^\d+$/.test(value) ? Number(value) : value),
    });
    const cell = (row: number, column: number) => sheet.getRow(row).getCell(column).value;
    expect(cell(6, 2)).toBe("Lĩnh vực giải quyết");
    const totalRow = FORM_06A_FIRST_BODY_ROW + json.rows.length;
    expect(cell(totalRow, 2)).toBe("Tổng số");
    expect(FORM_06A_COUNT_COLUMNS.map((_, c) => cell(totalRow, c + 3))).toEqual(
      FORM_06A_COUNT_COLUMNS.map((key) => json.total[key]),
    );
    expect(cell(FORM_06A_FIRST_BODY_ROW, 2)).toBe(json.rows[0]?.field);
  });

  it("passes on the report's refusals: no token, a unit the officer may not read, a bad format", async () => {
    expect((await rt.app.inject({ url: `/reports/06a/export?${QUERY}` })).statusCode).toBe(401);
    const officerB = await rt.auth("officer", UNITS.communeB.unitId);
    const forbidden = await rt.app.inject({ url: `/reports/06a/export?${QUERY}`, headers: officerB });
    expect(forbidden.statusCode).toBe(403);
    expect(forbidden.headers["content-type"]).toContain("application/problem+json");
    expect(forbidden.json().code).toBe("report.not_your_unit");
    const badFormat = await rt.app.inject({
      url: `/reports/06a/export?${QUERY}&format=pdf`,
      headers: analyst,
    });
    expect(badFormat.statusCode).toBe(400);
    expect(badFormat.json().errors[0].path).toBe("query.format");
    const badDate = await rt.app.inject({
      url: `/reports/06a/export?unitId=${UNITS.province.unitId}&from=2025-02-30&to=2025-03-31`,
      headers: analyst,
    });
    expect(badDate.statusCode).toBe(400);
    expect(badDate.json().errors[0].path).toBe("query.from");
  });
});

describe("GET /indicators/766/export", () => {
  const QUERY_766 = `unitId=${UNITS.province.unitId}&period=month&date=2025-03-11&includeSubunits=true`;

  it("downloads the unit's 766 table and the ranking of the units under it, each cell the JSON's", async () => {
    const json = (await rt.app.inject({ url: `/indicators/766?${QUERY_766}`, headers: analyst })).json();
    const ranking = (
      await rt.app.inject({
        url: `/rankings/766?parentId=${UNITS.province.unitId}&period=month&date=2025-03-11&by=total`,
        headers: analyst,
      })
    ).json();
    const r = await rt.app.inject({
      url: `/indicators/766/export?${QUERY_766}&format=xlsx`,
      headers: analyst,
    });
    expect(r.statusCode, r.body).toBe(200);
    expect(String(r.headers["content-disposition"])).toMatch(
      /^attachment; filename="chi-so-766_000\.00\.00\.H19_month_2025-03-01_2025-03-31\.xlsx"/,
    );
    const workbook = new ExcelJS.Workbook();
    await workbook.xlsx.load(r.rawPayload as unknown as ArrayBuffer);
    const table = workbook.getWorksheet("Chỉ số 766");
    const cell = (row: number, column: number) => table?.getRow(row).getCell(column).value ?? null;
    expect(String(cell(1, 1))).toContain("QUYẾT ĐỊNH 766/QĐ-TTg");
    expect([cell(4, 1), cell(4, 3), cell(4, 6), cell(4, 7), cell(4, 8)]).toEqual([
      "STT",
      "Mã chỉ số",
      "Giá trị",
      "Điểm",
      "Điểm tối đa",
    ]);
    // Every sub-indicator once, with the JSON's value, score and maximum; each group's total; the total.
    const rows = Array.from({ length: (table?.rowCount ?? 0) - 4 }, (_, i) => i + 5);
    for (const indicator of json.indicators as {
      id: string;
      value: number | null;
      score: number;
      max: number;
      missingData?: string;
    }[]) {
      const row = rows.find((n) => cell(n, 3) === indicator.id);
      expect(row, indicator.id).toBeDefined();
      expect([cell(row as number, 6), cell(row as number, 7), cell(row as number, 8)]).toEqual([
        indicator.value,
        indicator.score,
        indicator.max,
      ]);
      if (indicator.missingData) expect(String(cell(row as number, 9))).toContain(indicator.missingData);
    }
    const groupRows = rows.filter((n) => cell(n, 4) === "Cộng nhóm");
    expect(groupRows.map((n) => cell(n, 7))).toEqual(
      ["transparency", "progress", "online", "payment", "digitisation", "satisfaction"].map(
        (g) => json.groupScores[g],
      ),
    );
    const total = rows.at(-1) as number;
    expect([cell(total, 2), cell(total, 7), cell(total, 8)]).toEqual(["Tổng điểm", json.totalScore, 100]);

    const ranked = workbook.getWorksheet("Xếp hạng 766");
    const rankCell = (row: number, column: number) => ranked?.getRow(row).getCell(column).value ?? null;
    expect(ranking.items.length).toBeGreaterThan(0);
    ranking.items.forEach(
      (item: { rank: number; unitId: string; name: string; totalScore: number; band: string }, i: number) => {
        expect([rankCell(5 + i, 1), rankCell(5 + i, 2), rankCell(5 + i, 3), rankCell(5 + i, 4)]).toEqual([
          item.rank,
          item.unitId,
          item.name,
          item.totalScore,
        ]);
        expect(rankCell(5 + i, 11)).toBe(item.band);
      },
    );
  });

  it("downloads the ranking alone as CSV when asked, and refuses a period that is not one", async () => {
    const csv = await rt.app.inject({
      url: `/indicators/766/export?${QUERY_766}&format=csv&sheet=rankings`,
      headers: analyst,
    });
    expect(csv.statusCode, csv.body).toBe(200);
    expect(csv.headers["content-type"]).toBe("text/csv; charset=utf-8");
    expect(csv.rawPayload.subarray(3).toString("utf8")).toContain("XẾP HẠNG CÁC ĐƠN VỊ THEO BỘ CHỈ SỐ 766");
    const bad = await rt.app.inject({
      url: `/indicators/766/export?unitId=${UNITS.province.unitId}&period=week&date=2025-03-11`,
      headers: analyst,
    });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().errors[0].path).toBe("query.period");
  });
});
