import { spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { systemShell } from "./services";

/**
 * What `pnpm test` needs on the machine before vitest starts: Postgres and Redis answering where the tests
 * look (TEST_DATABASE_URL / TEST_REDIS_URL, else 127.0.0.1:5432 and :6379), and Debian's Chromium at
 * /usr/bin/chromium for the dashboard's browser test. Never a downloaded browser: the Debian package is
 * patched by Debian's security team, and a browser test that skips itself would prove nothing.
 */

export const CHROMIUM = "/usr/bin/chromium";
export const CHROMIUM_HINT = "apt-get install chromium";

export class TestMachineError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "TestMachineError";
  }
}

/** How the browser gets installed: the real machine, or a fake in tests. */
export interface PackageMachine {
  exists(path: string): boolean;
  isRoot(): boolean;
  has(command: string): Promise<boolean>;
  /** Runs a command, handing each line it prints to `onLine`; answers its exit code. */
  run(command: string, args: readonly string[], onLine: (line: string) => void): Promise<number>;
}

export const realMachine: PackageMachine = {
  exists: existsSync,
  isRoot: () => process.getuid?.() === 0,
  has: systemShell.has,
  run(command, args, onLine) {
    return new Promise((resolveRun) => {
      const child = spawn(command, [...args], { stdio: ["ignore", "pipe", "pipe"] });
      for (const stream of [child.stdout, child.stderr]) {
        let partial = "";
        stream.setEncoding("utf8");
        stream.on("data", (chunk: string) => {
          const lines = (partial + chunk).split("\n");
          partial = lines.pop() ?? "";
          for (const line of lines) onLine(line);
        });
        stream.on("end", () => {
          if (partial !== "") onLine(partial);
        });
      }
      child.on("error", () => resolveRun(127));
      child.on("close", (code) => resolveRun(code ?? 1));
    });
  },
};

/** apt-get's lines that tell a person how far it got: each download, unpack and configure step, errors. */
const APT_PROGRESS = /^(Get:\d+|Fetched|Unpacking|Setting up|E:|W:|Err:)/;

/** Installs Debian's `chromium` when /usr/bin/chromium is missing; says each step. */
export async function ensureChromium(
  options: { machine?: PackageMachine; log?: (line: string) => void } = {},
): Promise<"present" | "installed"> {
  const machine = options.machine ?? realMachine;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (machine.exists(CHROMIUM)) return "present";
  if (!(await machine.has("apt-get"))) {
    throw new TestMachineError(
      `No Chromium at ${CHROMIUM} and no apt-get: install Chromium there yourself (the dashboard's browser test needs it)`,
    );
  }
  let asRoot: (args: readonly string[]) => [string, string[]];
  if (machine.isRoot()) asRoot = (args) => ["env", ["DEBIAN_FRONTEND=noninteractive", ...args]];
  else if (await machine.has("sudo"))
    asRoot = (args) => ["sudo", ["env", "DEBIAN_FRONTEND=noninteractive", ...args]];
  else {
    throw new TestMachineError(
      `No Chromium at ${CHROMIUM}, and installing it needs root: run \`sudo ${CHROMIUM_HINT}\` once`,
    );
  }
  const relay = (line: string) => {
    if (APT_PROGRESS.test(line.trim())) log(`  apt: ${line.trim()}`);
  };
  const apt = (...args: string[]) => {
    const [command, full] = asRoot(["apt-get", ...args]);
    return machine.run(command, full, relay);
  };
  log(`motcua test: installing Debian's chromium (${CHROMIUM_HINT}) for the dashboard's browser test…`);
  const install = () => apt("install", "-y", "-q", "--no-install-recommends", "chromium");
  if ((await install()) !== 0) {
    log("motcua test: refreshing the package lists (apt-get update) and trying again…");
    await apt("update", "-q");
    if ((await install()) !== 0 || !machine.exists(CHROMIUM)) {
      throw new TestMachineError(
        `Installing chromium failed: run \`${CHROMIUM_HINT}\` and look at its errors`,
      );
    }
  }
  if (!machine.exists(CHROMIUM)) {
    throw new TestMachineError(`apt-get installed chromium, yet there is nothing at ${CHROMIUM}`);
  }
  log(`motcua test: chromium installed at ${CHROMIUM}`);
  return "installed";
}

export const ENSURE_SERVICES = fileURLToPath(new URL("../infra/local/ensure-services.sh", import.meta.url));

/**
 * Postgres and Redis where the tests connect (127.0.0.1:5432 and :6379): found, or installed from Debian's
 * packages and started, by `infra/local/ensure-services.sh` (CI's way too). Each test then makes its own
 * database and Redis prefix on them. Skipped when TEST_DATABASE_URL and TEST_REDIS_URL point elsewhere.
 */
export async function ensureTestServices(
  options: {
    machine?: PackageMachine;
    env?: Readonly<Record<string, string | undefined>>;
    log?: (line: string) => void;
  } = {},
): Promise<"configured" | "answering"> {
  const machine = options.machine ?? realMachine;
  const env = options.env ?? process.env;
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  if (env.TEST_DATABASE_URL && env.TEST_REDIS_URL) return "configured";
  log("motcua test: making sure Postgres and Redis answer…");
  const code = await machine.run("bash", [ENSURE_SERVICES], (line) => log(`  ${line}`));
  if (code !== 0) {
    throw new TestMachineError(
      `Postgres and Redis could not be made to answer (bash ${ENSURE_SERVICES} exited ${code}; see above)`,
    );
  }
  return "answering";
}
