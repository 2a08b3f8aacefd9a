import { readFile } from "node:fs/promises";
import { DEV_JWT_SECRET, loadConfig, signDevToken } from "@motcua/platform";
import { waitFor } from "@motcua/testing";
import ExcelJS from "exceljs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { type Harness, openContext, screenshot, seriousAccessibilityViolations } from "../workbench/harness";
import { type BoardDemo, loadBoardDemo } from "./demo-board";

/**
 * The operations board in Debian's Chromium at 1366 px, on the demo province (Thái Nguyên, 92 communes
 * and wards) with the whole system running as `pnpm start` runs it — API, projector — so a dossier
 * resolved through the API reaches the board through the real read models and the live stream.
 */
let demo: BoardDemo;

beforeAll(async () => {
  demo = await loadBoardDemo("board_browser", loadConfig);
}, 240_000);
afterAll(async () => {
  await demo?.close();
});

/** The little of the page's globals these checks read (the scripts' TypeScript project has no DOM library). */
interface PageGlobals {
  document: {
    body: { dataset: Record<string, string | undefined> };
    getElementById(id: string): { textContent: string | null; value?: string } | null;
    querySelector(selector: string): { getAttribute(name: string): string | null } | null;
  };
}

const FORM_06A_FIRST_BODY_ROW = 10;
const COUNT_KEYS = [
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
] as const;

