import { createHash } from "node:crypto";
import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { z } from "zod";
import type { RouteSlice } from "../app";

/** A file the dashboard serves, read once when the API starts. */
interface Asset {
  readonly path: string;
  readonly contentType: string;
  readonly body: Buffer;
  readonly etag: string;
}

const STATIC_DIR = fileURLToPath(new URL("./static/", import.meta.url));

/**
 * Chart.js's browser bundle from the installed package (no CDN: the dashboard must work on a machine or
 * a ministry network without internet). The package exports only its modules, so the UMD file is found
 * beside the resolved entry point.
 */
function chartJsDistDir(): string {
  return dirname(createRequire(import.meta.url).resolve("chart.js"));
}

async function loadAssets(): Promise<Asset[]> {
  const asset = (path: string, contentType: string, body: Buffer): Asset => ({
    path,
    contentType,
    body,
    etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
  });
  const own = async (file: string, contentType: string) =>
    asset(
      file === "index.html" ? "/dashboard" : `/dashboard/${file}`,
      contentType,
      await readFile(join(STATIC_DIR, file)),
    );
  const vendor = async (file: string, contentType: string) =>
    asset(`/dashboard/vendor/${file}`, contentType, await readFile(join(chartJsDistDir(), file)));
  return Promise.all([
    own("index.html", "text/html; charset=utf-8"),
    own("dashboard.js", "text/javascript; charset=utf-8"),
    own("dashboard.css", "text/css; charset=utf-8"),
    own("cartogram.js", "text/javascript; charset=utf-8"),
    // The 34 provinces' simplified boundaries (vietnamese-provinces-database, MIT: its licence beside it).
    asset(
      "/dashboard/data/provinces-34.geojson",
      "application/geo+json; charset=utf-8",
      await readFile(join(STATIC_DIR, "provinces-34.simplified.geojson")),
    ),
    asset(
      "/dashboard/data/provinces-34.LICENSE",
      "text/plain; charset=utf-8",
      await readFile(join(STATIC_DIR, "provinces-34.LICENSE")),
    ),
    vendor("chart.umd.min.js", "text/javascript; charset=utf-8"),
    vendor("chart.umd.min.js.map", "application/json; charset=utf-8"),
  ]);
}

/**
 * The analysts' dashboard: `GET /dashboard` and its script, style and chart library. The page holds no
 * data and needs no token to load; in the browser it asks for a bearer token and calls the API's read
 * endpoints (`/units`, `/reports/06a`, `/indicators`) like any other client, so their authorization
 * applies unchanged. Scripts are files from this origin, so helmet's CSP (`script-src 'self'`) holds.
 * Like `/docs`' static files, these routes are outside the rate limit.
 */
export function dashboardRoutes(): RouteSlice {
  return async (app) => {
    for (const asset of await loadAssets()) {
      const page = asset.path === "/dashboard";
      app.get(
        asset.path,
        {
          config: { rateLimit: false },
          schema: page
            ? {
                tags: ["reports"],
                summary:
                  "The analysts' operations board (HTML): KPI tiles, the province's communes as a coloured tile map, monthly trends, the overdue list, rankings, live updates and exports; asks for a token in the page",
                response: {
                  200: { description: "The page", content: { "text/html": { schema: z.string() } } },
                },
              }
            : { hide: true },
        },
        async (request, reply) => {
          // Files that change with a deployment: the browser revalidates (a 304 when unchanged).
          reply.header("cache-control", "no-cache").header("etag", asset.etag);
          if (request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
          return reply.header("content-type", asset.contentType).send(asset.body);
        },
      );
    }
  };
}
