import { spawn } from "node:child_process";
import { fileURLToPath } from "node:url";
import { ensureWorkbenchBuilt } from "@motcua/workbench";
import { ensureChromium, ensureTestServices, TestMachineError } from "./test-machine";

/**
 * `pnpm test [vitest arguments]`: makes the machine ready for the tests, then runs `vitest run` with the
 * arguments given. Postgres and Redis answer (started, or installed from Debian's packages), and Debian's
 * Chromium is at /usr/bin/chromium (installed with apt-get when missing), and the workbench's pages are
 * built. What it does, it says.
 */
const say = (line: string) => process.stderr.write(`${line}\n`);

try {
  await ensureTestServices({ log: say });
  if ((await ensureChromium({ log: say })) === "present") say("motcua test: chromium at /usr/bin/chromium");
  // Built once before any test starts an API (each reads the pages at start): no test then depends on
  // whether another built them first.
  if ((await ensureWorkbenchBuilt((line) => say(`motcua test: ${line}`))) === "fresh")
    say("motcua test: the workbench is built");
} catch (error) {
  if (error instanceof TestMachineError) {
    say(`motcua test: ${error.message}`);
    process.exit(1);
  }
  throw error;
}

const vitest = fileURLToPath(new URL("../node_modules/vitest/vitest.mjs", import.meta.url));
const child = spawn(process.execPath, [vitest, "run", ...process.argv.slice(2)], { stdio: "inherit" });
// Ctrl-C reaches vitest through the terminal's process group: this process waits for it to finish.
process.on("SIGINT", () => {});
process.on("SIGTERM", () => child.kill("SIGTERM"));
child.on("exit", (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
