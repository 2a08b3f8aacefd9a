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
