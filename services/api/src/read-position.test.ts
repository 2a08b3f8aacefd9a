import { describe, expect, it } from "vitest";
import type { App } from "./app";
import {
  answerAtPosition,
  minPositionQuery,
  projectionLag,
  type ReadModelAccess,
  waitForPosition,
} from "./read-model-access";
import { buildTestApp } from "./test-app";

describe("read positions", () => {
  it("a read answers its position in the body and in X-Read-Position", async () => {
    const app = await buildTestApp({
      slices: [
        async (slice: App) => {
          slice.get("/sample/read", async (_req, reply) => answerAtPosition(reply, 42, { items: [] }));
        },
      ],
    });
    try {
      const response = await app.inject({ url: "/sample/read" });
      expect(response.headers["x-read-position"]).toBe("42");
      expect(response.json()).toEqual({ items: [], position: 42 });
    } finally {
      await app.close();
    }
  });

  it("waits until the read models reach minPosition", async () => {
    let position = 5;
    setTimeout(() => {
      position = 9;
    }, 60);
    const reached = await waitForPosition({
      minPosition: 8,
      currentPosition: async () => position,
      pollMs: 10,
    });
    expect(reached).toBe(9);
  });

  it("answers at once without minPosition", async () => {
    expect(await waitForPosition({ minPosition: undefined, currentPosition: async () => 3 })).toBe(3);
  });

  it("gives up with 503 and Retry-After when the read models stay behind", async () => {
    const app = await buildTestApp({
      slices: [
        async (slice: App) => {
          slice.get(
            "/sample/fresh",
            { schema: { querystring: minPositionQuery } },
            async (request, reply) => {
              const position = await waitForPosition({
                minPosition: request.query.minPosition,
                currentPosition: async () => 7,
                timeoutMs: 80,
                pollMs: 10,
              });
              return answerAtPosition(reply, position, {});
            },
          );
        },
      ],
    });
    try {
      const behind = await app.inject({ url: "/sample/fresh?minPosition=8" });
      expect(behind.statusCode).toBe(503);
      expect(behind.headers["retry-after"]).toBe("1");
      expect(behind.json()).toMatchObject({ code: "read.position_not_reached", position: 7, minPosition: 8 });
      const reached = await app.inject({ url: "/sample/fresh?minPosition=7" });
      expect(reached.statusCode).toBe(200);
      const invalid = await app.inject({ url: "/sample/fresh?minPosition=-1" });
      expect(invalid.statusCode).toBe(400);
      expect(invalid.json().errors[0].path).toBe("query.minPosition");
    } finally {
      await app.close();
    }
  });

  it("the projection lag fails as one rejection when Postgres is away, leaving nothing unhandled", async () => {
    // As during a Postgres restart: the active version and the log's head both fail. Before, the head's
    // query was left unawaited and its rejection ended the API process (found by pnpm test:cluster).
    const away = { schema: () => Promise.reject(new Error("57P01 terminating connection")) };
    const head = () => Promise.reject(new Error("the event store is unavailable (headPosition)"));
    await expect(projectionLag(away as unknown as ReadModelAccess, head)).rejects.toThrow(/57P01/);
  });
});
