/**
 * `pnpm bench`: every bench one after the other (about 20 minutes on 2 cores), each printing its figures
 * and recording them (JSON lines), then the table of that run (`pnpm bench:table --since <its start>`),
 * which is what the README's benchmark table shows. A bench that fails is reported and the others still
 * run; the exit status says whether all passed.
 */
import { spawnSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { parseBenchResults, resultsFile } from "@motcua/testing/bench";
import { latestRuns, resultsTable } from "./results-table";

const BENCHES: readonly (readonly string[])[] = [
  ["bench:append"],
  ["bench:report"],
  ["bench:commands"],
  // #18's catch-up goal is stated at 1,000,000 events; since pages are read in windows of positions the
  // catch-up no longer grows as N², so the whole log fits the run (a few minutes).
  ["bench:projections", "--events", "1000000"],
  ["bench:freshness"],
  ["bench:scheduler"],
  ["bench:audit", "--leaves", "1000000", "--build", "sql"],
  ["bench:board"],
];

const started = new Date().toISOString();
const failed: string[] = [];
BENCHES.forEach((command, i) => {
  const name = command.join(" ");
  process.stdout.write(
    `\n══ [${i + 1}/${BENCHES.length}] pnpm ${name}  (${Math.round((Date.now() - Date.parse(started)) / 60_000)} min so far)\n`,
  );
  const outcome = spawnSync("pnpm", [...command], { stdio: "inherit" });
  if (outcome.status !== 0) failed.push(`${name} (exit ${outcome.status ?? outcome.signal})`);
});
const file = resultsFile();
const results = existsSync(file) ? parseBenchResults(readFileSync(file, "utf8")) : [];
process.stdout.write(
  `\n══ this run's figures (pnpm bench:table --since ${started})\n\n${resultsTable(latestRuns(results, started))}\n`,
);
if (failed.length > 0) {
  process.stderr.write(`\nbenches that failed: ${failed.join(", ")}\n`);
  process.exit(1);
}
