import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import type { AddressInfo } from "node:net";
import { type ProjectableEvent, partitionOf, projectEvents, readModelSchemaName } from "@motcua/read-models";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { devToken } from "../test-app";
import { createTestRuntime, receiveBody, type TestRuntime, UNITS } from "../test-runtime";

/**
 * The dashboard in a real browser (Debian's Chromium, never a downloaded one): what an analyst sees for
 * a small province whose dossiers the read models hold. Without /usr/bin/chromium this fails, on purpose:
 * `pnpm test` installs it (scripts/test.ts), and a browser test that skips itself would prove nothing.
 */
const CHROMIUM = "/usr/bin/chromium";
/** Where each scenario leaves a picture of the page for a person to look at (ignored by git). */
const SCREENSHOTS = new URL("../../../../.motcua/screenshots/", import.meta.url);

async function screenshot(page: Page, name: string): Promise<void> {
  // The page's clock is fixed (setFixedTime), so Chart.js's grow-in animation never advances: draw each
  // chart's final frame at once, as a person would see it a moment after the load.
  await page.evaluate(() => {
    const { Chart } = globalThis as unknown as {
      Chart: { instances: Record<string, { stop(): void; update(mode: "none"): void }> };
    };
    for (const chart of Object.values(Chart.instances)) {
      chart.stop();
      chart.update("none");
    }
  });
  await mkdir(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: new URL(`dashboard-${name}.png`, SCREENSHOTS).pathname, fullPage: true });
}
const PARTITIONS = 8;
const FROM = "2025-03-01";
const TO = "2025-03-12";

let rt: TestRuntime;
let browser: Browser;
let base: string;
let analystToken: string;

const at = (local: string) => `${local}:00+07:00`;

/** Stands in for the projector: applies everything in the log, partition by partition. */
async function projectAll(): Promise<void> {
  const byPartition = new Map<number, ProjectableEvent[]>();
  let head = 0;
  for await (const e of rt.store.readAll()) {
    const p = partitionOf(e.streamId, PARTITIONS);
    byPartition.set(p, [...(byPartition.get(p) ?? []), e]);
    head = e.position;
  }
  await rt.db.transaction().execute(async (trx) => {
    for (let p = 0; p < PARTITIONS; p++) {
      await projectEvents(trx as never, readModelSchemaName(1), p, byPartition.get(p) ?? [], {
        throughPosition: head,
      });
    }
  });
}

async function post(url: string, body: object, headers: Record<string, string>) {
  const r = await rt.app.inject({ method: "POST", url, payload: body, headers });
  expect(r.statusCode, r.body).toBeLessThan(300);
  return r.json() as { dossierId: string };
}

/** The province's dossiers in March 2025: two communes with different on-time records, two fields. */
async function seedDossiers(): Promise<void> {
  const officerA = await rt.auth("officer", UNITS.communeA.unitId);
  const officerB = await rt.auth("officer", UNITS.communeB.unitId);
  const receive = async (headers: Record<string, string>, extra: Record<string, unknown>) =>
    (await post("/dossiers", receiveBody(extra), headers)).dossierId;
  const notDigitised = { documents: [{ name: "Đơn đề nghị", digitized: false }] };

  // Monday 3 March: five working days, due Monday 10 March 09:00.
  rt.clock.set(at("2025-03-03T09:00"));
  const a = {
    early: await receive(officerA, { unitId: UNITS.communeA.unitId }),
    late: await receive(officerA, { unitId: UNITS.communeA.unitId }),
    overdue: await receive(officerA, { unitId: UNITS.communeA.unitId }),
    withdrawn: await receive(officerA, { unitId: UNITS.communeA.unitId }),
    onlineLand: await receive(officerA, {
      unitId: UNITS.communeA.unitId,
      procedureId: "land",
      channel: "online",
    }),
  };
  const b = {
    early: await receive(officerB, { unitId: UNITS.communeB.unitId, procedureId: "land", ...notDigitised }),
    overdue: await receive(officerB, { unitId: UNITS.communeB.unitId, procedureId: "land", ...notDigitised }),
    online: await receive(officerB, { unitId: UNITS.communeB.unitId, channel: "online" }),
  };
  rt.clock.set(at("2025-03-05T10:00"));
  await post(`/dossiers/${a.early}/resolve`, { outcome: "approved" }, officerA);
  await post(`/dossiers/${a.withdrawn}/withdraw`, { reason: "Công dân rút hồ sơ" }, officerA);
  await post(`/dossiers/${b.early}/resolve`, { outcome: "approved" }, officerB);
  rt.clock.set(at("2025-03-10T10:00"));
  await post(`/dossiers/${a.onlineLand}/resolve`, { outcome: "approved" }, officerA);
  await post(`/dossiers/${b.online}/resolve`, { outcome: "approved" }, officerB);
  rt.clock.set(at("2025-03-11T10:00"));
  await post(`/dossiers/${a.late}/resolve`, { outcome: "rejected" }, officerA);
  await rt.service.markOverdue(a.overdue);
  await rt.service.markOverdue(b.overdue);
  // Due 18 March: still in time on the report's last day.
  await receive(officerA, { unitId: UNITS.communeA.unitId });
  await projectAll();
}

