import { existsSync } from "node:fs";
import { mkdir } from "node:fs/promises";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { DEV_JWT_SECRET, loadConfig, signDevToken } from "@motcua/platform";
import {
  CALENDAR_2026,
  createTestDatabase,
  createTestRedis,
  type TestDatabase,
  type TestRedis,
} from "@motcua/testing";
import { ensureWorkbenchBuilt } from "@motcua/workbench";
import axe from "axe-core";
import { type Browser, type BrowserContext, chromium, type Page } from "playwright-core";
import { expect } from "vitest";
import { type System, startSystem } from "../system";

/**
 * The workbench's browser tests run the whole system as `pnpm start` does — API, projector, on a
 * throw-away Postgres database and Redis prefix — and drive Debian's Chromium through playwright-core
 * (never a downloaded browser). Screenshots go to .motcua/screenshots/workbench/ for people to look at.
 */
const CHROMIUM = "/usr/bin/chromium";
const ROOT = fileURLToPath(new URL("../..", import.meta.url));
export const SCREENSHOTS = join(ROOT, ".motcua", "screenshots", "workbench");

export const UNITS = {
  province: {
    unitId: "tinh",
    code: "000.00.00.H19",
    name: "UBND tỉnh Thái Nguyên",
    level: "province",
    parentId: null,
  },
  department: {
    unitId: "so-xd",
    code: "000.00.12.H19",
    name: "Sở Xây dựng",
    level: "department",
    parentId: "tinh",
  },
  wardA: {
    unitId: "pdp",
    code: "055.43.00.H19",
    name: "UBND phường Phan Đình Phùng",
    level: "commune",
    parentId: "tinh",
  },
  wardB: {
    unitId: "qt",
    code: "055.44.00.H19",
    name: "UBND phường Quyết Thắng",
    level: "commune",
    parentId: "tinh",
  },
} as const;

/**
 * Time limits chosen so the worklist's colours hold on any date the tests run: received now, 8 working
 * hours is always due within 24 working hours (amber), 15 working days never is, and 400 calendar days
 * always ends in a year whose holiday notice is not loaded (provisional).
 */
export const PROCEDURES = {
  permit: {
    code: "1.009994",
    name: "Cấp giấy phép xây dựng nhà ở riêng lẻ",
    field: "Xây dựng",
    level: "commune",
    timeLimit: { value: 15, unit: "working_days" },
    onlineService: "partial",
    supplementPolicy: "restart",
    interLevels: ["commune", "department"],
  },
  birth: {
    code: "1.001193",
    name: "Xác nhận thông tin hộ tịch",
    field: "Hộ tịch",
    level: "commune",
    timeLimit: { value: 8, unit: "working_hours" },
    onlineService: "full",
    supplementPolicy: "restart",
  },
  land: {
    code: "1.004227",
    name: "Đăng ký biến động đất đai",
    field: "Đất đai",
    level: "commune",
    timeLimit: { value: 5, unit: "working_days" },
    onlineService: "partial",
    supplementPolicy: "resume",
  },
  longRun: {
    code: "2.000123",
    name: "Công nhận tổ hợp tác",
    field: "Kinh tế hợp tác",
    level: "commune",
    timeLimit: { value: 400, unit: "calendar_days" },
    onlineService: "none",
    supplementPolicy: "restart",
  },
} as const;

