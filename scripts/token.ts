import { runTokenCommand } from "./token-command";

const result = await runTokenCommand(process.argv.slice(2), process.env);
if (result.ok) {
  process.stdout.write(`${result.token}\n`);
} else {
  process.stderr.write(`pnpm token: ${result.message}\n`);
  process.exitCode = 2;
}
