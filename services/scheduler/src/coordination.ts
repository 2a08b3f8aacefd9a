import { type Kysely, sql, type Transaction } from "kysely";

/**
 * The advisory-lock key (`pg_advisory_lock(hashtext(REBUILD_LOCK_KEY))`) a read-model rebuild holds,
 * exclusively, for its whole run. Reactors take it SHARED for each unit of work (a page of the log, a
 * firing, a sweep, a send), within that unit's transaction: while a rebuild holds it they do nothing and
 * retry later, and a rebuild that starts waits for at most the unit of work in progress.
 */
export const REBUILD_LOCK_KEY = "motcua.read-models.rebuild";

/** One active scheduler per deployment: whoever holds this session-level advisory lock; the others stand by. */
export const SCHEDULER_LOCK_KEY = "motcua.scheduler.leader";

/**
 * Inside a transaction: true when no rebuild is running, and then a rebuild cannot start before the
 * transaction ends. False at once (never waits) while a rebuild holds or waits for the key.
 */
// biome-ignore lint/suspicious/noExplicitAny: works on any transaction over the deployment's database
export async function enterUnlessRebuilding(trx: Transaction<any>): Promise<boolean> {
  const { rows } = await sql<{ entered: boolean }>`
    select pg_try_advisory_xact_lock_shared(hashtext(${REBUILD_LOCK_KEY})) as entered`.execute(trx);
  return rows[0]?.entered === true;
}

/**
 * What a rebuild does to keep reactors off: holds the key exclusively on a connection of its own until
 * `release` is called (closing the session releases it too, so a crashed rebuild never blocks anyone).
 * Waits for reactors' units of work in progress.
 */
// biome-ignore lint/suspicious/noExplicitAny: works on any Kysely over the deployment's database
export function holdRebuildLock(db: Kysely<any>): Promise<{ release(): Promise<void> }> {
  return new Promise((resolveHeld, rejectHeld) => {
    let release: () => void = () => {};
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    const session = db
      .connection()
      .execute(async (conn) => {
        await sql`select pg_advisory_lock(hashtext(${REBUILD_LOCK_KEY}))`.execute(conn);
        resolveHeld({
          async release() {
            release();
            await session;
          },
        });
        await released;
        await sql`select pg_advisory_unlock(hashtext(${REBUILD_LOCK_KEY}))`.execute(conn);
      })
      .catch(rejectHeld);
  });
}
