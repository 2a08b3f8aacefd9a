import { mkdir, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { join, relative, sep } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The workbench's Node side: where its built files are, and building them when the sources changed.
 * The browser app itself (src/app) is built by Vite into `dist/`; the API serves that directory from its
 * own origin (services/api/src/workbench). `pnpm start` and the browser tests call `ensureWorkbenchBuilt`,
 * so nothing needs running by hand after `pnpm install`.
 */
export const WORKBENCH_ROOT = fileURLToPath(new URL("..", import.meta.url));
export const WORKBENCH_DIST = join(WORKBENCH_ROOT, "dist");

/** What the build consumed, so a changed source makes `dist/` stale. */
const SOURCES = ["src", "index.html", "vite.config.ts", "package.json"];
const STAMP = ".sources";

async function filesUnder(path: string): Promise<string[]> {
  const info = await stat(path).catch(() => null);
  if (!info) return [];
  if (!info.isDirectory()) return [path];
  const entries = await readdir(path, { withFileTypes: true });
  const nested = await Promise.all(entries.map((entry) => filesUnder(join(path, entry.name))));
  return nested.flat();
}

/** One line per source file (path, size, modification time): cheap to compute, changes with any edit. */
async function sourceFingerprint(): Promise<string> {
  const files = (await Promise.all(SOURCES.map((s) => filesUnder(join(WORKBENCH_ROOT, s))))).flat().sort();
  const lines = await Promise.all(
    files
      .filter((file) => !file.endsWith(".test.ts"))
      .map(async (file) => {
        const info = await stat(file);
        return `${relative(WORKBENCH_ROOT, file).split(sep).join("/")} ${info.size} ${info.mtimeMs}`;
      }),
  );
  return lines.join("\n");
}

export async function workbenchIsBuilt(): Promise<boolean> {
  const stamp = await readFile(join(WORKBENCH_DIST, STAMP), "utf8").catch(() => null);
  return stamp !== null && stamp === (await sourceFingerprint());
}

/**
 * Builds the workbench into `dist/` unless it is already built from the current sources. Concurrent
 * callers (test files in parallel workers) take turns through a lock directory; the one that comes
 * second finds the build done.
 */
export async function ensureWorkbenchBuilt(
  log: (line: string) => void = () => {},
): Promise<"built" | "fresh"> {
  if (await workbenchIsBuilt()) return "fresh";
  const lock = join(WORKBENCH_ROOT, ".build-lock");
  await acquire(lock);
  try {
    if (await workbenchIsBuilt()) return "fresh";
    log("building the workbench (vite build)…");
    const fingerprint = await sourceFingerprint();
    await buildKeepingNodeEnv({
      root: WORKBENCH_ROOT,
      configFile: join(WORKBENCH_ROOT, "vite.config.ts"),
      logLevel: "warn",
    });
    await writeFile(join(WORKBENCH_DIST, STAMP), fingerprint);
    return "built";
  } finally {
    await rm(lock, { recursive: true, force: true });
  }
}

/**
 * Vite's build, leaving `process.env.NODE_ENV` as it found it: Vite sets it to production in the calling
 * process when it is unset, and the callers (pnpm start, pnpm test) must not inherit that — their own
 * configuration and every child process they spawn would then be production's (it failed the start and
 * CLI tests once `pnpm test` began building first).
 */
export async function buildKeepingNodeEnv(config: import("vite").InlineConfig): Promise<void> {
  const { build } = await import("vite");
  const nodeEnv = process.env.NODE_ENV;
  try {
    await build(config);
  } finally {
    if (nodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = nodeEnv;
  }
}

/** mkdir is atomic: whoever creates the directory holds the lock; a lock older than 90 s (a build takes seconds) is stale. */
async function acquire(lock: string): Promise<void> {
  for (;;) {
    try {
      await mkdir(lock);
      return;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const info = await stat(lock).catch(() => null);
      if (info && Date.now() - info.mtimeMs > 90_000) await rm(lock, { recursive: true, force: true });
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
}
