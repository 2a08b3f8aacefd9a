import { type Kysely, sql } from "kysely";

/**
 * The key the scheduler watches (services/scheduler/src/coordination.ts): the active scheduler holds it
 * SHARED while it works and lets go when an exclusive request queues behind it; it takes it back only
 * when nobody holds it exclusively and no exclusive request waits.
 */
export const REBUILD_LOCK_KEY = "motcua.read-models.rebuild";

export interface RebuildGate {
  /** Withdraws this process's request (or lets go of the key): the scheduler resumes once no rebuild process is left. */
  release(): Promise<void>;
}

const QUERY_CANCELED = "57014";

/**
 * Keeps reactors off while this process rebuilds, alongside any number of other rebuild processes.
 * Every rebuild process queues an exclusive request for the key on a session of its own and keeps it
 * queued (or held, when its turn comes) until it is done. Only one request can be granted at a time,
 * but work need not wait for this process's own turn: it starts as soon as the key is held exclusively
 * by anyone — the scheduler has then finished its work in hand and let go. From then on the scheduler
 * cannot take it back while one rebuild request is held or waiting (a new lock request yields to
 * waiting ones), so it stays paused until the last rebuild process has let go. Closing the session
 * (a crash) withdraws the request too.
 */
export async function openRebuildGate(
  // biome-ignore lint/suspicious/noExplicitAny: works on any Kysely over the deployment's database
  db: Kysely<any>,
  options: { pollMs?: number } = {},
): Promise<RebuildGate> {
  const pollMs = options.pollMs ?? 100;
  let pid = 0;
  let sessionReady: () => void = () => {};
  const ready = new Promise<void>((resolve) => {
    sessionReady = resolve;
  });
  let letGo: () => void = () => {};
  const done = new Promise<void>((resolve) => {
    letGo = resolve;
  });
  let failed: unknown = null;
  const session = db
    .connection()
    .execute(async (conn) => {
      const { rows } = await sql<{ pid: number }>`select pg_backend_pid() as pid`.execute(conn);
      pid = rows[0]?.pid ?? 0;
      sessionReady();
      try {
        await sql`select pg_advisory_lock(hashtext(${REBUILD_LOCK_KEY}))`.execute(conn);
      } catch (error) {
        // Withdrawn while still queued (see release): nothing is held.
        if ((error as { code?: string }).code === QUERY_CANCELED) return;
        throw error;
      }
      await done;
      const unlock = () => sql`select pg_advisory_unlock(hashtext(${REBUILD_LOCK_KEY}))`.execute(conn);
      // A cancel meant for the wait may land on the unlock if the key was granted just then: unlock again.
      await unlock().catch((error: unknown) => {
        if ((error as { code?: string }).code === QUERY_CANCELED) return unlock();
        throw error;
      });
    })
    .catch((error: unknown) => {
      failed = error;
      sessionReady();
    });
  await ready;
  if (failed !== null) throw failed;
  // Wait until some rebuild process (this one or another) holds the key: the scheduler has let go.
  for (;;) {
    const { rows } = await sql<{ held: boolean }>`
      select exists (
        select 1 from pg_locks
        where locktype = 'advisory' and granted and mode = 'ExclusiveLock' and objsubid = 1
          and database = (select oid from pg_database where datname = current_database())
          and ((classid::bigint << 32) | objid::bigint) = hashtext(${REBUILD_LOCK_KEY})::bigint
      ) as held`.execute(db);
    if (rows[0]?.held === true) break;
    if (failed !== null) throw failed;
    await new Promise((resolve) => setTimeout(resolve, pollMs));
  }
  return {
    async release() {
      letGo();
      // Still queued behind another rebuild process: cancel the wait (a granted lock is unlocked above).
      await sql`
        select pg_cancel_backend(pid) from pg_locks
        where pid = ${pid} and locktype = 'advisory' and not granted`.execute(db);
      await session;
      if (failed !== null) throw failed;
    },
  };
}
