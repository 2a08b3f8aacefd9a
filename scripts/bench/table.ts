/**
 * `pnpm bench:table [--since <ISO time>]`: prints the README's benchmark table (markdown) from the
 * results file (`.motcua/bench-results.jsonl` or BENCH_RESULTS): each bench's latest run — throughput,
 * CPU ms per operation, ratio to its floor, latency, memory — with its commit, load average and machine.
 * `pnpm bench` ends with it, so the table shows what that one run measured.
 */
import { existsSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { parseBenchResults, resultsFile } from "@motcua/testing/bench";
import { latestRuns, resultsTable } from "./results-table";

const { values } = parseArgs({ options: { since: { type: "string" } } });
if (values.since !== undefined && Number.isNaN(Date.parse(values.since))) {
  process.stderr.write(
    `--since must be an ISO date-time such as 2026-12-05T03:40:00Z (got ${values.since})\n`,
  );
  process.exit(2);
}
const since = values.since === undefined ? undefined : new Date(values.since).toISOString();
const file = resultsFile();
const results = existsSync(file) ? parseBenchResults(readFileSync(file, "utf8")) : [];
process.stdout.write(`${resultsTable(latestRuns(results, since))}\n`);
