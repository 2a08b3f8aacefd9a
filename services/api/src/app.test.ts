import { manualClock } from "@motcua/platform";
import { describe, expect, it } from "vitest";
import type { App } from "./app";
import { buildTestApp } from "./test-app";

describe("buildApp", () => {
  it("sets security headers on every answer", async () => {
    const app = await buildTestApp();
    try {
      const response = await app.inject({ url: "/health" });
      expect(response.headers["x-content-type-options"]).toBe("nosniff");
      expect(response.headers["x-frame-options"]).toBe("SAMEORIGIN");
      expect(response.headers["content-security-policy"]).toContain("default-src 'self'");
      expect(response.headers["x-powered-by"]).toBeUndefined();
    } finally {
      await app.close();
    }
  });

  it("tags every answer with a request id, honouring one the caller sends", async () => {
    const app = await buildTestApp();
    try {
      const generated = await app.inject({ url: "/health" });
      expect(generated.headers["x-request-id"]).toMatch(/^[0-9a-f-]{36}$/);
      const given = await app.inject({ url: "/nowhere", headers: { "x-request-id": "trace-123" } });
      expect(given.headers["x-request-id"]).toBe("trace-123");
      expect(given.json().requestId).toBe("trace-123");
    } finally {
      await app.close();
    }
  });

  it("hands route slices the configuration and the clock", async () => {
    const clock = manualClock("2025-06-01T09:00:00+07:00");
    const app = await buildTestApp({
      clock,
      env: { PROJECTION_PARTITIONS: "4" },
      slices: [
        async (slice: App) => {
          slice.get("/sample/now", async (request) => ({
            now: request.server.clock.now().toISOString(),
            partitions: request.server.config.projectionPartitions,
          }));
        },
      ],
    });
    try {
      expect((await app.inject({ url: "/sample/now" })).json()).toEqual({
        now: "2025-06-01T02:00:00.000Z",
        partitions: 4,
      });
    } finally {
      await app.close();
    }
  });
});
