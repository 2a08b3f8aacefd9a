import type { FastifyRateLimitStore, FastifyRateLimitStoreCtor } from "@fastify/rate-limit";
import type { Redis } from "ioredis";

/** What @fastify/rate-limit asks of a store: count a hit on a key in its window. */
type Counted = { current: number; ttl: number };
type Callback = (error: Error | null, result?: Counted) => void;
type RouteOptions = Parameters<FastifyRateLimitStore["child"]>[0];

/** Fixed windows in this process's memory, at most `capacity` keys (the oldest go first). */
export class LocalWindowCounters {
  private readonly windows = new Map<string, { count: number; endsAt: number }>();

  constructor(private readonly capacity = 10_000) {}

  hit(key: string, windowMs: number, now = Date.now()): Counted {
    let window = this.windows.get(key);
    if (window === undefined || window.endsAt <= now) {
      this.windows.delete(key);
      window = { count: 0, endsAt: now + windowMs };
      if (this.windows.size >= this.capacity) {
        const oldest = this.windows.keys().next();
        if (!oldest.done) this.windows.delete(oldest.value);
      }
      this.windows.set(key, window);
    }
    window.count += 1;
    return { current: window.count, ttl: window.endsAt - now };
  }
}

// INCR and its window's expiry in one round trip; the TTL answers Retry-After.
const HIT_SCRIPT = `
local current = redis.call('INCR', KEYS[1])
if current == 1 then redis.call('PEXPIRE', KEYS[1], ARGV[1]) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then redis.call('PEXPIRE', KEYS[1], ARGV[1]); ttl = tonumber(ARGV[1]) end
return {current, ttl}`;

type RedisWithHit = Redis & {
  motcuaRateLimitHit(key: string, windowMs: number): Promise<[number, number]>;
};

/**
 * Counters shared through Redis by every API instance, and kept in this process's memory whenever
 * Redis cannot answer (down, restarting, failing over): the limit then holds per instance instead of
 * not at all. A request does not wait for a Redis that is known to be away (its connection not ready);
 * one whose command fails is counted locally. Back in Redis, counting starts from Redis's counters.
 */
export function redisStoreWithLocalFallback(
  redis: Redis,
  nameSpace: string,
  onFallback?: (error: Error | null) => void,
): FastifyRateLimitStoreCtor {
  const withHit = redis as RedisWithHit;
  if (typeof withHit.motcuaRateLimitHit !== "function") {
    redis.defineCommand("motcuaRateLimitHit", { numberOfKeys: 1, lua: HIT_SCRIPT });
  }
  const local = new LocalWindowCounters();
  let usingLocal = false;
  const fallBack = (error: Error | null) => {
    if (!usingLocal) onFallback?.(error);
    usingLocal = true;
  };

  const hit = (fullKey: string, timeWindow: number, callback: Callback) => {
    if (redis.status !== "ready") {
      fallBack(null);
      callback(null, local.hit(fullKey, timeWindow));
      return;
    }
    withHit.motcuaRateLimitHit(fullKey, timeWindow).then(
      ([current, ttl]) => {
        usingLocal = false;
        callback(null, { current: Number(current), ttl: Number(ttl) });
      },
      (error: Error) => {
        fallBack(error);
        callback(null, local.hit(fullKey, timeWindow));
      },
    );
  };

  // The plugin makes the store with `new Store(settings)`: the settings it passes are not needed here.
  return class RedisWithLocalFallbackStore implements FastifyRateLimitStore {
    prefix = nameSpace;

    incr(key: string, callback: Callback, timeWindow: number): void {
      hit(`${this.prefix}${key}`, timeWindow, callback);
    }

    child(routeOptions: RouteOptions): FastifyRateLimitStore {
      const store = new RedisWithLocalFallbackStore();
      // At run time the plugin passes the route's merged limits, its route under `routeInfo`.
      const route = (routeOptions as { routeInfo?: { method?: string; url?: string } }).routeInfo;
      store.prefix = `${this.prefix}${route?.method ?? ""}${route?.url ?? ""}-`;
      return store;
    }
  };
}
