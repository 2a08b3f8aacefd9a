/**
 * `pnpm notifications:requeue <id>… | --all`: puts dead-lettered notices back to pending after a fix
 * (the gateway is back, a channel is configured). Only the rows change: the active scheduler's sweep
 * sends them, at the latest one sweep interval (SCHEDULER_SWEEP_INTERVAL, default 1 minute) later.
 */

import { parseRequeueArgs, requeueFailed } from "@motcua/notifications";
import { openOutboxContext } from "./context";

const target = parseRequeueArgs(process.argv.slice(2));
if ("error" in target) {
  process.stderr.write(
    `${target.error}\nusage: notifications:requeue <id>… | --all   (pnpm notifications:dead-letters lists them)\n`,
  );
  process.exit(2);
}
const context = await openOutboxContext("motcua-requeue");
const refs = await requeueFailed(context.db, target.all ? undefined : target.ids);
for (const ref of refs) process.stdout.write(`re-queued ${ref.id} (${ref.kind}, re-queue ${ref.requeues})\n`);
if (!target.all) {
  const done = new Set(refs.map((r) => r.id));
  const missing = target.ids.filter((id) => !done.has(id));
  if (missing.length > 0)
    process.stderr.write(`not a dead letter (unknown, or not failed): ${missing.join(", ")}\n`);
}
process.stdout.write(
  `${refs.length} notice(s) re-queued; the active scheduler's sweep sends them within a sweep interval\n`,
);
await context.close();