interface Counts {
  received: number;
  receivedOnline: number;
  receivedDirect: number;
  carriedOver: number;
  resolved: number;
  resolvedEarly: number;
  resolvedOnTime: number;
  resolvedLate: number;
  pending: number;
  pendingInTime: number;
  pendingOverdue: number;
}
interface Figures {
  onTimeRate: number | null;
  onlineShare: number | null;
  digitizedShare: number | null;
  averageResolutionWorkingDays: number | null;
  progressScore766: number | null;
}

/** What the API itself answers, to hold the page against. */
async function apiGet<T>(path: string, params: Record<string, string>): Promise<T> {
  const r = await rt.app.inject({
    url: `${path}?${new URLSearchParams(params)}`,
    headers: { authorization: `Bearer ${analystToken}` },
  });
  expect(r.statusCode, r.body).toBe(200);
  return r.json() as T;
}

/** How the page writes numbers: Vietnamese decimal comma and thousands dot. */
const decimal = (x: number, digits: number) => {
  const [whole, fraction] = x.toFixed(digits).split(".");
  return `${String(whole).replace(/\B(?=(\d{3})+(?!\d))/g, ".")}${fraction ? `,${fraction}` : ""}`;
};

const todayInVietnam = () => {
  const parts = new Intl.DateTimeFormat("en-GB", {
    timeZone: "Asia/Ho_Chi_Minh",
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
  }).formatToParts(rt.clock.now());
  const part = (type: string) => parts.find((p) => p.type === type)?.value ?? "";
  return `${part("year")}-${part("month")}-${part("day")}`;
};

async function openPage(
  token: string,
): Promise<{ context: BrowserContext; page: Page; problems: string[]; indicatorCalls: string[] }> {
  const context = await browser.newContext();
  const page = await context.newPage();
  const indicatorCalls: string[] = [];
  page.on("request", (request) => {
    const url = new URL(request.url());
    if (url.pathname === "/indicators") indicatorCalls.push(url.search);
  });
  // The page's "today" is the scenario's, as the API's is: the API refuses periods that have not begun.
  await page.clock.setFixedTime(rt.clock.now());
  const problems: string[] = [];
  page.on("pageerror", (error) => problems.push(`page error: ${error.message}`));
  page.on("console", (message) => {
    if (message.type() === "error") problems.push(`console: ${message.text()}`);
  });
  await page.goto(`${base}/dashboard#token=${encodeURIComponent(token)}`);
  return { context, page, problems, indicatorCalls };
}

/**
 * The little of the page's globals these checks read, typed here: the API's TypeScript project has no
 * DOM library. The functions handed to `page.evaluate` run in the browser.
 */
interface PageGlobals {
  document: {
    body: { dataset: Record<string, string | undefined> };
    getElementById(id: string): {
      textContent: string | null;
      width: number;
      height: number;
      getContext(kind: "2d"): {
        getImageData(x: number, y: number, w: number, h: number): { data: ArrayLike<number> };
      } | null;
    } | null;
  };
  sessionStorage: { getItem(key: string): string | null };
  Chart: {
    getChart(id: string):
      | {
          data: { labels: string[]; datasets: { label: string; data: number[] }[] };
          width: number;
          height: number;
        }
      | undefined;
  };
}

