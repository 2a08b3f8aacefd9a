import type pg from "pg";
import { isUnavailable } from "./pg-errors";

/** Where an append stands when it is held before COMMIT: its positions are taken, not yet visible. */
export interface HeldAppend {
  readonly streamId: string;
  readonly firstPosition: number;
  readonly lastPosition: number;
}

/**
 * What tests may reach into, through `test-store.ts`; never set in production, and not among the store's
 * options. `beforeCommit`: each append runs in an explicit transaction and this is awaited after the
 * events are inserted and before COMMIT, so tests can make transactions commit out of position order.
 */
export interface PostgresEventStoreSeams {
  readonly beforeCommit?: (append: HeldAppend) => Promise<void>;
}

/** The append statement in a transaction of its own, held before COMMIT by `beforeCommit`. */
export async function appendHeldBeforeCommit<R extends { o_status: string; o_positions: string | null }>(
  pool: pg.Pool,
  config: pg.QueryConfig,
  streamId: string,
  beforeCommit: (append: HeldAppend) => Promise<void>,
): Promise<R | undefined> {
  const client = await pool.connect();
  let broken = false;
  // Checked-out clients get no error listener from the pool; a backend dying between our statements
  // would otherwise surface as an uncaught 'error' event. The next query reports it instead.
  const onClientError = () => {
    broken = true;
  };
  client.on("error", onClientError);
  try {
    await client.query("BEGIN");
    const row = (await client.query<R>(config)).rows[0];
    if (row?.o_status === "appended" && row.o_positions) {
      const positions = row.o_positions.split(",").map(Number);
      await beforeCommit({
        streamId,
        firstPosition: positions[0] ?? 0,
        lastPosition: positions.at(-1) ?? 0,
      });
    }
    await client.query("COMMIT");
    return row;
  } catch (error) {
    broken ||= isUnavailable(error);
    await client.query("ROLLBACK").catch(() => {});
    throw error;
  } finally {
    client.off("error", onClientError);
    client.release(broken);
  }
}