export interface Harness {
  readonly system: System;
  readonly base: string;
  readonly browser: Browser;
  /** An HTTP call to the running API as this role (officers of `unitId`). */
  call<T = Record<string, unknown>>(
    method: string,
    path: string,
    as: { role: "officer" | "auditor" | "admin"; unitId?: string },
    body?: unknown,
  ): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export interface HarnessOptions {
  /** More configuration (e.g. the identity provider's), as environment variables. */
  readonly env?: Record<string, string>;
  /** Listen on this port (an identity provider's redirect URI must know it beforehand). */
  readonly port?: number;
}

export async function startHarness(label: string, options: HarnessOptions = {}): Promise<Harness> {
  if (!existsSync(CHROMIUM))
    throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium (pnpm test installs it)`);
  await ensureWorkbenchBuilt();
  await mkdir(SCREENSHOTS, { recursive: true });
  const database: TestDatabase = await createTestDatabase(label);
  const redis: TestRedis = await createTestRedis(label);
  let system: System | null = null;
  let browser: Browser | null = null;
  try {
    const config = loadConfig({
      LOG_LEVEL: "silent",
      DATABASE_URL: database.url,
      REDIS_URL: redis.url,
      REDIS_PREFIX: redis.prefix,
      HOST: "127.0.0.1",
      PORT: "0",
      RATE_LIMIT_MAX: "100000",
      ...options.env,
    });
    system = await startSystem({ config, port: options.port ?? 0, scheduler: false, say: () => {} });
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
  } catch (error) {
    await system?.stop();
    await redis.cleanup();
    await database.drop();
    throw error;
  }
  const base = system.baseUrl;
  const call: Harness["call"] = async (method, path, as, body) => {
    const token = await signDevToken(
      {
        role: as.role,
        name: `Test ${as.role}`,
        sub: `test-${as.role}`,
        ...(as.unitId ? { unitId: as.unitId } : {}),
        // Where the API checks issuer and audience (an identity provider is configured), so do its tokens.
        issuer: options.env?.AUTH_ISSUER,
        audience: options.env?.AUTH_AUDIENCE,
      },
      DEV_JWT_SECRET,
    );
    const response = await fetch(`${base}${path}`, {
      method,
      headers: {
        authorization: `Bearer ${token}`,
        ...(body === undefined ? {} : { "content-type": "application/json" }),
      },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await response.text();
    return { status: response.status, body: (text ? JSON.parse(text) : {}) as never };
  };
  const admin = { role: "admin" } as const;
  for (const unit of Object.values(UNITS)) {
    const { unitId, ...fields } = unit;
    const put = await call("PUT", `/units/${unitId}`, admin, fields);
    expect(put.status, JSON.stringify(put.body)).toBe(200);
  }
  for (const [id, procedure] of Object.entries(PROCEDURES))
    expect((await call("PUT", `/procedures/${id}`, admin, procedure)).status).toBe(200);
  // This year's official calendar only: the next year's deadlines stay provisional.
  const thisYear = new Date().getUTCFullYear();
  const calendar =
    thisYear === 2026 ? CALENDAR_2026 : { holidays: [], workingDays: [], notice: `Test ${thisYear}` };
  const { year: _year, ...calendarBody } = calendar as typeof CALENDAR_2026;
  expect((await call("PUT", `/calendars/${thisYear}`, admin, calendarBody)).status).toBe(200);
  return {
    system,
    base,
    browser,
    call,
    async close() {
      await browser?.close();
      await system?.stop();
      await redis.cleanup();
      await database.drop();
    },
  };
}

/** A port nothing listens on now. */
export async function freePort(): Promise<number> {
  const { createServer } = await import("node:net");
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => resolve(typeof address === "object" && address ? address.port : 0));
    });
  });
}

/** A fresh browser context (its own sessionStorage), with the page's console errors collected. */
export async function openContext(
  h: Harness,
  viewport: { width: number; height: number } = { width: 1366, height: 900 },
): Promise<{ context: BrowserContext; page: Page; errors: string[] }> {
  const context = await h.browser.newContext({ viewport, locale: "vi-VN", timezoneId: "Asia/Ho_Chi_Minh" });
  const page = await context.newPage();
  const errors: string[] = [];
  page.on("pageerror", (error) => errors.push(error.message));
  page.on("console", (message) => {
    if (message.type() === "error") errors.push(`${message.text()} ${message.location().url}`);
  });
  return { context, page, errors };
}

/** Signs in through the development sign-in page as the demo user of that unit (or role). */
export async function signIn(
  page: Page,
  base: string,
  who: { unitName?: string; title?: string },
): Promise<void> {
  await page.goto(`${base}/dang-nhap`);
  const card = page.locator(".user-card", {
    hasText: who.unitName ?? who.title ?? "",
  });
  await card.first().click();
  await page.waitForURL((url) => !url.pathname.startsWith("/dang-nhap"));
}

export async function screenshot(page: Page, name: string): Promise<string> {
  const path = join(SCREENSHOTS, `${name}.png`);
  await page.screenshot({ path, fullPage: true });
  return path;
}

/** axe-core in the page: the violations of impact "serious" or "critical", as readable lines. */
export async function seriousAccessibilityViolations(page: Page): Promise<string[]> {
  // Evaluated through the DevTools protocol, not a <script> tag, which the page's CSP would refuse.
  await page.evaluate(axe.source);
  const result = (await page.evaluate("axe.run(document, { resultTypes: ['violations'] })")) as {
    violations: { id: string; impact: string; help: string; nodes: { target: string[] }[] }[];
  };
  return result.violations
    .filter((v) => v.impact === "serious" || v.impact === "critical")
    .map((v) => `${v.id} (${v.impact}): ${v.help} — ${v.nodes.map((n) => n.target.join(" ")).join(", ")}`);
}
