/**
 * `pnpm projections:rebuild [--drop-old] [--no-activate]`: fills the next read-model version from
 * position 0 while the current one keeps serving, shows progress, and switches when caught up.
 */
import { sql } from "kysely";
import { rebuildReadModels } from "../rebuild";
import { openCommandContext, wholeNumberFromEnv } from "./context";

const args = new Set(process.argv.slice(2));
const unknown = [...args].filter((a) => !["--drop-old", "--no-activate"].includes(a));
if (unknown.length > 0) {
  process.stderr.write(
    `unknown option ${unknown.join(" ")}; usage: projections:rebuild [--drop-old] [--no-activate]\n`,
  );
  process.exit(2);
}
const context = await openCommandContext("motcua-rebuild");
const n = (value: number) => Math.round(value).toLocaleString("en-US");
const tty = process.stdout.isTTY;
/**
 * Reactors never run during a rebuild: this session holds the rebuild lock the scheduler watches for
 * (it pauses, finishes the work in hand and lets go) until the new version is active.
 */
const REBUILD_LOCK_KEY = "motcua.read-models.rebuild";
const summary = await context.db.connection().execute(async (session) => {
  process.stdout.write("waiting for the scheduler to pause (rebuild lock)…\n");
  await sql`select pg_advisory_lock(hashtext(${REBUILD_LOCK_KEY}))`.execute(session);
  try {
    return await rebuild();
  } finally {
    await sql`select pg_advisory_unlock(hashtext(${REBUILD_LOCK_KEY}))`.execute(session);
  }
});

async function rebuild() {
  return rebuildReadModels({
    store: context.store,
    db: context.db,
    partitions: context.config.projectionPartitions,
    pageSize: wholeNumberFromEnv("REBUILD_PAGE_SIZE", 20_000, 100, 100_000),
    activate: !args.has("--no-activate"),
    dropOld: args.has("--drop-old"),
    onProgress: (p) => {
      const percent = p.head > 0 ? ((100 * p.position) / p.head).toFixed(1) : "100.0";
      const eta = p.etaSeconds === null ? "…" : `${Math.ceil(p.etaSeconds)} s`;
      const line = `${p.schema}: ${n(p.position)} / ${n(p.head)} (${percent} %)  ${n(p.eventsPerSecond)} events/s  ETA ${eta}`;
      process.stdout.write(tty ? `\r${line.padEnd(90)}` : `${line}\n`);
    },
  });
}
if (tty) process.stdout.write("\n");
process.stdout.write(
  `${[
    `rebuilt ${summary.schema} from position 0: ${n(summary.events)} events in ${summary.seconds.toFixed(1)} s (${n(summary.eventsPerSecond)} events/s), read position ${n(summary.position)}`,
    summary.activated
      ? `active version: ${summary.schema} (was ${summary.previous ?? "none"}); the feeder follows it`
      : `not activated (--no-activate); ${summary.previous ?? "no version"} still serves`,
    ...(summary.dropped.length > 0 ? [`dropped: ${summary.dropped.join(", ")}`] : []),
  ].join("\n")}\n`,
);
await context.close();
