/**
 * A long-running loop's stop flag and its interruptible sleep: `nap(ms)` resolves after `ms`, or at once
 * when `stop()` is called (or was called before), so a loop that naps between polls stops without waiting
 * out its interval.
 */
export interface StopSignal {
  readonly stopped: boolean;
  nap(ms: number): Promise<void>;
  stop(): void;
}

export function createStopSignal(): StopSignal {
  let stopped = false;
  const sleepers = new Set<() => void>();
  return {
    get stopped() {
      return stopped;
    },
    nap(ms) {
      if (stopped) return Promise.resolve();
      return new Promise<void>((resolve) => {
        const wake = () => {
          clearTimeout(timer);
          sleepers.delete(wake);
          resolve();
        };
        const timer = setTimeout(wake, ms);
        sleepers.add(wake);
      });
    },
    stop() {
      stopped = true;
      for (const wake of [...sleepers]) wake();
    },
  };
}
