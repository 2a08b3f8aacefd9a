import { describe, expect, it } from "vitest";
import { LocalWindowCounters } from "./rate-limit-store";

describe("the in-memory fallback counters", () => {
  it("count hits in a fixed window per key and start over when it ends", () => {
    const counters = new LocalWindowCounters();
    expect(counters.hit("a", 1_000, 0)).toEqual({ current: 1, ttl: 1_000 });
    expect(counters.hit("a", 1_000, 400)).toEqual({ current: 2, ttl: 600 });
    expect(counters.hit("b", 1_000, 400)).toEqual({ current: 1, ttl: 1_000 });
    expect(counters.hit("a", 1_000, 1_000)).toEqual({ current: 1, ttl: 1_000 });
  });

  it("keep at most their capacity of keys, forgetting the oldest first", () => {
    const counters = new LocalWindowCounters(2);
    counters.hit("a", 60_000, 0);
    counters.hit("a", 60_000, 1);
    counters.hit("b", 60_000, 2);
    counters.hit("c", 60_000, 3); // "a" goes
    expect(counters.hit("b", 60_000, 4).current).toBe(2);
    expect(counters.hit("a", 60_000, 5).current).toBe(1);
  });
});
