import { Redis } from "ioredis";
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
 */
export function createRedis(url: string, options: RedisConnectionOptions = {}): Redis {
  const redis = new Redis(url, {
    maxRetriesPerRequest: options.failFast ? 1 : null,
    ...(options.failFast ? { commandTimeout: 1_000 } : {}),
    enableReadyCheck: true,
    lazyConnect: options.lazyConnect ?? false,
    ...(options.connectionName === undefined ? {} : { connectionName: options.connectionName }),
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
