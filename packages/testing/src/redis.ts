import { randomBytes } from "node:crypto";
import { Redis } from "ioredis";

export const testRedisUrl = (): string => process.env.TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

export interface TestRedis {
  readonly url: string;
  /** A key prefix no other test or user shares; every key a test writes must start with it. */
  readonly prefix: string;
  /** Deletes every key under the prefix. */
  cleanup(): Promise<void>;
}

export async function createTestRedis(label = "t"): Promise<TestRedis> {
  const url = testRedisUrl();
  const prefix = `motcua-test-${label}-${process.pid}-${randomBytes(4).toString("hex")}`;
  return {
    url,
    prefix,
    async cleanup() {
      const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
      await redis.connect();
      try {
        let cursor = "0";
        do {
          const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
          cursor = next;
          if (keys.length > 0) await redis.del(...keys);
        } while (cursor !== "0");
      } finally {
        redis.disconnect();
      }
    },
  };
}
