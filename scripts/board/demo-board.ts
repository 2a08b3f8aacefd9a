import { existsSync } from "node:fs";
import { type Config, DEV_JWT_SECRET, signDevToken } from "@motcua/platform";
import { createTestDatabase, createTestRedis } from "@motcua/testing";
import { type Browser, chromium } from "playwright-core";
import type { DemoUnit } from "../demo/demo-reference-data";
import { seedDemoReferenceData } from "../demo/seed";
import { type System, startSystem } from "../system";

const CHROMIUM = "/usr/bin/chromium";
const DAY_MS = 86_400_000;

export interface BoardDemo {
  readonly system: System;
  readonly harness: { browser: Browser };
  readonly base: string;
  readonly units: DemoUnit[];
  readonly province: DemoUnit;
  /** The period the board is shown for: the first day of the month two months back, to today. */
  readonly from: string;
  readonly to: string;
  /** The name every demo applicant bears, which must appear nowhere on the board. */
  readonly applicantName: string;
  get<T>(path: string, token: string, params: Record<string, string>): Promise<T>;
  /** Resolves the dossier left pending for this, through the API; answers the command's position. */
  resolveLiveDossier(): Promise<{ position: number }>;
  close(): Promise<void>;
}

/** YYYY-MM-DD in Vietnam, `daysAgo` days before now. */
function localDate(now: number, daysAgo: number): string {
  return new Date(now - daysAgo * DAY_MS + 7 * 3_600_000).toISOString().slice(0, 10);
}

/** The weekday at or before `daysAgo` days ago, at 09:00 in Vietnam. */
function weekdayMorning(now: number, daysAgo: number): string {
  for (let back = daysAgo; ; back++) {
    const date = localDate(now, back);
    const weekday = new Date(`${date}T12:00:00Z`).getUTCDay();
    if (weekday !== 0 && weekday !== 6) return `${date}T09:00:00+07:00`;
  }
}

/**
 * The demo province (Thái Nguyên's 92 communes and wards, its departments and procedures) on a fresh
 * database and Redis prefix, with the whole system running, a few months of imported dossiers in a
 * dozen communes (on time, late, left overdue) and one dossier received now, to resolve during a test.
 */
export async function loadBoardDemo(label: string, loadConfig: (env: Record<string, string>) => Config) {
  if (!existsSync(CHROMIUM)) throw new Error(`No Chromium at ${CHROMIUM}: apt-get install -y chromium`);
  const database = await createTestDatabase(label);
  const redis = await createTestRedis(label);
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
    });
    system = await startSystem({ config, port: 0, scheduler: false, say: () => {} });
    const seed = await seedDemoReferenceData(system.runtime.db as never);
    const units = seed.units;
    const province = units.find((u) => u.level === "province") as DemoUnit;
    const communes = units.filter((u) => u.level === "commune");
    const base = system.baseUrl;
    const admin = await signDevToken({ role: "admin", sub: "board-demo", name: "Demo" }, DEV_JWT_SECRET);
    const call = async (method: string, path: string, token: string, body?: unknown) => {
      const response = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body === undefined ? {} : { "content-type": "application/json" }),
        },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
      });
      const text = await response.text();
      if (response.status >= 300) throw new Error(`${method} ${path}: ${response.status} ${text}`);
      return JSON.parse(text) as Record<string, unknown>;
    };
    const applicantName = "Người Nộp Thử Nghiệm";
    const now = Date.now();
    let head = 0;
    // Twelve communes, four dossiers each over the last two months: on time, on time, late, left open.
    for (const [c, commune] of communes.slice(0, 12).entries()) {
      for (let k = 0; k < 4; k++) {
        const receivedAt = weekdayMorning(now, 12 + c * 3 + k * 9);
        const actions =
          k === 3
            ? []
            : [
                {
                  action: "resolve",
                  outcome: "approved",
                  at: new Date(Date.parse(receivedAt) + (k === 2 ? 9 : 1) * DAY_MS + 3_600_000).toISOString(),
                },
              ];
        const answer = await call("POST", "/dossiers/import", admin, {
          procedureId: "ho-tich-ket-hon",
          unitId: commune.unitId,
          channel: k === 1 ? "online" : "direct",
          applicant: { name: applicantName },
          documents: [{ name: "Tờ khai đăng ký kết hôn", digitized: k !== 0 }],
          receivedAt,
          actions,
        });
        head = Math.max(head, Number(answer.position));
      }
    }
    const liveCommune = communes[0] as DemoUnit;
    const officer = await signDevToken(
      { role: "officer", sub: "board-officer", name: "Cán bộ một cửa", unitId: liveCommune.unitId },
      DEV_JWT_SECRET,
    );
    const live = await call("POST", "/dossiers", officer, {
      procedureId: "ho-tich-ket-hon",
      unitId: liveCommune.unitId,
      channel: "direct",
      applicant: { name: applicantName },
    });
    head = Math.max(head, Number(live.position));
    // The projector catches up with everything loaded before the board opens.
    const analyst = await signDevToken({ role: "analyst", sub: "board-demo" }, DEV_JWT_SECRET);
    for (let attempt = 0; ; attempt++) {
      const response = await fetch(
        `${base}/reports/06a?unitId=${province.unitId}&from=${localDate(now, 0)}&to=${localDate(now, 0)}&minPosition=${head}`,
        { headers: { authorization: `Bearer ${analyst}` } },
      );
      await response.arrayBuffer();
      if (response.status === 200) break;
      if (attempt > 24) throw new Error(`the read models did not reach ${head}`);
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
    const to = localDate(now, 0);
    const from = `${localDate(now - 62 * DAY_MS, 0).slice(0, 7)}-01`;
    const running = system;
    const openBrowser = browser;
    const demo: BoardDemo = {
      system: running,
      harness: { browser: openBrowser },
      base,
      units,
      province,
      from,
      to,
      applicantName,
      async get<T>(path: string, token: string, params: Record<string, string>) {
        return (await call("GET", `${path}?${new URLSearchParams(params)}`, token)) as T;
      },
      async resolveLiveDossier() {
        const answer = await call("POST", `/dossiers/${live.dossierId}/resolve`, officer, {
          outcome: "approved",
        });
        return { position: Number(answer.position) };
      },
      async close() {
        await openBrowser.close();
        await running.stop();
        await redis.cleanup();
        await database.drop();
      },
    };
    return demo;
  } catch (error) {
    await browser?.close();
    await system?.stop();
    await redis.cleanup();
    await database.drop();
    throw error;
  }
}