/** Waits until the page has finished a load (tiles and charts drawn, or an error shown). */
async function settled(page: Page, state: "ready" | "error", statusIncludes = ""): Promise<void> {
  await page.waitForFunction(
    ([wanted, text]) => {
      const { document } = globalThis as unknown as PageGlobals;
      return (
        document.body.dataset.state === wanted &&
        (document.getElementById("status")?.textContent ?? "").includes(text ?? "")
      );
    },
    [state, statusIncludes] as const,
    { timeout: 15_000 },
  );
}

async function showPeriod(page: Page, from: string, to: string): Promise<void> {
  await page.fill("#from", from);
  await page.fill("#to", to);
  await page.click("#show");
}

const tile = async (page: Page, kpi: string) => {
  const value = page.locator(`[data-kpi="${kpi}"] .value`);
  return { text: (await value.textContent())?.trim(), raw: await value.getAttribute("data-value") };
};

interface ChartView {
  labels: string[];
  datasets: { label: string; data: number[] }[];
  width: number;
  height: number;
  paintedPixels: number;
}

/** The chart Chart.js holds for a canvas, and how much of the canvas it painted. */
const chartOn = (page: Page, canvasId: string): Promise<ChartView | null> =>
  page.evaluate((id) => {
    const { Chart, document } = globalThis as unknown as PageGlobals;
    const chart = Chart.getChart(id);
    if (!chart) return null;
    const canvas = document.getElementById(id);
    const pixels = canvas?.getContext("2d")?.getImageData(0, 0, canvas.width, canvas.height).data ?? [];
    let paintedPixels = 0;
    for (let i = 3; i < pixels.length; i += 4) if ((pixels[i] ?? 0) > 0) paintedPixels++;
    return {
      labels: [...chart.data.labels],
      datasets: chart.data.datasets.map((d) => ({ label: d.label, data: [...d.data] })),
      width: chart.width,
      height: chart.height,
      paintedPixels,
    };
  }, canvasId);

beforeAll(async () => {
  rt = await createTestRuntime("dashboard_browser", {
    env: { PROJECTION_PARTITIONS: String(PARTITIONS) },
  });
  analystToken = await rt.token({ role: "analyst", sub: "analyst-dashboard", name: "Cán bộ tổng hợp" });
  await seedDossiers();
  await rt.app.listen({ host: "127.0.0.1", port: 0 });
  base = `http://127.0.0.1:${(rt.app.server.address() as AddressInfo).port}`;
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `No Chromium at ${CHROMIUM}: apt-get install -y chromium (pnpm test installs it); the dashboard's browser test does not skip`,
    );
  }
  browser = await chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}, 120_000);
afterAll(async () => {
  await browser?.close();
  await rt?.dispose();
});

