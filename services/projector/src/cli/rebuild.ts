/**
 * `pnpm projections:rebuild [--drop-old] [--no-activate]`: fills the next read-model version from
 * position 0 while the current one keeps serving, shows progress, and switches when caught up (a
 * prepared version filled whole by this one process: stopped, it resumes with `--version rm_vN`).
 *
 * Spread over several processes (hosts): `projections:rebuild --prepare [--no-activate] [--drop-old]`
 * once, which creates the version and prints it, then `projections:rebuild --version rm_vN --partitions
 * a-b` on each host with ranges covering every partition; the version switches once, when the last range
 * is done. A process that stopped is started again with the same range and resumes.
 */

import { activeReadModelVersion } from "@motcua/read-models";
import {
  checkRebuildShare,
  parseRebuildArgs,
  prepareRebuild,
  REBUILD_USAGE,
  type RebuildProgress,
  RebuildRefused,
  rebuildShare,
  type ShareSummary,
  spellPartitions,
} from "../rebuild";
import { openRebuildGate } from "../rebuild-gate";
import { openCommandContext, wholeNumberFromEnv } from "./context";

const args = parseRebuildArgs(process.argv.slice(2));
if ("error" in args) {
  process.stderr.write(`${args.error}\n${REBUILD_USAGE}\n`);
  process.exit(2);
}
const context = await openCommandContext("motcua-rebuild");
const n = (value: number) => Math.round(value).toLocaleString("en-US");
const tty = process.stdout.isTTY;
const pageSize = wholeNumberFromEnv("REBUILD_PAGE_SIZE", 20_000, 100, 100_000);
const partitions = context.config.projectionPartitions;

const progressLine = (label: string) => (p: RebuildProgress) => {
  const percent = p.head > 0 ? ((100 * p.position) / p.head).toFixed(1) : "100.0";
  const eta = p.etaSeconds === null ? "…" : `${Math.ceil(p.etaSeconds)} s`;
  const line = `${label}: ${n(p.position)} / ${n(p.head)} (${percent} %)  ${n(p.eventsPerSecond)} events/s  ETA ${eta}`;
  process.stdout.write(tty ? `\r${line.padEnd(100)}` : `${line}\n`);
};

try {
  if (args.mode === "prepare") {
    const plan = await prepareRebuild({
      store: context.store,
      db: context.db,
      partitions,
      activate: args.activate,
      dropOld: args.dropOld,
    });
    const last = plan.partitions - 1;
    const half = Math.floor(plan.partitions / 2);
    process.stdout.write(
      `${[
        `prepared ${plan.schema}: ${plan.partitions} partitions (0-${last}), target position ${n(plan.targetPosition)} (the head now)${plan.activate ? "" : "; it will not be activated (--no-activate)"}${plan.dropOld ? "; the other versions are dropped after the switch (--drop-old)" : ""}`,
        `now run, on as many hosts as you like, ranges that cover 0-${last} without overlapping, e.g. for two:`,
        `  pnpm projections:rebuild --version ${plan.schema} --partitions 0-${Math.max(0, half - 1)}`,
        ...(plan.partitions > 1
          ? [`  pnpm projections:rebuild --version ${plan.schema} --partitions ${half}-${last}`]
          : []),
        "the last range to finish switches queries to it; a stopped process resumes when run again with its range",
      ].join("\n")}\n`,
    );
  } else {
    /**
     * Reactors never run during a rebuild: this process queues for the rebuild lock the scheduler watches
     * for (it pauses, finishes the work in hand and lets go) and keeps it queued or held until it is done.
     * Several rebuild processes keep the scheduler paused until the last of them is done.
     */
    // A version never prepared or a range outside it is refused before the reactors are paused.
    if (args.mode === "share") await checkRebuildShare(context.db, args.schema, args.range);
    process.stdout.write("waiting for the scheduler to pause (rebuild lock)…\n");
    const gate = await openRebuildGate(context.db);
    try {
      if (args.mode === "one") await one(args);
      else await share(args.schema, args.range);
    } finally {
      await gate.release();
    }
  }
} catch (error) {
  if (!(error instanceof RebuildRefused)) throw error;
  process.stderr.write(`${error.message}\n`);
  await context.close();
  process.exit(2);
}
await context.close();

/** One process, every partition: a prepared version filled whole, so an interrupted run resumes with --version. */
async function one(options: { activate: boolean; dropOld: boolean }) {
  const plan = await prepareRebuild({
    store: context.store,
    db: context.db,
    partitions,
    activate: options.activate,
    dropOld: options.dropOld,
  });
  process.stdout.write(
    `filling ${plan.schema} (${plan.partitions} partitions) up to the head; if stopped, resume with: pnpm projections:rebuild --version ${plan.schema}\n`,
  );
  await share(plan.schema, undefined);
}

async function share(schema: string, range: { first: number; last: number } | undefined) {
  const label = range === undefined ? schema : `${schema} partitions ${spellRange(range)}`;
  const summary: ShareSummary = await rebuildShare({
    store: context.store,
    db: context.db,
    schema,
    pageSize,
    ...(range === undefined ? {} : { range }),
    onProgress: progressLine(label),
  });
  if (tty) process.stdout.write("\n");
  const { plan, outcome } = summary;
  const mine = `${plan.schema} partitions ${spellRange(summary.range)}`;
  const target = `position ${n(plan.targetPosition)} (the head when the rebuild was prepared)`;
  const lines =
    outcome.kind === "already-activated"
      ? [
          `${plan.schema} was activated at ${outcome.activatedAt}: nothing to fill (the feeder keeps it up to date)`,
        ]
      : [
          `filled ${mine} from position ${n(summary.from)}: ${n(summary.events)} events in ${summary.seconds.toFixed(1)} s (${n(summary.eventsPerSecond)} events/s), through position ${n(summary.position)}`,
          outcome.kind === "activated"
            ? `every partition reached ${target}: active version ${plan.schema} (was ${outcome.previous ?? "none"}); the feeder follows it${outcome.dropped.length > 0 ? `\ndropped: ${outcome.dropped.join(", ")}` : ""}`
            : outcome.kind === "caught-up-not-activated"
              ? `every partition reached ${target}; not activated (--no-activate); ${(await activeReadModelVersion(context.db)) ?? "no version"} still serves`
              : outcome.kind === "others-filling"
                ? `not active yet: partitions ${spellPartitions(outcome.partitions)} are being filled by other processes; the last of them to finish activates ${plan.schema}`
                : `not active yet: partitions ${spellPartitions(outcome.partitions)} are behind ${target} and nobody is filling them: run projections:rebuild --version ${plan.schema} --partitions <range> for them (a stopped process resumes)`,
        ];
  process.stdout.write(`${lines.join("\n")}\n`);
}

function spellRange(range: { first: number; last: number }) {
  return range.first === range.last ? `${range.first}` : `${range.first}-${range.last}`;
}
