import { describe, expect, it } from "vitest";
import { buildTestApp, capturedLogger } from "../test-app";
import type { HealthCheck } from "./health";

const answering = (name: string): HealthCheck => ({ name, check: async () => {} });
const failing = (name: string, message: string): HealthCheck => ({
  name,
  check: async () => {
    throw new Error(message);
  },
});
const hanging = (name: string): HealthCheck => ({ name, check: () => new Promise<void>(() => {}) });

describe("GET /health", () => {
  it("answers 200 with every check when all dependencies answer", async () => {
    const app = await buildTestApp({
      healthChecks: [answering("event-store"), answering("postgres"), answering("redis")],
    });
    try {
      const response = await app.inject({ url: "/health" });
      expect(response.statusCode).toBe(200);
      expect(response.json()).toEqual({
        status: "ok",
        checks: { api: "ok", "event-store": "ok", postgres: "ok", redis: "ok" },
      });
    } finally {
      await app.close();
    }
  });

  it("answers 503 problem naming the failing dependencies, and logs why without showing it", async () => {
    const logs = capturedLogger();
    const app = await buildTestApp({
      logger: logs.logger,
      healthChecks: [
        answering("event-store"),
        failing("postgres", "password authentication failed for user x"),
        hanging("redis"),
      ],
      healthTimeoutMs: 100,
    });
    try {
      const response = await app.inject({ url: "/health" });
      expect(response.statusCode).toBe(503);
      expect(response.headers["content-type"]).toMatch(/^application\/problem\+json/);
      expect(response.headers["retry-after"]).toBe("5");
      expect(response.json()).toMatchObject({
        status: 503,
        code: "health.dependency_down",
        detail: "Not answering: postgres, redis",
        failing: ["postgres", "redis"],
        checks: { api: "ok", "event-store": "ok", postgres: "down", redis: "down" },
      });
      expect(response.body).not.toContain("password");
      const reasons = logs.lines().filter((line) => line.msg === "health check failed");
      expect(reasons).toEqual(
        expect.arrayContaining([
          expect.objectContaining({ check: "postgres", reason: expect.stringContaining("password") }),
          expect.objectContaining({ check: "redis", reason: "timeout" }),
        ]),
      );
    } finally {
      await app.close();
    }
  });

  it("is not rate limited, so monitoring never sees a 429", async () => {
    const app = await buildTestApp({ env: { RATE_LIMIT_MAX: "2" } });
    try {
      const statuses = [];
      for (let i = 0; i < 5; i++) statuses.push((await app.inject({ url: "/health" })).statusCode);
      expect(statuses).toEqual([200, 200, 200, 200, 200]);
    } finally {
      await app.close();
    }
  });
});
