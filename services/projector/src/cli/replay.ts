/** `pnpm projections:replay <job-id>… | --all`: re-queues dead-lettered jobs after a fix. */
import { openDeadLetters } from "../dead-letters";
import { replayDeadLetters } from "../replay";
import { openCommandContext } from "./context";

const args = process.argv.slice(2);
if (args.length === 0) {
  process.stderr.write(
    "usage: projections:replay <job-id>… | --all   (pnpm projections:status lists them)\n",
  );
  process.exit(2);
}
const context = await openCommandContext("motcua-replay", { poolSize: 4 });
const target = args.includes("--all") ? "all" : args;
if (target !== "all") {
  const open = new Set((await openDeadLetters(context.db)).map((d) => d.jobId));
  const missing = target.filter((id) => !open.has(id));
  if (missing.length > 0) process.stderr.write(`no open dead letter for: ${missing.join(", ")}\n`);
}
const { replayed } = await replayDeadLetters(
  { store: context.store, db: context.db, queue: context.queue },
  target,
);
for (const letter of replayed) {
  process.stdout.write(`re-queued ${letter.jobId} (${letter.schema}, partition ${letter.partition})\n`);
}
process.stdout.write(
  `${replayed.length} dead letter(s) replayed; the feeder resends what the partitions held back\n`,
);
await context.close();
