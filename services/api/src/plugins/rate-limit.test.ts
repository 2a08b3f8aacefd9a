import { createRedis } from "@motcua/platform";
import { createTestRedis, startPrivateRedis, waitFor } from "@motcua/testing";
import { describe, expect, it } from "vitest";
import type { App } from "../app";
import { buildTestApp } from "../test-app";

const slices = [
  async (slice: App) => {
    slice.get("/sample/reads", async () => ({ ok: true }));
    slice.get("/public/dossiers/:code", async (request) => ({ code: request.params }));
  },
];

const statuses = async (app: App, url: string, times: number) => {
  const seen: number[] = [];
  for (let i = 0; i < times; i++) seen.push((await app.inject({ url })).statusCode);
  return seen;
};

describe("rate limiting", () => {
  it("refuses requests over the global budget with a 429 problem and Retry-After", async () => {
    const app = await buildTestApp({ env: { RATE_LIMIT_MAX: "3", RATE_LIMIT_WINDOW: "1 minute" }, slices });
    try {
      expect(await statuses(app, "/sample/reads", 3)).toEqual([200, 200, 200]);
      const refused = await app.inject({ url: "/sample/reads" });
      expect(refused.statusCode).toBe(429);
      expect(refused.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(refused.json()).toMatchObject({ status: 429, code: "rate_limited", title: "Too Many Requests" });
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);
    } finally {
      await app.close();
    }
  });

  it("gives /public/* a stricter budget of its own", async () => {
    const app = await buildTestApp({ env: { RATE_LIMIT_MAX: "10", RATE_LIMIT_PUBLIC_MAX: "2" }, slices });
    try {
      expect(await statuses(app, "/public/dossiers/HN-1", 3)).toEqual([200, 200, 429]);
      // The officers' budget is untouched by the public lookups.
      expect(await statuses(app, "/sample/reads", 3)).toEqual([200, 200, 200]);
    } finally {
      await app.close();
    }
  });

  it("shares counters through Redis between API instances", async () => {
    const testRedis = await createTestRedis("ratelimit");
    const redis = createRedis(testRedis.url, { failFast: true });
    const env = { RATE_LIMIT_MAX: "4", REDIS_PREFIX: testRedis.prefix };
    const first = await buildTestApp({ env, slices, rateLimitRedis: redis });
    const second = await buildTestApp({ env, slices, rateLimitRedis: redis });
    try {
      expect(await statuses(first, "/sample/reads", 2)).toEqual([200, 200]);
      expect(await statuses(second, "/sample/reads", 3)).toEqual([200, 200, 429]);
      expect(await statuses(first, "/sample/reads", 1)).toEqual([429]);
      const keys = await redis.keys(`${testRedis.prefix}:rate-limit:*`);
      expect(keys.length).toBeGreaterThan(0);
    } finally {
      await Promise.all([first.close(), second.close()]);
      await testRedis.cleanup();
      redis.disconnect();
    }
  });

  it("keeps limiting in this process's memory while Redis is down, and counts in Redis again once it is back", async () => {
    // A Redis of this test's own: the test stops it.
    const server = await startPrivateRedis();
    const redis = createRedis(server.url, { failFast: true });
    // Counting starts in Redis only once the client is connected; on a busy machine the first requests
    // could otherwise come first and be counted in memory, as they should while Redis is away.
    await redis.ping();
    const app = await buildTestApp({
      env: { RATE_LIMIT_MAX: "100", RATE_LIMIT_PUBLIC_MAX: "3", REDIS_PREFIX: "rl" },
      slices,
      rateLimitRedis: redis,
    });
    try {
      expect(await statuses(app, "/public/dossiers/HN-1", 2)).toEqual([200, 200]);
      expect(await redis.keys("rl:rate-limit:*")).toHaveLength(1);

      await server.stop();
      await waitFor("the API's Redis connection is down", () => redis.status !== "ready");
      // Before: every request was served while Redis was away (skipOnError). Now the window starts over
      // in memory and the public budget still holds.
      expect(await statuses(app, "/public/dossiers/HN-1", 5)).toEqual([200, 200, 200, 429, 429]);
      const refused = await app.inject({ url: "/public/dossiers/HN-1" });
      expect(refused.statusCode).toBe(429);
      expect(Number(refused.headers["retry-after"])).toBeGreaterThan(0);

      await server.start();
      await waitFor("the API's Redis connection is back", () => redis.status === "ready", 30_000);
      // Counted in Redis again (it came back empty: no persistence on this test's server).
      expect(await statuses(app, "/public/dossiers/HN-1", 4)).toEqual([200, 200, 200, 429]);
      expect(await redis.keys("rl:rate-limit:*")).toHaveLength(1);
    } finally {
      await app.close();
      redis.disconnect();
      await server.destroy();
    }
  });
});
