import { readFile } from "node:fs/promises";
import { describe, expect, it } from "vitest";
import {
  CHROMIUM,
  ENSURE_SERVICES,
  ensureChromium,
  ensureTestServices,
  type PackageMachine,
  TestMachineError,
} from "./test-machine";

/** A Debian machine without Chromium whose apt-get installs it (after an update when `staleLists`). */
function debianWithoutChromium(options: { root?: boolean; sudo?: boolean; staleLists?: boolean } = {}) {
  const commands: string[] = [];
  let installed = false;
  let listsFresh = !options.staleLists;
  const machine: PackageMachine = {
    exists: (path) => path === CHROMIUM && installed,
    isRoot: () => options.root ?? true,
    has: async (command) => command === "apt-get" || (command === "sudo" && (options.sudo ?? false)),
    async run(command, args, onLine) {
      commands.push([command, ...args].join(" "));
      if (args.includes("update")) {
        listsFresh = true;
        onLine("Get:1 http://deb.debian.org/debian bookworm InRelease [151 kB]");
        return 0;
      }
      if (!listsFresh) {
        onLine("E: Unable to locate package chromium");
        return 100;
      }
      onLine("Reading package lists...");
      onLine(
        "Get:1 http://deb.debian.org/debian-security bookworm-security/main amd64 chromium amd64 [70 MB]",
      );
      onLine("Unpacking chromium (131.0) ...");
      onLine("Setting up chromium (131.0) ...");
      installed = true;
      return 0;
    },
  };
  return { machine, commands };
}

describe("pnpm test's machine set-up", () => {
  it("is what `pnpm test` runs, before vitest", async () => {
    const manifest = JSON.parse(await readFile(new URL("../package.json", import.meta.url), "utf8"));
    expect(manifest.scripts.test).toBe("tsx scripts/test.ts");
    const ci = await readFile(new URL("../.ci/run", import.meta.url), "utf8");
    expect(ci).toMatch(/pnpm test/);
  });

  it("installs Debian's chromium with apt-get when /usr/bin/chromium is missing, saying each step", async () => {
    const { machine, commands } = debianWithoutChromium();
    const lines: string[] = [];
    expect(await ensureChromium({ machine, log: (line) => lines.push(line) })).toBe("installed");
    expect(commands).toEqual([
      "env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium",
    ]);
    expect(lines[0]).toMatch(/installing Debian's chromium/);
    expect(lines).toContain("  apt: Unpacking chromium (131.0) ...");
    expect(lines).toContain("  apt: Setting up chromium (131.0) ...");
    expect(lines).not.toContain("  apt: Reading package lists...");
    expect(lines.at(-1)).toBe(`motcua test: chromium installed at ${CHROMIUM}`);
  });

  it("refreshes the package lists once when apt-get cannot find chromium, and goes through sudo when not root", async () => {
    const { machine, commands } = debianWithoutChromium({ root: false, sudo: true, staleLists: true });
    expect(await ensureChromium({ machine, log: () => {} })).toBe("installed");
    expect(commands).toEqual([
      "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium",
      "sudo env DEBIAN_FRONTEND=noninteractive apt-get update -q",
      "sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium",
    ]);
  });

  it("leaves a machine that has chromium alone, and never downloads a browser", async () => {
    const { machine, commands } = debianWithoutChromium();
    const present: PackageMachine = { ...machine, exists: (path) => path === CHROMIUM };
    expect(await ensureChromium({ machine: present, log: () => {} })).toBe("present");
    expect(commands).toEqual([]);
    const source = await readFile(new URL("./test-machine.ts", import.meta.url), "utf8");
    expect(source).not.toMatch(/playwright install|npx|curl|wget/);
  });

  it("says in one line what to run when it may not install (no root, no sudo)", async () => {
    const { machine, commands } = debianWithoutChromium({ root: false, sudo: false });
    const attempt = ensureChromium({ machine, log: () => {} });
    await expect(attempt).rejects.toBeInstanceOf(TestMachineError);
    await expect(attempt).rejects.toThrow("run `sudo apt-get install chromium` once");
    expect(commands).toEqual([]);
  });

  it("makes Postgres and Redis answer with infra/local/ensure-services.sh, relaying its lines", async () => {
    const commands: string[] = [];
    const machine: PackageMachine = {
      exists: () => true,
      isRoot: () => true,
      has: async () => true,
      async run(command, args, onLine) {
        commands.push([command, ...args].join(" "));
        onLine("ensure-services: starting Postgres cluster 15/main");
        return 0;
      },
    };
    const lines: string[] = [];
    expect(await ensureTestServices({ machine, env: {}, log: (line) => lines.push(line) })).toBe("answering");
    expect(commands).toEqual([`bash ${ENSURE_SERVICES}`]);
    expect(lines).toEqual([
      "motcua test: making sure Postgres and Redis answer…",
      "  ensure-services: starting Postgres cluster 15/main",
    ]);
    const failing: PackageMachine = { ...machine, run: async () => 1 };
    await expect(ensureTestServices({ machine: failing, env: {}, log: () => {} })).rejects.toThrow(
      /could not be made to answer/,
    );
    const elsewhere = { TEST_DATABASE_URL: "postgres://ci@db/postgres", TEST_REDIS_URL: "redis://cache" };
    expect(await ensureTestServices({ machine: failing, env: elsewhere, log: () => {} })).toBe("configured");
  });

  it("runs the real ensure-services script on this machine: Postgres and Redis already answer", async () => {
    const lines: string[] = [];
    expect(await ensureTestServices({ env: {}, log: (line) => lines.push(line) })).toBe("answering");
    expect(lines.join("\n")).toMatch(/Postgres answers on 127\.0\.0\.1:5432/);
    expect(lines.join("\n")).toMatch(/Redis answers on 127\.0\.0\.1:6379/);
  });
});
