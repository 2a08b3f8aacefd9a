import pg from "pg";

export interface AppendNotifierOptions {
  readonly pool: pg.Pool;
  /** A connection string for the LISTEN session; else the pool's own settings. */
  readonly connectionString?: string | undefined;
  /** The NOTIFY channel (`<schema>_appended`). */
  readonly channel: string;
  /** NOTIFY other processes at all. */
  readonly notify: boolean;
  /** Appends within this interval share one NOTIFY. */
  readonly notifyIntervalMs: number;
}

/**
 * How subscribers hear of appends: those in this process at once, those in other processes through
 * NOTIFY, heard on a LISTEN session of its own that comes back after the database does. NOTIFY costs a
 * transaction (and a WAL flush) of its own, so appends share them: at most one in flight, and at most one
 * per `notifyIntervalMs`; subscribers elsewhere may hear of an append that much later.
 */
export function createAppendNotifier(options: AppendNotifierOptions) {
  const { pool, channel } = options;
  let closed = false;

  const wakers = new Set<() => void>();
  const wakeAll = () => {
    for (const wake of wakers) wake();
  };

  // ---- NOTIFY, batched --------------------------------------------------------------------------------
  let notifyTimer: NodeJS.Timeout | null = null;
  let notifying: Promise<void> | null = null;
  let notifyPending = false;
  let lastNotifyAt = 0;
  const sendNotify = () => {
    notifyTimer = null;
    notifyPending = false;
    lastNotifyAt = Date.now();
    notifying = pool
      .query("SELECT pg_notify($1, '')", [channel])
      .then(
        () => {},
        () => {},
      )
      .finally(() => {
        notifying = null;
        if (notifyPending && !closed) armNotify();
      });
  };
  const armNotify = () => {
    if (notifyTimer || notifying) {
      notifyPending = true;
      return;
    }
    notifyTimer = setTimeout(sendNotify, Math.max(0, lastNotifyAt + options.notifyIntervalMs - Date.now()));
  };

  // ---- LISTEN, on a session of its own -----------------------------------------------------------------
  let listener: pg.Client | null = null;
  let listenerStarting: Promise<void> | null = null;
  let reconnectTimer: NodeJS.Timeout | null = null;
  /** Failed attempts since LISTEN last held: the wait before the next one doubles, up to 10 s. */
  let listenerFailures = 0;
  const startListener = () => {
    if (listener || listenerStarting || closed) return;
    // A dedicated connection (not from the pool): LISTEN lives as long as the session.
    const client = new pg.Client(
      options.connectionString ? { connectionString: options.connectionString } : pool.options,
    );
    const retry = () => {
      if (listener === client) listener = null;
      client.removeAllListeners("notification");
      client.end().catch(() => {});
      if (!closed && wakers.size > 0 && !reconnectTimer) {
        // While the database is away subscribers keep polling; LISTEN comes back when it does.
        const delay = Math.min(10_000, 250 * 2 ** Math.min(listenerFailures, 6));
        listenerFailures += 1;
        reconnectTimer = setTimeout(() => {
          reconnectTimer = null;
          startListener();
        }, delay);
        reconnectTimer.unref();
      }
    };
    client.on("error", retry);
    client.on("notification", wakeAll);
    listenerStarting = (async () => {
      try {
        await client.connect();
        await client.query(`LISTEN "${channel}"`);
        if (closed) {
          await client.end();
          return;
        }
        listener = client;
        listenerFailures = 0;
        wakeAll(); // anything appended while we were not listening
      } catch {
        retry();
      } finally {
        listenerStarting = null;
      }
    })();
  };

  return {
    /** After an append: wakes the subscribers here now, and (batched) those elsewhere. */
    appended() {
      wakeAll();
      if (options.notify && !closed) armNotify();
    },
    /** Calls `wake` on every append, here or elsewhere; answers how to stop. */
    onWake(wake: () => void): () => void {
      wakers.add(wake);
      startListener();
      return () => wakers.delete(wake);
    },
    /** Sends the NOTIFY in flight, drops the one waiting, and ends the LISTEN session. */
    async close() {
      closed = true;
      if (reconnectTimer) clearTimeout(reconnectTimer);
      if (notifyTimer) clearTimeout(notifyTimer);
      await notifying;
      await listenerStarting?.catch(() => {});
      await listener?.end().catch(() => {});
      listener = null;
    },
  };
}

export type AppendNotifier = ReturnType<typeof createAppendNotifier>;
