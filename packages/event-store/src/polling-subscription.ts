import { EventStoreUnavailableError } from "./errors";
import type { EventFilter, EventHandler, RecordedEvent, SubscribeOptions, Subscription } from "./types";

/** Marks an error thrown by the subscriber's handler: it ends the subscription, never retried here. */
class HandlerFailure {
  constructor(readonly cause: unknown) {}
}

/** What a pull-based subscription needs from an adapter. */
export interface PollingSource {
  /** The highest position that can be read without skipping a later commit. */
  head(): Promise<number>;
  /**
   * Optional cheap upper bound of the positions handed out so far (taken, maybe not yet committed). When
   * a poll finds nothing above the cursor, the subscription skips asking for the head.
   */
  lastTakenPosition?(): Promise<number>;
  /** Events with `after < position <= upTo` matching the filter, ascending, at most `limit`. */
  page(after: number, upTo: number, limit: number, filter: EventFilter | undefined): Promise<RecordedEvent[]>;
  /** Calls `wake` when new events may exist; returns the unsubscribe function. */
  onWake(wake: () => void): () => void;
}

export interface PollingSettings {
  pageSize: number;
  /** Fallback when a wake-up is missed (e.g. the LISTEN connection dropped). */
  pollIntervalMs: number;
  /** How long the store may stay unavailable before the subscription gives up. */
  maxUnavailableMs: number;
}

/**
 * Catch-up, then live: read everything after the cursor up to the head, page by page, in position order;
 * then sleep until woken (or the poll interval passes) and repeat. Because the head never passes an
 * in-flight append, nothing is skipped; because the cursor only moves forward, nothing is delivered twice.
 */
export function startPollingSubscription(
  source: PollingSource,
  options: SubscribeOptions,
  handler: EventHandler,
  settings: PollingSettings,
): Subscription {
  let stopped = false;
  let dirty = false;
  let position = options.fromPosition ?? 0;
  let wakeSleeper: (() => void) | null = null;
  const wake = () => {
    dirty = true;
    wakeSleeper?.();
  };
  const unsubscribe = source.onWake(wake);

  let resolveCaughtUp!: () => void;
  let rejectCaughtUp!: (error: unknown) => void;
  const caughtUp = new Promise<void>((resolve, reject) => {
    resolveCaughtUp = resolve;
    rejectCaughtUp = reject;
  });
  caughtUp.catch(() => {});

  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const timer = setTimeout(done, ms);
      function done() {
        clearTimeout(timer);
        wakeSleeper = null;
        resolve();
      }
      wakeSleeper = done;
    });

  const run = async () => {
    let cursor = position;
    let unavailableSince: number | null = null;
    let woken = true;
    while (!stopped) {
      try {
        const wasWoken = woken || dirty;
        dirty = false;
        woken = false;
        if (!wasWoken && source.lastTakenPosition && (await source.lastTakenPosition()) <= cursor) {
          await sleep(settings.pollIntervalMs);
          continue;
        }
        const head = await source.head();
        while (cursor < head && !stopped) {
          const events = await source.page(cursor, head, settings.pageSize, options.filter);
          for (const event of events) {
            if (stopped) return;
            try {
              await handler(event);
            } catch (error) {
              throw new HandlerFailure(error);
            }
            position = event.position;
            cursor = event.position;
          }
          if (events.length < settings.pageSize && !stopped) cursor = head;
        }
        unavailableSince = null;
        resolveCaughtUp();
        if (!dirty && !stopped) await sleep(settings.pollIntervalMs);
      } catch (error) {
        if (error instanceof HandlerFailure) throw error.cause;
        if (!(error instanceof EventStoreUnavailableError)) throw error;
        unavailableSince ??= Date.now();
        if (Date.now() - unavailableSince > settings.maxUnavailableMs) throw error;
        if (!stopped) await sleep(Math.min(1_000, settings.pollIntervalMs));
      }
    }
  };

  const done = run().finally(unsubscribe);
  done.then(resolveCaughtUp, rejectCaughtUp);
  done.catch(() => {});

  return {
    get position() {
      return position;
    },
    done,
    caughtUp,
    async stop() {
      stopped = true;
      wakeSleeper?.();
      await done.catch(() => {});
    },
  };
}
