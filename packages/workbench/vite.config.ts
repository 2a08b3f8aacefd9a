import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

/**
 * The workbench builds to plain files the API serves from its own origin: module scripts and style
 * sheets only, nothing inline, so helmet's CSP (script-src 'self', no inline styles) holds unchanged.
 * `pnpm --filter @motcua/workbench dev` serves it with hot reload and sends API calls to `pnpm start`.
 */
const API = process.env.MOTCUA_API_URL ?? "http://127.0.0.1:3000";
const apiPaths = [
  "/dossiers",
  "/units",
  "/procedures",
  "/calendars",
  "/public",
  "/dev",
  "/auth",
  "/submissions",
  "/audit",
];

export default defineConfig({
  plugins: [react()],
  base: "/",
  build: {
    outDir: "dist",
    emptyOutDir: true,
    assetsDir: "assets",
    // Inline assets would become data: URLs in CSS/JS; files keep the CSP simple.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false },
    sourcemap: true,
  },
  server: { proxy: Object.fromEntries(apiPaths.map((path) => [path, API])) },
});
