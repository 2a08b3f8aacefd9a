/** Where "now" comes from. Code never reads the system time directly, so tests can move it. */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export interface ManualClock extends Clock {
  /** Moves to an instant (ISO text or Date). */
  set(instant: Date | string): void;
  /** Moves forward by milliseconds (negative moves back). */
  advance(ms: number): void;
}

/** A clock that only moves when told to: for tests and simulations. */
export function manualClock(start: Date | string = "2025-01-02T08:00:00+07:00"): ManualClock {
  let current = new Date(start).getTime();
  if (Number.isNaN(current)) throw new RangeError(`manualClock: not a valid instant: ${String(start)}`);
  return {
    now: () => new Date(current),
    set(instant) {
      const next = new Date(instant).getTime();
      if (Number.isNaN(next))
        throw new RangeError(`manualClock.set: not a valid instant: ${String(instant)}`);
      current = next;
    },
    advance(ms) {
      current += ms;
    },
  };
}