describe("the analysts' dashboard in Chromium", () => {
  it("takes the token from the link, defaults to the province and this year, and shows the API's figures", async () => {
    const { context, page, problems, indicatorCalls } = await openPage(analystToken);
    try {
      await settled(page, "ready");
      // The token left the address bar for this tab's sessionStorage; the defaults are as promised.
      expect(page.url()).toBe(`${base}/dashboard`);
      expect(
        await page.evaluate(() =>
          (globalThis as unknown as PageGlobals).sessionStorage.getItem("motcua.dashboard.token"),
        ),
      ).toBe(analystToken);
      expect(await page.inputValue("#token")).toBe(analystToken);
      expect(await page.inputValue("#unit")).toBe(UNITS.province.unitId);
      const today = todayInVietnam();
      expect(await page.inputValue("#from")).toBe(`${today.slice(0, 4)}-01-01`);
      expect(await page.inputValue("#to")).toBe(today);
      expect(await page.isChecked("#subunits")).toBe(true);
      const options = await page.locator("#unit option").allTextContents();
      expect(options.map((o) => o.trim())).toEqual(
        expect.arrayContaining(Object.values(UNITS).map((u) => u.name)),
      );

      await showPeriod(page, FROM, TO);
      await settled(page, "ready", `${FROM} – ${TO}`);

      const params = { unitId: UNITS.province.unitId, from: FROM, to: TO, includeSubunits: "true" };
      const report = await apiGet<{ total: Counts; rows: (Counts & { field: string })[] }>(
        "/reports/06a",
        params,
      );
      const figures = await apiGet<Figures>("/indicators", params);
      // The seeded lives, as the API counts them: 9 received, 6 resolved (5 early or on time), 3 pending.
      expect(report.total).toMatchObject({ received: 9, resolved: 6, pending: 3, pendingInTime: 1 });

      expect(await tile(page, "received")).toEqual({ text: "9", raw: String(report.total.received) });
      expect(await tile(page, "resolved")).toEqual({ text: "6", raw: String(report.total.resolved) });
      expect(await tile(page, "onTimeRate")).toEqual({ text: "83,3 %", raw: String(figures.onTimeRate) });
      expect(await tile(page, "onlineShare")).toEqual({ text: "22,2 %", raw: String(figures.onlineShare) });
      expect(await tile(page, "digitizedShare")).toEqual({
        text: "77,8 %",
        raw: String(figures.digitizedShare),
      });
      const days = figures.averageResolutionWorkingDays;
      const score = figures.progressScore766;
      expect(days).not.toBeNull();
      expect(score).not.toBeNull();
      expect(await tile(page, "averageResolutionWorkingDays")).toEqual({
        text: `${decimal(days ?? 0, 1)} ngày`,
        raw: String(days),
      });
      expect(await tile(page, "progressScore766")).toEqual({
        text: `${decimal(score ?? 0, 2)} / 20`,
        raw: String(score),
      });
      expect(await page.locator('[data-kpi="resolved"] .detail').textContent()).toContain(
        `quá hạn ${report.total.resolvedLate}`,
      );

      // The 06a per field: one stacked bar per field, its five parts as the report counts them.
      const fields = await chartOn(page, "fields-chart");
      expect(fields).not.toBeNull();
      expect(fields?.width).toBeGreaterThan(0);
      expect(fields?.paintedPixels).toBeGreaterThan(0);
      expect([...(fields?.labels ?? [])].sort()).toEqual(["Xây dựng", "Đất đai"].sort());
      expect(fields?.datasets.map((d) => d.label)).toEqual([
        "Giải quyết trước hạn",
        "Giải quyết đúng hạn",
        "Giải quyết quá hạn",
        "Đang giải quyết trong hạn",
        "Đang giải quyết quá hạn",
      ]);
      const keys = [
        "resolvedEarly",
        "resolvedOnTime",
        "resolvedLate",
        "pendingInTime",
        "pendingOverdue",
      ] as const;
      for (const [index, field] of (fields?.labels ?? []).entries()) {
        const row = report.rows.find((r) => r.field === field);
        expect(row, field).toBeDefined();
        expect(fields?.datasets.map((d) => d.data[index])).toEqual(keys.map((k) => row?.[k]));
      }

      // The ranking: the province's direct children by on-time rate, best first; the department
      // received nothing and is named as having no resolved dossiers.
      const ranking = await chartOn(page, "ranking-chart");
      expect(ranking?.paintedPixels).toBeGreaterThan(0);
      const childRate = async (unitId: string) =>
        (await apiGet<Figures>("/indicators", { ...params, unitId })).onTimeRate;
      const rateB = await childRate(UNITS.communeB.unitId);
      const rateA = await childRate(UNITS.communeA.unitId);
      expect([rateB, rateA]).toEqual([1, 0.75]);
      expect(ranking?.labels).toEqual([UNITS.communeB.name, UNITS.communeA.name]);
      expect(ranking?.datasets[0]?.data).toEqual([(rateB ?? 0) * 100, (rateA ?? 0) * 100]);
      expect(await page.textContent("#ranking-note")).toContain(
        `1 đơn vị chưa có hồ sơ giải quyết trong kỳ (no resolved dossiers): ${UNITS.department.name}.`,
      );

      expect(await page.isHidden("#error")).toBe(true);
      expect(problems).toEqual([]);
      // Each load (the defaults, then the chosen period) asked /indicators once, children included.
      expect(indicatorCalls).toHaveLength(2);
      for (const search of indicatorCalls) expect(search).toContain("groupBy=child");
      await screenshot(page, "province");
    } finally {
      await context.close();
    }
  }, 60_000);

  it("says in words that a bad token is refused, without showing the API's JSON", async () => {
    const forged = await devToken(
      { role: "analyst", sub: "intruder" },
      "not-the-server-secret-0123456789abcdef",
    );
    const { context, page } = await openPage(forged);
    try {
      await settled(page, "error");
      const error = (await page.textContent("#error")) ?? "";
      expect(error).toContain("Mã truy cập không hợp lệ hoặc đã hết hạn");
      expect(error).toContain(
        "401 Unauthorized: The token's signature does not verify with this server's keys",
      );
      expect(error).not.toMatch(/[{}]|"code"|problem/);
      expect(await page.textContent('[data-kpi="received"] .value')).toBe("—");
      await screenshot(page, "bad-token");
    } finally {
      await context.close();
    }
  }, 30_000);

  it("says when the token may not read the chosen unit, and names a bad period's parameter", async () => {
    const officer = await rt.token({ role: "officer", sub: "officer-ca", unitId: UNITS.communeA.unitId });
    const { context, page } = await openPage(officer);
    try {
      // An officer starts on their own unit, which they may read.
      await settled(page, "ready");
      expect(await page.inputValue("#unit")).toBe(UNITS.communeA.unitId);
      await page.selectOption("#unit", UNITS.province.unitId);
      await settled(page, "error");
      const forbidden = (await page.textContent("#error")) ?? "";
      expect(forbidden).toContain("không được xem số liệu của đơn vị đã chọn");
      expect(forbidden).toContain("403 Forbidden");
      expect(forbidden).not.toMatch(/[{}]/);
      // Nothing of the officer's own unit stays on screen under the refusal.
      expect(await page.textContent('[data-kpi="received"] .value')).toBe("—");
      expect(await chartOn(page, "fields-chart")).toBeNull();
      expect(await chartOn(page, "ranking-chart")).toBeNull();

      await page.selectOption("#unit", UNITS.communeA.unitId);
      await settled(page, "ready");
      await showPeriod(page, "2015-01-01", TO);
      await settled(page, "error");
      const invalid = (await page.textContent("#error")) ?? "";
      expect(invalid).toContain("Tham số báo cáo không hợp lệ");
      expect(invalid).toContain("Đến ngày (to): the period must be shorter than 5 years");
      expect(invalid).not.toMatch(/[{}]|query\./);
      await screenshot(page, "bad-period");
    } finally {
      await context.close();
    }
  }, 30_000);

  it("warns that deadlines are provisional while a coming year's holiday notice is not loaded", async () => {
    const { context, page, problems } = await openPage(analystToken);
    try {
      await showPeriod(page, FROM, TO);
      await settled(page, "ready", `${FROM} – ${TO}`);
      // The test's clock is in 2025 and only 2025's calendar is loaded: 2026 is the coming year without one.
      expect(await page.isVisible("#calendar-warning")).toBe(true);
      const warning = (await page.textContent("#calendar-warning")) ?? "";
      expect(warning).toContain("Chưa nạp thông báo lịch nghỉ lễ, Tết năm 2026");
      expect(warning).toContain("tạm tính");
      await screenshot(page, "calendar-warning");

      const loaded = await rt.app.inject({
        method: "PUT",
        url: "/calendars/2026",
        headers: await rt.auth("admin"),
        payload: { holidays: ["2026-01-01"], notice: "Thông báo thử" },
      });
      expect(loaded.statusCode, loaded.body).toBe(200);
      await page.click("#show");
      await settled(page, "ready", `${FROM} – ${TO}`);
      await page.waitForSelector("#calendar-warning", { state: "hidden", timeout: 15_000 });
      expect(problems).toEqual([]);
    } finally {
      await context.close();
    }
  }, 30_000);
});
