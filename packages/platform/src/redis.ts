import { Redis } from "ioredis";
import { parseRedisSentinelUrl } from "./config";
import type { HealthCheck } from "./health";
import type { Logger } from "./logger";

export interface RedisConnectionOptions {
  /** Shown in `CLIENT LIST`, to tell the API, the feeder and the workers apart. */
  readonly connectionName?: string;
  readonly logger?: Logger;
  readonly lazyConnect?: boolean;
  /**
   * For request paths (rate limiting, caches): a command fails after one retry and within a second
   * instead of waiting for Redis to come back. Never for BullMQ workers, which need to wait.
   */
  readonly failFast?: boolean;
}

/**
 * A Redis connection, by default fit for BullMQ: `maxRetriesPerRequest: null` (BullMQ requires it for blocking
 * commands) and no ioredis `keyPrefix` (BullMQ refuses it; queues take `prefix` instead).
 *
 * `url` is a `redis://` address or, behind Sentinel, a `redis+sentinel://` one (config's
 * `redisSentinelUrl`): the connection then asks the sentinels for the master, follows a failover by
 * itself (a killed master closes the socket; a demoted one has its clients killed by Sentinel, and a write
 * it refuses with READONLY reconnects and resends) and never stops asking the sentinels (ioredis's default gives up
 * after a few rounds, which leaves BullMQ's workers detached for good: bullmq#3088, #4378). BullMQ's
 * blocking connections are `duplicate()`s of this one and inherit all of it. ioredis's `failoverDetector`
 * is left off: its disconnect on `+switch-master` can land while the client is resolving the master and
 * leave it ended for good (the mechanism of bullmq#4378).
 */
export function createRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  const common = {
    maxRetriesPerRequest: options.failFast ? 1 : null,
    ...(options.failFast ? { commandTimeout: 1_000 } : {}),
    enableReadyCheck: true,
    lazyConnect: options.lazyConnect ?? false,
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
  } as const;
  const sentinel = parseRedisSentinelUrl(url);
  const redis =
    sentinel === undefined
      ? new Redis(url, common)
      : new Redis({
          ...common,
          sentinels: sentinel.sentinels.map((s) => ({ host: s.host, port: s.port })),
          name: sentinel.name,
          role: "master",
          ...(sentinel.password === undefined ? {} : { password: sentinel.password }),
          ...(sentinel.db === undefined ? {} : { db: sentinel.db }),
          sentinelRetryStrategy: sentinelRetryDelayMs,
          reconnectOnError: reconnectOnReadOnly,
        });
  // Without a listener ioredis prints every reconnect failure; log it once per kind instead.
  let lastMessage = "";
  redis.on("error", (error: Error) => {
    if (error.message === lastMessage) return;
    lastMessage = error.message;
    options.logger?.warn({ err: { name: error.name, message: error.message } }, "Redis connection error");
  });
  redis.on("ready", () => {
    lastMessage = "";
  });
  return redis;
}

export function redisHealthCheck(redis: Redis, name = "redis"): HealthCheck {
  return {
    name,
    async check() {
      // With maxRetriesPerRequest: null a command waits forever while Redis is down; /health bounds it.
      if (redis.status !== "ready") throw new Error(`Redis connection is ${redis.status}`);
      await redis.ping();
    },
  };
}

/** A round of sentinels that all failed is tried again after this long: never `null` (ioredis would give up). */
export const sentinelRetryDelayMs = (attempt: number): number =>
  Math.min(100 * 2 ** Math.min(attempt, 5), 2_000);

/**
 * A master that Sentinel demoted answers writes with READONLY: reconnect (asking the sentinels for the
 * new master) and resend the command (2) rather than fail it.
 */
export const reconnectOnReadOnly = (error: Error): 2 | false =>
  error.message.startsWith("READONLY") ? 2 : false;
