/** `pnpm notifications:dead-letters [--limit N]`: notices whose every attempt failed, oldest first. */

import {
  countDeadLetters,
  formatDeadLetters,
  listDeadLetters,
  parseDeadLetterArgs,
} from "@motcua/notifications";
import { openOutboxContext } from "./context";

const parsed = parseDeadLetterArgs(process.argv.slice(2));
if ("error" in parsed) {
  process.stderr.write(`${parsed.error}\nusage: notifications:dead-letters [--limit N]\n`);
  process.exit(2);
}
const context = await openOutboxContext("motcua-dead-letters");
const [notices, total] = await Promise.all([
  listDeadLetters(context.db, parsed.limit),
  countDeadLetters(context.db),
]);
process.stdout.write(`${formatDeadLetters(notices, total)}\n`);
await context.close();
