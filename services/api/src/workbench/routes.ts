import { createHash } from "node:crypto";
import { readdir, readFile } from "node:fs/promises";
import { extname, join, relative, sep } from "node:path";
import { WORKBENCH_DIST } from "@motcua/workbench";
import { z } from "zod";
import type { RouteSlice } from "../app";
import { AppError } from "../problem";

/**
 * The paths the workbench's router owns (API.md "Pages"): `/` and the officers', inspectors' and
 * citizens' pages. Each answers the app's index.html; the router in the browser picks the page. Vietnamese
 * path words cannot collide with the API's English resource names.
 */
const PAGE_PATHS = [
  "/",
  "/dang-nhap",
  "/dang-nhap/oidc",
  "/tiep-nhan",
  "/ho-so/*",
  "/thanh-tra",
  "/thanh-tra/*",
  "/quan-tri",
  "/tra-cuu",
  "/tra-cuu/*",
  "/phan-anh",
  "/phan-anh/*",
  "/phan-anh-kien-nghi",
  "/phan-anh-kien-nghi/*",
];

const CONTENT_TYPES: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".map": "application/json; charset=utf-8",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
};

interface Asset {
  readonly contentType: string;
  readonly body: Buffer;
  readonly etag: string;
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true }).catch(() => []);
  const nested = await Promise.all(
    entries.map((e) =>
      e.isDirectory() ? filesUnder(join(dir, e.name)) : Promise.resolve([join(dir, e.name)]),
    ),
  );
  return nested.flat();
}

/** The built files, read once at start: `/assets/<hashed name>` and the index page. */
async function loadBuild(): Promise<{ index: Asset | null; assets: Map<string, Asset> }> {
  const assets = new Map<string, Asset>();
  let index: Asset | null = null;
  for (const file of await filesUnder(WORKBENCH_DIST)) {
    const contentType = CONTENT_TYPES[extname(file)];
    if (!contentType) continue;
    const body = await readFile(file);
    const asset = {
      contentType,
      body,
      etag: `"${createHash("sha256").update(body).digest("base64url").slice(0, 27)}"`,
    };
    const path = `/${relative(WORKBENCH_DIST, file).split(sep).join("/")}`;
    if (path === "/index.html") index = asset;
    else assets.set(path, asset);
  }
  return { index, assets };
}

const notBuilt = () =>
  new AppError(
    503,
    "workbench.not_built",
    "The workbench is not built: `pnpm start` builds it, or run `pnpm --filter @motcua/workbench build`",
  );

/**
 * The workbench and the citizens' lookup page on the API's own origin (no CDN): the index page for every
 * page path, and Vite's hashed files under `/assets/` (cached for a year: a new build has new names).
 * Everything is a file from this origin, so helmet's CSP (`script-src 'self'`, no inline code) holds.
 * The pages carry no data; in the browser they call this API like any client. Outside the rate limit,
 * like `/docs`' and the dashboard's files.
 */
export function workbenchRoutes(): RouteSlice {
  return async (app) => {
    const { index, assets } = await loadBuild();
    for (const path of PAGE_PATHS) {
      app.get(
        path,
        {
          config: { rateLimit: false },
          schema:
            path === "/"
              ? {
                  tags: ["pages"],
                  summary:
                    "The workbench (HTML) for officers and inspectors, and the citizens' lookup under /tra-cuu",
                  response: {
                    200: { description: "The page", content: { "text/html": { schema: z.string() } } },
                  },
                }
              : { hide: true },
        },
        async (request, reply) => {
          if (!index) throw notBuilt();
          reply.header("cache-control", "no-cache").header("etag", index.etag);
          if (request.headers["if-none-match"] === index.etag) return reply.code(304).send();
          return reply.header("content-type", index.contentType).send(index.body);
        },
      );
    }
    app.get("/assets/*", { config: { rateLimit: false }, schema: { hide: true } }, async (request, reply) => {
      const path = request.url.split("?")[0] ?? "";
      const asset = assets.get(decodeURIComponent(path));
      if (!asset) throw new AppError(404, "asset.not_found", "No such file");
      reply.header("cache-control", "public, max-age=31536000, immutable").header("etag", asset.etag);
      if (request.headers["if-none-match"] === asset.etag) return reply.code(304).send();
      return reply.header("content-type", asset.contentType).send(asset.body);
    });
  };
}
