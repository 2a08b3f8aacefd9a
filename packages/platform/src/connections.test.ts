import { createTestRedis, testAdminDatabaseUrl } from "@motcua/testing";
import { afterAll, describe, expect, it } from "vitest";
import { createPostgresPool, postgresHealthCheck } from "./postgres";
import { createRedis, redisHealthCheck } from "./redis";

describe("Postgres and Redis connections", () => {
  const pool = createPostgresPool(testAdminDatabaseUrl(), {
    max: 2,
    applicationName: "motcua-platform-test",
  });
  const unreachablePool = createPostgresPool("postgres://postgres@127.0.0.1:1/postgres", { max: 1 });

  afterAll(async () => {
    await Promise.all([pool.end(), unreachablePool.end()]);
  });

  it("a pool's health check passes while Postgres answers and fails when it does not", async () => {
    await expect(postgresHealthCheck(pool).check()).resolves.toBeUndefined();
    await expect(postgresHealthCheck(unreachablePool).check()).rejects.toThrow();
  });

  it("a Redis connection is fit for BullMQ and its health check follows the connection", async () => {
    const testRedis = await createTestRedis("platform");
    const redis = createRedis(testRedis.url, { connectionName: "motcua-platform-test" });
    try {
      expect(redis.options.maxRetriesPerRequest).toBeNull();
      await redis.set(`${testRedis.prefix}:k`, "v");
      expect(await redis.get(`${testRedis.prefix}:k`)).toBe("v");
      await expect(redisHealthCheck(redis).check()).resolves.toBeUndefined();
      redis.disconnect();
      await expect(redisHealthCheck(redis).check()).rejects.toThrow();
    } finally {
      redis.disconnect();
      await testRedis.cleanup();
    }
  });
});
