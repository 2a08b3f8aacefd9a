import { spawn } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { createTestRedis, testAdminDatabaseUrl } from "@motcua/testing";
import pg from "pg";
import { describe, expect, it } from "vitest";

const ROOT = fileURLToPath(new URL("..", import.meta.url));

/** `pnpm start` in a child process until it prints "Press Ctrl-C to stop.", then SIGTERM. */
function runStart(
  env: Record<string, string>,
): Promise<{ stdout: string; stderr: string; code: number | null }> {
  const {
    LOG_LEVEL: _level,
    RATE_LIMIT_MAX: _max,
    DATABASE_URL: _db,
    REDIS_URL: _redis,
    ...inherited
  } = process.env;
  // Node itself with tsx's loader, not the tsx CLI: the CLI relays a signal to its child only if the child
  // acknowledges it within 30 ms, and otherwise kills it and exits 143 — a race on a busy machine.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    cwd: ROOT,
    env: { ...inherited, ...env },
  });
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (chunk: string) => {
    stdout += chunk;
    if (stdout.includes("Press Ctrl-C to stop.")) child.kill("SIGTERM");
  });
  child.stderr.setEncoding("utf8").on("data", (chunk: string) => {
    stderr += chunk;
  });
  return new Promise((resolve) => child.on("exit", (code) => resolve({ stdout, stderr, code })));
}

describe("pnpm start", () => {
  it("creates the database DATABASE_URL names, shows a short console with the URL and keeps the request logs in its log file", async () => {
    const database = `motcua_test_start_${process.pid}`;
    const redis = await createTestRedis("start");
    const dir = await mkdtemp(join(tmpdir(), "motcua-start-"));
    const logFile = join(dir, "logs", "motcua.log");
    const databaseUrl = new URL(testAdminDatabaseUrl());
    databaseUrl.pathname = `/${database}`;
    try {
      const { stdout, stderr, code } = await runStart({
        DATABASE_URL: databaseUrl.toString(),
        REDIS_URL: redis.url,
        REDIS_PREFIX: redis.prefix,
        PORT: "0",
        MOTCUA_LOG_FILE: logFile,
        MOTCUA_DEMO_WEEKS: "1",
        MOTCUA_DEMO_DOSSIERS: "12",
        MOTCUA_LIVE_PER_MINUTE: "0",
      });
      const console = `${stdout}${stderr}`;
      expect(code, console).toBe(0);
      // The database did not exist: start created it instead of failing with SQLSTATE 3D000.
      expect(stdout).toContain(`creating database ${database}`);
      expect(console).not.toMatch(/3D000|at .*\.ts:\d+/);
      // What a person reads: progress, the links, the tokens, the development warnings; no JSON lines.
      expect(stdout).toMatch(/motcua is running at http:\/\/127\.0\.0\.1:\d+/);
      expect(stdout).toContain(`logs         ${logFile}`);
      expect(stderr).toMatch(/^warning: AUTH_JWT_SECRET is not set/m);
      const lines = console.split("\n").filter((line) => line.trim() !== "");
      expect(lines.filter((line) => line.startsWith("{"))).toEqual([]);
      expect(lines.length).toBeLessThan(60);
      // Every request the demo loader made is in the file, as JSON.
      const logged = (await readFile(logFile, "utf8"))
        .split("\n")
        .filter(Boolean)
        .map((line) => JSON.parse(line) as { msg?: string; req?: { url?: string } });
      const requests = logged.filter((line) => line.msg === "incoming request");
      expect(requests.length).toBeGreaterThanOrEqual(12);
      expect(requests.some((line) => line.req?.url?.startsWith("/dossiers/import"))).toBe(true);
    } finally {
      await redis.cleanup();
      const admin = new pg.Client({ connectionString: testAdminDatabaseUrl() });
      await admin.connect();
      await admin.query(`DROP DATABASE IF EXISTS "${database}" WITH (FORCE)`);
      await admin.end();
      await rm(dir, { recursive: true, force: true });
    }
  }, 240_000);
});
