/** `pnpm projections:status`: active version, per-partition checkpoints and lag, queue counts, dead letters. */
import { formatProjectionStatus, projectionStatus } from "../status";
import { openCommandContext } from "./context";

const context = await openCommandContext("motcua-status", { poolSize: 4 });
const status = await projectionStatus({ store: context.store, db: context.db, queue: context.queue });
process.stdout.write(`${formatProjectionStatus(status)}\n`);
await context.close();
