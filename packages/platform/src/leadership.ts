import { type Kysely, sql } from "kysely";
import type { StopSignal } from "./stop-signal";

/** What the leader's work is given for as long as this process leads. */
export interface LeaderTerm {
  /**
   * The one connection that holds the lock. Statements that must end with the leadership (a second
   * session-level lock, say) run on it: when the session goes, they go with it.
   */
  // biome-ignore lint/suspicious/noExplicitAny: raw statements on one connection of the deployment's database
  readonly session: Kysely<any>;
  /** True once the session is gone (the heartbeat failed): the work returns, the lock is no longer held. */
  readonly lost: boolean;
}

export interface LeadershipOptions {
  /** The lock is held on one connection of this database's pool (its clients must outlive a lost server: `createPostgresPool`). */
  // biome-ignore lint/suspicious/noExplicitAny: any Kysely over the deployment's database
  readonly db: Kysely<any>;
  /** Stopping it ends the work's term (the work sees `signal.stopped`) and the loop. */
  readonly signal: StopSignal;
  /** A standby tries the lock again this often. */
  readonly standbyRetryMs: number;
  /** How often the leader's session is checked while it leads. Default 5 s. */
  readonly heartbeatMs?: number;
  /** The wait after a first failure (the database away, the session lost); doubles up to 15 s. Default 1 s. */
  readonly firstRetryMs?: number;
  /** Each time the lock is found held by another process. */
  readonly onStandby?: () => void;
  /** Each failed attempt; `wasLeading` when it held the lock (its leadership is then lost). */
  readonly onFailure?: (error: Error, context: { attempt: number; wasLeading: boolean }) => void;
}

class SessionLostError extends Error {
  constructor(cause: unknown) {
    super(`the leader's database session is gone: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = "SessionLostError";
  }
}

const MAX_RETRY_MS = 15_000;

/**
 * One leader per deployment and lock key: whoever holds the session-level advisory lock `lockKey` runs
 * `work`; the others stand by and try again every `standbyRetryMs`. The work runs until it returns
 * (it should when `signal.stopped` or `term.lost`); the lock is then released for a standby. A failure
 * (the database away, the work throwing, the session found gone) waits 1 s, then 2, 4… up to 15 s before
 * the next attempt, so a long outage costs a retry now and then, not a storm. Resolves once stopped.
 */
export async function runWhileLeader(
  lockKey: string,
  work: (term: LeaderTerm) => Promise<void>,
  options: LeadershipOptions,
): Promise<void> {
  const { db, signal } = options;
  const heartbeatMs = options.heartbeatMs ?? 5_000;
  const firstRetryMs = options.firstRetryMs ?? 1_000;
  let failuresInARow = 0;
  let leading = false;
  while (!signal.stopped) {
    const outcome = await db
      .connection()
      .execute(async (session) => {
        const { rows } = await sql<{ locked: boolean }>`
          select pg_try_advisory_lock(hashtext(${lockKey})) as locked`.execute(session);
        if (!rows[0]?.locked) return "standby" as const;
        leading = true;
        failuresInARow = 0;
        let lostBecause: unknown = null;
        const term: LeaderTerm = {
          session,
          get lost() {
            return lostBecause !== null;
          },
        };
        let beating = false;
        const heartbeat = setInterval(() => {
          if (beating || lostBecause !== null) return;
          beating = true;
          sql`select 1`
            .execute(session)
            .catch((error: unknown) => {
              lostBecause = error ?? new Error("heartbeat failed");
            })
            .finally(() => {
              beating = false;
            });
        }, heartbeatMs);
        try {
          await work(term);
        } finally {
          clearInterval(heartbeat);
          await sql`select pg_advisory_unlock(hashtext(${lockKey}))`.execute(session).catch(() => {});
        }
        if (lostBecause !== null) throw new SessionLostError(lostBecause);
        return "led" as const;
      })
      .catch((error: unknown) => {
        const err = error instanceof Error ? error : new Error(String(error));
        options.onFailure?.(err, { attempt: failuresInARow + 1, wasLeading: leading });
        return "failed" as const;
      });
    leading = false;
    if (signal.stopped) break;
    if (outcome === "failed") {
      await signal.nap(Math.min(MAX_RETRY_MS, firstRetryMs * 2 ** Math.min(failuresInARow, 6)));
      failuresInARow += 1;
    } else {
      if (outcome === "standby") options.onStandby?.();
      failuresInARow = 0;
      await signal.nap(options.standbyRetryMs);
    }
  }
}
