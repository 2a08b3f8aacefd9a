import { parseArgs } from "node:util";
import { fuzzTheApi } from "./harness";

/*
 * pnpm fuzz [--requests 20000] [--seed N]: the OpenAPI fuzzer against the whole API in-process on a
 * throw-away database; prints a table per status and per operation and every finding; exit code 1 on
 * any 5xx or contract mismatch.
 */
const usage = "Usage: pnpm fuzz [--requests N (default 20000)] [--seed N (default: random, printed)]";
let values: { requests?: string; seed?: string; help?: boolean };
try {
  ({ values } = parseArgs({
    options: { requests: { type: "string" }, seed: { type: "string" }, help: { type: "boolean" } },
  }));
} catch (error) {
  process.stderr.write(`${(error as Error).message}\n${usage}\n`);
  process.exit(2);
}
if (values.help) {
  process.stdout.write(`${usage}\n`);
  process.exit(0);
}
const requests = Number(values.requests ?? 20_000);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
if (!Number.isInteger(requests) || requests < 1 || requests > 10_000_000 || !Number.isInteger(seed)) {
  process.stderr.write(
    `--requests must be a whole number from 1 to 10,000,000 and --seed a whole number\n${usage}\n`,
  );
  process.exit(2);
}

process.stdout.write(`Fuzzing the API from its OpenAPI document: ${requests} requests, seed ${seed}\n`);
const started = Date.now();
const summary = await fuzzTheApi({
  requests,
  seed,
  onProgress: (done, total) => process.stdout.write(`\r  ${done} / ${total}`),
});
const seconds = (Date.now() - started) / 1000;
process.stdout.write("\n\n");

const pad = (text: string | number, width: number) => String(text).padEnd(width);
process.stdout.write(`${pad("operation", 44)}${pad("requests", 10)}statuses\n`);
for (const [name, op] of Object.entries(summary.byOperation).sort()) {
  const statuses = Object.entries(op.statuses)
    .map(([status, n]) => `${status}×${n}`)
    .join(" ");
  process.stdout.write(`${pad(name, 44)}${pad(op.requests, 10)}${statuses}\n`);
}
process.stdout.write(
  `\n${summary.requests} requests over ${Object.keys(summary.byOperation).length} of ${summary.operations} operations in ${seconds.toFixed(1)} s ` +
    `(${Math.round(summary.requests / seconds)}/s), seed ${seed}\n` +
    `by status: ${Object.entries(summary.byStatus)
      .map(([status, n]) => `${status}×${n}`)
      .join(" ")}\n` +
    `5xx: ${summary.serverErrors}   contract mismatches: ${summary.mismatches}\n`,
);
for (const f of summary.findings) {
  process.stdout.write(
    `  ${f.kind} ${f.status} ${f.operation} as ${f.caller} (${f.mutation}): ${f.detail.slice(0, 200)}\n    ${f.request.method} ${f.request.url.slice(0, 160)}\n`,
  );
}
process.exit(summary.serverErrors + summary.mismatches === 0 ? 0 : 1);
