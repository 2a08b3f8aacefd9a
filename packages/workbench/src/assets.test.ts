import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { buildKeepingNodeEnv } from "./assets";

/** Building the pages must not turn the caller into a production process (pnpm start, pnpm test). */
describe("buildKeepingNodeEnv", () => {
  let dir: string;
  const saved = process.env.NODE_ENV;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), "motcua-vite-"));
    await writeFile(join(dir, "index.html"), "<!doctype html><title>t</title><p>xin chào</p>");
    delete process.env.NODE_ENV;
  });
  afterEach(async () => {
    process.env.NODE_ENV = saved;
    await rm(dir, { recursive: true, force: true });
  });
  const config = () => ({
    root: dir,
    configFile: false as const,
    logLevel: "silent" as const,
    build: { outDir: join(dir, "dist") },
  });

  it("builds and leaves an unset NODE_ENV unset, where Vite's own build sets it to production", async () => {
    await buildKeepingNodeEnv(config());
    expect(await readFile(join(dir, "dist", "index.html"), "utf8")).toContain("xin chào");
    expect(process.env.NODE_ENV).toBeUndefined();
    const { build } = await import("vite");
    await build(config());
    expect(process.env.NODE_ENV).toBe("production");
  });

  it("leaves a set NODE_ENV as it was", async () => {
    process.env.NODE_ENV = "development";
    await buildKeepingNodeEnv(config());
    expect(process.env.NODE_ENV).toBe("development");
  });
});
