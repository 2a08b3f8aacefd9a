import { type Kysely, sql } from "kysely";

/**
 * The advisory-lock key a read-model rebuild holds EXCLUSIVELY for its whole run, taken with the
 * blocking `select pg_advisory_lock(hashtext('motcua.read-models.rebuild'))` on a session of its own
 * (`holdRebuildLock` does this). The active scheduler holds the same key SHARED while it works: a
 * rebuild that asks for it is noticed within a second, the scheduler pauses its workers, lets the work
 * in hand finish and releases the key, and takes it back only when the rebuild has let go of it.
 */
export const REBUILD_LOCK_KEY = "motcua.read-models.rebuild";

/** One active scheduler per deployment: whoever holds this session-level advisory lock; the others stand by. */
export const SCHEDULER_LOCK_KEY = "motcua.scheduler.leader";

/**
 * The scheduler's side of the rebuild lock, on the session that holds the scheduler lock (so both go
 * when the session goes). No per-job query: work checks `open`, and the lead loop polls `rebuildWaiting`.
 */
export class RebuildGate {
  private held = false;
  private closing = false;

  // biome-ignore lint/suspicious/noExplicitAny: raw statements on one connection of the deployment's database
  constructor(private readonly session: Kysely<any>) {}

  /** True while the scheduler holds the key shared and is not letting a rebuild in: work may start. */
  get open(): boolean {
    return this.held && !this.closing;
  }

  /** Takes the key shared unless a rebuild holds it or waits for it. */
  async tryOpen(): Promise<boolean> {
    if (this.held) return this.open;
    const { rows } = await sql<{ locked: boolean }>`
      select pg_try_advisory_lock_shared(hashtext(${REBUILD_LOCK_KEY})) as locked`.execute(this.session);
    this.held = rows[0]?.locked === true;
    return this.open;
  }

  /** A rebuild is waiting for the key (its request queues behind the scheduler's shared hold). */
  async rebuildWaiting(): Promise<boolean> {
    const { rows } = await sql<{ waiting: boolean }>`
      select exists (
        select 1 from pg_locks
        where locktype = 'advisory' and not granted and objsubid = 1
          and database = (select oid from pg_database where datname = current_database())
          and ((classid::bigint << 32) | objid::bigint) = hashtext(${REBUILD_LOCK_KEY})::bigint
      ) as waiting`.execute(this.session);
    return rows[0]?.waiting === true;
  }

  /** Stops new work at once, waits for the work in hand (`drain`), then lets the rebuild take the key. */
  async letRebuildIn(drain: () => Promise<void>): Promise<void> {
    if (!this.held) return;
    this.closing = true;
    try {
      await drain();
      await sql`select pg_advisory_unlock_shared(hashtext(${REBUILD_LOCK_KEY}))`.execute(this.session);
      this.held = false;
    } finally {
      this.closing = false;
    }
  }

  /** The session ended (the lock went with it). */
  lost(): void {
    this.held = false;
  }
}

/**
 * What a rebuild does to keep reactors off: holds the key exclusively on a connection of its own until
 * `release` is called (closing the session releases it too, so a crashed rebuild never blocks anyone).
 * Resolves once the key is held: the active scheduler has paused and finished its work in hand.
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
