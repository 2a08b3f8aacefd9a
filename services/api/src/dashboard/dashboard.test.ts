import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { App } from "../app";
import { buildTestApp } from "../test-app";
import { dashboardRoutes } from "./routes";

let app: App;
beforeAll(async () => {
  app = await buildTestApp({ env: { RATE_LIMIT_MAX: "2" }, slices: [dashboardRoutes()] });
});
afterAll(async () => {
  await app?.close();
});

describe("the analysts' dashboard files", () => {
  it("serves the page to anyone, as HTML holding no data and no inline script", async () => {
    const r = await app.inject({ url: "/dashboard" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("text/html; charset=utf-8");
    const html = r.body;
    const scripts = [...html.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts.map((m) => /src="([^"]+)"/.exec(m[1] ?? "")?.[1])).toEqual([
      "/dashboard/vendor/chart.umd.min.js",
      "/dashboard/cartogram.js",
      "/dashboard/dashboard.js",
    ]);
    expect(scripts.every((m) => (m[2] ?? "").trim() === "")).toBe(true);
    // Nothing from another origin: the machines it runs on may have no internet.
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//);
  });

  it("keeps helmet's CSP: scripts from this origin only", async () => {
    const csp = String((await app.inject({ url: "/dashboard" })).headers["content-security-policy"]);
    const scriptSrc = csp.split(";").find((d) => d.trim().startsWith("script-src "));
    expect(scriptSrc?.trim()).toBe("script-src 'self'");
    expect(csp).toContain("script-src-attr 'none'");
  });

  it("serves its script and style", async () => {
    const script = await app.inject({ url: "/dashboard/dashboard.js" });
    expect(script.statusCode).toBe(200);
    expect(script.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    expect(script.body).toContain("/reports/06a");
    const style = await app.inject({ url: "/dashboard/dashboard.css" });
    expect(style.headers["content-type"]).toBe("text/css; charset=utf-8");
  });

  it("serves Chart.js's browser bundle from the installed package", async () => {
    const r = await app.inject({ url: "/dashboard/vendor/chart.umd.min.js" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("text/javascript; charset=utf-8");
    const installed = join(dirname(createRequire(import.meta.url).resolve("chart.js")), "chart.umd.min.js");
    expect(r.rawPayload.equals(await readFile(installed))).toBe(true);
    expect(r.body.slice(0, 200)).toMatch(/Chart\.js v4\./);
  });

  it("serves the 34 provinces' boundaries for the map, with their licence", async () => {
    const r = await app.inject({ url: "/dashboard/data/provinces-34.geojson" });
    expect(r.statusCode).toBe(200);
    expect(r.headers["content-type"]).toBe("application/geo+json; charset=utf-8");
    const geojson = r.json() as { features: { properties: { code: string; fullName: string } }[] };
    expect(geojson.features).toHaveLength(34);
    expect(geojson.features.map((f) => f.properties.fullName)).toContain("Tỉnh Thái Nguyên");
    const licence = await app.inject({ url: "/dashboard/data/provinces-34.LICENSE" });
    expect(licence.body).toContain("MIT License");
    const cartogram = await app.inject({ url: "/dashboard/cartogram.js" });
    expect(cartogram.body).toContain("MotcuaCartogram");
  });

  it("answers 304 when the browser's copy is current", async () => {
    const first = await app.inject({ url: "/dashboard/dashboard.js" });
    expect(first.headers["cache-control"]).toBe("no-cache");
    const etag = String(first.headers.etag);
    const again = await app.inject({ url: "/dashboard/dashboard.js", headers: { "if-none-match": etag } });
    expect(again.statusCode).toBe(304);
    expect(again.body).toBe("");
  });

  it("is outside the rate limit, like /docs' static files", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await app.inject({ url: "/dashboard/vendor/chart.umd.min.js" });
      expect(r.statusCode).toBe(200);
      expect(r.headers["x-ratelimit-limit"]).toBeUndefined();
    }
  });
});
