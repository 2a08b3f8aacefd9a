/**
 * The baseline for `pnpm bench:commands`: bare Fastify (same version as the API, no plugins, no logger)
 * serving `GET /ping` → `{ ok: true }` in a process of its own. Listens on 127.0.0.1 on a free port,
 * prints `{"port":N}` on stdout, stops on SIGINT/SIGTERM or when its parent goes away (stdin closes).
 */
import Fastify from "fastify";

const app = Fastify({ logger: false });
app.get("/ping", async () => ({ ok: true }));
await app.listen({ host: "127.0.0.1", port: 0 });
const address = app.server.address();
if (address === null || typeof address === "string") throw new Error("ping-child: no TCP address");
process.stdout.write(`${JSON.stringify({ port: address.port })}\n`);

let closing = false;
async function close(): Promise<void> {
  if (closing) return;
  closing = true;
  setTimeout(() => process.exit(0), 2_000).unref();
  await app.close();
  process.exit(0);
}
process.once("SIGINT", () => void close());
process.once("SIGTERM", () => void close());
process.stdin.on("end", () => void close());
process.stdin.on("error", () => void close());
process.stdin.resume();
