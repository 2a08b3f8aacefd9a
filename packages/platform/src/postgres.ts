import pg from "pg";
import type { HealthCheck } from "./health";
import type { Logger } from "./logger";

export interface PostgresPoolOptions {
  readonly max?: number;
  readonly applicationName?: string;
  readonly logger?: Logger;
  readonly statementTimeoutMs?: number;
}

/**
 * A Postgres pool. An idle client that loses its connection emits `error` on the pool; without a
 * listener that would crash the process, so it is logged (without connection details) instead.
 * A client that is checked out (a leader's lock session, a LISTEN, a long transaction) emits `error` on
 * itself, where the pool's listener no longer is: every client gets one of its own, so a Postgres restart
 * (57P01) fails that client's queries instead of the process; the pool drops it on release.
 */
export function createPostgresPool(url: string, options: PostgresPoolOptions = {}): pg.Pool {
  const pool = new pg.Pool({
    connectionString: url,
    max: options.max ?? 10,
    application_name: options.applicationName ?? "motcua",
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    ...(options.statementTimeoutMs === undefined ? {} : { statement_timeout: options.statementTimeoutMs }),
  });
  pool.on("error", (error) => {
    options.logger?.warn(
      { err: { name: error.name, message: error.message } },
      "idle Postgres client failed",
    );
  });
  keepClientErrorsFromCrashing(pool);
  return pool;
}

export function postgresHealthCheck(pool: pg.Pool, name = "postgres"): HealthCheck {
  return {
    name,
    async check() {
      await pool.query("SELECT 1");
    },
  };
}

/**
 * Gives every client of the pool an `error` listener for the whole of its life. pg-pool listens only
 * while a client is idle; a checked-out client whose server goes away (restart, failover, terminated
 * backend) would otherwise emit an unhandled `error` and end the process. The client's pending and next
 * queries still fail, which is how its holder learns that the session (and any lock on it) is gone.
 */
export function keepClientErrorsFromCrashing(pool: pg.Pool): void {
  pool.on("connect", (client) => {
    client.on("error", () => {});
  });
}
