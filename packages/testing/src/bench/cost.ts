import pg from "pg";
import { cpuSnapshot } from "./cpu";

/**
 * CPU cost of a bench window per party: this process (the one doing the work in most benches: the API
 * child is measured by its pid), other chosen processes, and the Postgres backends serving the bench's
 * database — so a figure can be read as "milliseconds of CPU per operation", which holds from one machine
 * to the next far better than operations per second do.
 */

const TICKS_PER_SECOND = 100;

/**
 * Pids of the Postgres backends connected to the database of `connectionString` (not this query's), and
 * each one's application name.
 */
export async function postgresBackends(
  connectionString: string,
): Promise<{ pid: number; applicationName: string }[]> {
  const client = new pg.Client({ connectionString });
  await client.connect();
  try {
    const { rows } = await client.query<{ pid: number; application_name: string }>(
      "SELECT pid, application_name FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()",
    );
    return rows.map((row) => ({ pid: row.pid, applicationName: row.application_name }));
  } finally {
    await client.end();
  }
}

/** Pids of the Postgres backends connected to the database of `connectionString` (not this query's). */
export async function postgresBackendPids(connectionString: string): Promise<number[]> {
  return (await postgresBackends(connectionString)).map((backend) => backend.pid);
}

export interface CpuCost {
  readonly seconds: number;
  /** CPU milliseconds this process used (user + system). */
  readonly processMs: number;
  /** CPU milliseconds of the Postgres backends of the database (those alive at the end of the window). */
  readonly postgresMs: number;
  /**
   * CPU milliseconds of the backends whose application name is in `postgresApart` (the bench's own
   * connections: its load, its polling), counted here and not in `postgresMs`.
   */
  readonly postgresApartMs: number;
  /** CPU milliseconds of each other named group of pids. */
  readonly others: Readonly<Record<string, number>>;
}

export interface CpuMeter {
  stop(): Promise<CpuCost>;
}

/**
 * Starts measuring. Backends are listed at the start and at the end: one that connected during the window
 * counts with all its CPU, one that disconnected before the end is missed (pools keep theirs open).
 */
export async function startCpuMeter(options: {
  databaseUrl?: string;
  others?: Record<string, readonly number[]>;
  /** Application names of backends that are the bench's own, measured apart from the system's. */
  postgresApart?: readonly string[];
}): Promise<CpuMeter> {
  const apartNames = new Set(options.postgresApart ?? []);
  const apart = new Set<number>();
  const listBackends = async () => {
    if (!options.databaseUrl) return [];
    const backends = await postgresBackends(options.databaseUrl);
    for (const b of backends) if (apartNames.has(b.applicationName)) apart.add(b.pid);
    return backends.map((b) => b.pid);
  };
  const before = await listBackends();
  const otherPids = Object.values(options.others ?? {}).flat();
  const startSnapshot = cpuSnapshot([...before, ...otherPids]);
  const startOwn = process.cpuUsage();
  const started = performance.now();
  return {
    async stop() {
      const own = process.cpuUsage(startOwn);
      const seconds = (performance.now() - started) / 1000;
      const after = await listBackends();
      const backends = [...new Set([...before, ...after])];
      const end = cpuSnapshot([...backends, ...otherPids]);
      const ticks = (pids: readonly number[]) =>
        pids.reduce((sum, pid) => {
          const last = end.processes.get(pid);
          return last === undefined ? sum : sum + last - (startSnapshot.processes.get(pid) ?? 0);
        }, 0);
      const others: Record<string, number> = {};
      for (const [name, pids] of Object.entries(options.others ?? {}))
        others[name] = (ticks(pids) / TICKS_PER_SECOND) * 1000;
      return {
        seconds,
        processMs: (own.user + own.system) / 1000,
        postgresMs: (ticks(backends.filter((pid) => !apart.has(pid))) / TICKS_PER_SECOND) * 1000,
        postgresApartMs: (ticks(backends.filter((pid) => apart.has(pid))) / TICKS_PER_SECOND) * 1000,
        others,
      };
    },
  };
}

/** "0.42 ms" per operation, or "–" when nothing was measured. */
export function perOperation(ms: number, operations: number): number {
  return operations > 0 ? ms / operations : Number.NaN;
}
