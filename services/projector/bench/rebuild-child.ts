/**
 * One process of `bench:projections --rebuild-processes K`: started by `child_process.fork`, it connects,
 * says "ready", fills its range of a prepared version when told "go" (as `projections:rebuild --version
 * … --partitions a-b` does, without the scheduler's lock: the bench has no scheduler), and answers its
 * own CPU and its Postgres backends' CPU (all theirs: they connected for this process).
 */
import { createPostgresEventStore } from "@motcua/event-store";
import type { ReadModelDb } from "@motcua/read-models";
import { cpuSnapshot } from "@motcua/testing/bench";
import { Kysely, PostgresDialect } from "kysely";
import pg from "pg";
import { rebuildShare } from "../src/rebuild";

const env = (name: string): string => {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
};
const databaseUrl = env("DATABASE_URL");
const [first, last] = env("RANGE").split("-").map(Number) as [number, number];
const name = `motcua-bench-rebuild-${first}`;
// One pool, named, for the log and the read models: every backend of this process can be found at the end.
const pool = new pg.Pool({ connectionString: databaseUrl, max: 10, application_name: name });
pool.on("error", () => {});
const store = createPostgresEventStore({
  pool,
  masterKey: env("VAULT_MASTER_KEY"),
  pageSize: 5_000,
  notify: false,
});
const db: ReadModelDb = new Kysely({ dialect: new PostgresDialect({ pool }) });
await store.headPosition();
const send = (message: unknown) => new Promise<void>((resolve) => process.send?.(message, () => resolve()));

process.once("message", async () => {
  const cpuBefore = process.cpuUsage();
  const share = await rebuildShare({
    store,
    db,
    schema: env("SCHEMA"),
    range: { first, last },
    ...(process.env.PAGE_SIZE ? { pageSize: Number(process.env.PAGE_SIZE) } : {}),
  });
  const cpu = process.cpuUsage(cpuBefore);
  const { rows } = await pool.query<{ pid: number }>(
    "SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()",
    [name],
  );
  const backends = cpuSnapshot(rows.map((r) => r.pid));
  const ticks = [...backends.processes.values()].reduce((a, b) => a + b, 0);
  await send({
    events: share.events,
    seconds: share.seconds,
    processMs: (cpu.user + cpu.system) / 1000,
    postgresMs: ticks * 10,
    outcome: share.outcome.kind,
  });
  await store.close();
  await db.destroy();
  process.exit(0);
});
await send("ready");
