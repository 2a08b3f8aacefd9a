/**
 * `pnpm bench:compare <commit-a> <commit-b> [bench…] [--rounds N]` — the way a change is judged: the same
 * benches for two commits, back to back on this machine, in rounds that alternate which commit goes
 * first, then both commits' figures side by side (the median of each side's rounds) with their ratio.
 *
 * Each commit is checked out in a worktree of its own under the system's temporary directory (installed
 * offline from pnpm's store) and removed at the end. Each bench run appends its figures to a results file
 * of its commit (BENCH_RESULTS); commits from before the results file record nothing and show "–".
 * Benches: append, commands, projections, freshness, scheduler, report, audit, board (default: append,
 * projections). `projections` runs on BENCH_COMPARE_EVENTS events (default 100,000), `report` on
 * BENCH_COMPARE_DOSSIERS dossiers (default 1,000,000).
 */
import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { parseBenchResults } from "@motcua/testing/bench";
import { compareFigures, comparisonTable } from "./compare-figures";

const BENCHES: Record<string, string[]> = {
  append: ["bench:append"],
  commands: ["bench:commands"],
  projections: ["bench:projections", "--events", process.env.BENCH_COMPARE_EVENTS ?? "100000"],
  freshness: ["bench:freshness"],
  scheduler: ["bench:scheduler"],
  report: ["bench:report", "--dossiers", process.env.BENCH_COMPARE_DOSSIERS ?? "1000000"],
  audit: ["bench:audit"],
  board: ["bench:board"],
};

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: { rounds: { type: "string" } },
});
const [commitA, commitB, ...chosen] = positionals;
const rounds = Number(values.rounds ?? 3);
const benches = chosen.length > 0 ? chosen : ["append", "projections"];
const unknown = benches.filter((bench) => !(bench in BENCHES));
if (!commitA || !commitB || unknown.length > 0 || !(Number.isInteger(rounds) && rounds >= 1)) {
  process.stderr.write(
    `usage: pnpm bench:compare <commit-a> <commit-b> [${Object.keys(BENCHES).join("|")}…] [--rounds N ≥ 1]\n` +
      (unknown.length > 0 ? `unknown bench: ${unknown.join(", ")}\n` : ""),
  );
  process.exit(2);
}

const say = (line: string) => process.stdout.write(`${line}\n`);
const git = (args: string[]) => {
  const result = spawnSync("git", args, { encoding: "utf8" });
  if (result.status !== 0) throw new Error(`git ${args.join(" ")}: ${result.stderr.trim()}`);
  return result.stdout.trim();
};

const root = git(["rev-parse", "--show-toplevel"]);
const workspace = mkdtempSync(join(tmpdir(), "motcua-bench-compare-"));
// The project docs and data sit beside the checkout (`../shared`, e.g. the demo's units): the same beside
// the temporary worktrees.
const shared = join(root, "..", "shared");
if (existsSync(shared)) symlinkSync(realpathSync(shared), join(workspace, "shared"));

interface Side {
  readonly label: string;
  readonly commit: string;
  readonly dir: string;
  readonly results: string;
}

const sides: Side[] = [commitA, commitB].map((ref, index) => {
  const commit = git(["rev-parse", "--verify", `${ref}^{commit}`]);
  const label = `${index === 0 ? "a" : "b"} ${commit.slice(0, 8)}`;
  return {
    label,
    commit,
    dir: join(workspace, `${index}-${commit.slice(0, 12)}`),
    results: join(workspace, `${index}.jsonl`),
  };
});

function cleanup() {
  for (const side of sides)
    if (existsSync(side.dir)) spawnSync("git", ["-C", root, "worktree", "remove", "--force", side.dir]);
  rmSync(workspace, { recursive: true, force: true });
}
process.once("SIGINT", () => {
  cleanup();
  process.exit(130);
});

function run(
  command: string,
  args: string[],
  cwd: string,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  return new Promise((resolve) => {
    const child = spawn(command, args, { cwd, env, stdio: "inherit" });
    child.on("exit", (code) => resolve(code ?? 1));
  });
}

try {
  for (const side of sides) {
    say(`▶ ${side.label}: worktree ${side.dir}`);
    git(["-C", root, "worktree", "add", "--detach", side.dir, side.commit]);
    let installed = await run("pnpm", ["install", "--frozen-lockfile", "--offline", "--silent"], side.dir);
    if (installed !== 0)
      installed = await run("pnpm", ["install", "--frozen-lockfile", "--silent"], side.dir);
    if (installed !== 0) throw new Error(`pnpm install failed in ${side.dir}`);
  }
  const failures: string[] = [];
  for (let round = 1; round <= rounds; round += 1) {
    const order = round % 2 === 1 ? sides : [...sides].reverse();
    for (const bench of benches) {
      for (const side of order) {
        say(`\n▶ round ${round}/${rounds} · ${bench} · ${side.label}`);
        const [script, ...args] = BENCHES[bench] as string[];
        const code = await run("pnpm", [script as string, ...args], side.dir, {
          ...process.env,
          BENCH_RESULTS: side.results,
        });
        if (code !== 0) failures.push(`round ${round} ${bench} ${side.label}: exit ${code}`);
      }
    }
  }
  const read = (side: Side) =>
    existsSync(side.results) ? parseBenchResults(readFileSync(side.results, "utf8")) : [];
  const [a, b] = sides as [Side, Side];
  const rows = compareFigures(benches, read(a), read(b));
  say(`\n── bench:compare: ${benches.join(", ")}, ${rounds} round(s), medians ──`);
  for (const line of comparisonTable(rows, a.label, b.label)) say(line);
  for (const side of sides)
    if (read(side).length === 0)
      say(`  ${side.label} recorded no figures (a commit from before the benches kept results)`);
  for (const failure of failures) say(`  failed: ${failure}`);
  process.exitCode = failures.length > 0 ? 1 : 0;
} finally {
  cleanup();
}