describe("the operations board in Chromium", () => {
  it("maps every commune with its value, updates live when a dossier is resolved, and exports the 06a", async () => {
    const analyst = await signDevToken(
      { role: "analyst", sub: "analyst-board", name: "Cán bộ IOC" },
      DEV_JWT_SECRET,
    );
    const { context, page, errors } = await openContext(demo.harness as Harness);
    try {
      await page.goto(`${demo.base}/dashboard#token=${encodeURIComponent(analyst)}`);
      await page.fill("#from", demo.from);
      await page.fill("#to", demo.to);
      await page.click("#show");
      await page.waitForFunction(
        (text) => {
          const { document } = globalThis as unknown as PageGlobals;
          return (
            document.body.dataset.state === "ready" &&
            (document.getElementById("status")?.textContent ?? "").includes(text)
          );
        },
        `${demo.from} – ${demo.to}`,
        { timeout: 30_000 },
      );
      // Set once: a reload would lose it, so its presence at the end proves the board never reloaded.
      await page.evaluate(() => {
        (globalThis as unknown as { stayedLoaded: boolean }).stayedLoaded = true;
      });

      // The map: one tile per commune and ward of the province, each named, with the API's value.
      const communes = demo.units.filter((u) => u.level === "commune");
      expect(communes).toHaveLength(92);
      const tiles = page.locator("#map .tile-unit");
      expect(await tiles.count()).toBe(communes.length);
      expect(await page.getAttribute("#map", "data-communes")).toBe(String(communes.length));
      const figures = await demo.get<{
        children: { unitId: string; unitName: string; onTimeRate: number | null }[];
      }>("/indicators", analyst, {
        unitId: demo.province.unitId,
        from: demo.from,
        to: demo.to,
        includeSubunits: "true",
        groupBy: "child",
      });
      const tileValues = await tiles.evaluateAll((buttons) =>
        buttons.map((b) => ({
          unitId: b.getAttribute("data-unit-id") ?? "",
          value: b.getAttribute("data-value") ?? "",
          label: b.getAttribute("aria-label") ?? "",
          text: b.textContent ?? "",
        })),
      );
      expect(new Set(tileValues.map((t) => t.unitId))).toEqual(new Set(communes.map((c) => c.unitId)));
      for (const tile of tileValues) {
        const child = figures.children.find((c) => c.unitId === tile.unitId);
        expect(child, tile.unitId).toBeDefined();
        expect(tile.value).toBe(child?.onTimeRate === null ? "" : String(child?.onTimeRate));
        const commune = communes.find((c) => c.unitId === tile.unitId);
        expect(tile.label).toContain(commune?.name.replace(/^UBND /, ""));
        expect(tile.label).toMatch(/tỷ lệ đúng hạn (\d+,\d %|chưa có số liệu)/);
      }
      expect(tileValues.filter((t) => t.value !== "").length).toBeGreaterThanOrEqual(5);

      // The overdue list names the unit holding each dossier, and nothing personal.
      const overdueRows = await page.locator("#overdue-table tbody tr").allTextContents();
      expect(overdueRows.length).toBeGreaterThan(0);
      expect(overdueRows.join(" ")).not.toContain(demo.applicantName);
      // The trends: twelve months of lines.
      const trendMonths = await page.evaluate(
        () =>
          (
            globalThis as unknown as {
              Chart: { getChart(id: string): { data: { labels: string[] } } | undefined };
            }
          ).Chart.getChart("trend-volume")?.data.labels.length,
      );
      expect(trendMonths).toBe(12);

      expect(await seriousAccessibilityViolations(page)).toEqual([]);
      await screenshot(page, "../board-province");

      // Live: a dossier resolved through the API changes the board's figures without a reload.
      const resolvedBefore = await page.getAttribute('[data-kpi="resolved"] .value', "data-value");
      const positionBefore = Number(await page.getAttribute("body", "data-position"));
      const resolved = await demo.resolveLiveDossier();
      // The acceptance's bound: the board shows it within 5 s of the answer.
      await page.waitForFunction(
        ([wanted, position]) => {
          const { document } = globalThis as unknown as PageGlobals;
          return (
            document.querySelector('[data-kpi="resolved"] .value')?.getAttribute("data-value") === wanted &&
            Number(document.body.dataset.position) >= Number(position)
          );
        },
        [String(Number(resolvedBefore) + 1), String(resolved.position)] as const,
        { timeout: 5_000 },
      );
      expect(Number(await page.getAttribute("body", "data-position"))).toBeGreaterThan(positionBefore);
      expect(
        await page.evaluate(() => (globalThis as unknown as { stayedLoaded?: boolean }).stayedLoaded),
      ).toBe(true);
      expect(await page.getAttribute("#live", "data-live")).toBe("on");

      // Export: the 06a downloads as a workbook whose cells are the API's figures.
      const report = await demo.get<{
        total: Record<(typeof COUNT_KEYS)[number], number>;
        rows: ({ field: string } & Record<(typeof COUNT_KEYS)[number], number>)[];
      }>("/reports/06a", analyst, {
        unitId: demo.province.unitId,
        from: demo.from,
        to: demo.to,
        includeSubunits: "true",
      });
      const [download] = await Promise.all([
        page.waitForEvent("download"),
        page.click('[data-export="06a"][data-format="xlsx"]'),
      ]);
      expect(download.suggestedFilename()).toMatch(/^bao-cao-06a_000\.00\.00\.H19_.*\.xlsx$/);
      const workbook = new ExcelJS.Workbook();
      await workbook.xlsx.load((await readFile((await download.path()) as string)) as unknown as ArrayBuffer);
      const sheet = workbook.getWorksheet("Biểu 06a");
      const cell = (row: number, column: number) => sheet?.getRow(row).getCell(column).value;
      report.rows.forEach((row, index) => {
        expect(cell(FORM_06A_FIRST_BODY_ROW + index, 2)).toBe(row.field);
        expect(COUNT_KEYS.map((_, c) => cell(FORM_06A_FIRST_BODY_ROW + index, c + 3))).toEqual(
          COUNT_KEYS.map((k) => row[k]),
        );
      });
      const totalRow = FORM_06A_FIRST_BODY_ROW + report.rows.length;
      expect(cell(totalRow, 2)).toBe("Tổng số");
      expect(COUNT_KEYS.map((_, c) => cell(totalRow, c + 3))).toEqual(COUNT_KEYS.map((k) => report.total[k]));

      // Coloured by the 766 total instead: each tile holds the ranking's total for its commune.
      await page.selectOption("#map-measure", "score766");
      await page.waitForFunction(
        () => {
          const { document } = globalThis as unknown as PageGlobals;
          return (
            document.body.dataset.state === "ready" &&
            (document.querySelector("#map .tile-unit")?.getAttribute("aria-label") ?? "").includes("điểm 766")
          );
        },
        undefined,
        { timeout: 15_000 },
      );
      const ranking = await demo.get<{ items: { unitId: string; totalScore: number; band: string }[] }>(
        "/rankings/766",
        analyst,
        { parentId: demo.province.unitId, period: "month", date: demo.to, by: "total" },
      );
      const scored = await tiles.evaluateAll((buttons) =>
        buttons.map((b) => ({ unitId: b.getAttribute("data-unit-id"), value: b.getAttribute("data-value") })),
      );
      expect(scored).toHaveLength(communes.length);
      for (const tile of scored) {
        const item = ranking.items.find((i) => i.unitId === tile.unitId);
        expect(tile.value, tile.unitId ?? "").toBe(item ? String(item.totalScore) : "");
      }
      expect(await page.isVisible("#ranking766")).toBe(true);
      expect(await page.locator("#ranking766-table tbody tr").count()).toBe(ranking.items.length);
      await screenshot(page, "../board-766");

      // Drill in: a commune's tile selects it; the map stays the province's and marks the choice.
      const commune = communes.find((c) => tileValues.find((t) => t.unitId === c.unitId)?.value !== "");
      await page.click(`#map .tile-unit[data-unit-id="${commune?.unitId}"]`);
      await page.waitForFunction(
        (id) => {
          const { document } = globalThis as unknown as PageGlobals;
          return document.body.dataset.state === "ready" && document.getElementById("unit")?.value === id;
        },
        commune?.unitId ?? "",
        { timeout: 15_000 },
      );
      expect(
        await page.getAttribute(`#map .tile-unit[data-unit-id="${commune?.unitId}"]`, "aria-pressed"),
      ).toBe("true");
      expect(await page.textContent("#trend-unit")).toBe(commune?.name);
      await waitFor("the province button", () => page.isVisible("#map-up"), 5_000);
      await screenshot(page, "../board-commune");
      expect(errors).toEqual([]);
    } finally {
      await context.close();
    }
  }, 120_000);
});
