import { createRedis } from "@motcua/platform";
import { createTestRedis, type TestRedis } from "@motcua/testing";
import Fastify from "fastify";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { mountBullBoard } from "./bull-board";
import { createProjectionQueue } from "./projector";

let testRedis: TestRedis;
let redis: Redis;

beforeAll(async () => {
  testRedis = await createTestRedis("bullboard");
  redis = createRedis(testRedis.url, { connectionName: "motcua-test-bullboard" });
});
afterAll(async () => {
  redis?.disconnect();
  await testRedis?.cleanup();
});

describe("bull-board", () => {
  it("serves the projection queue's board and its JSON API under the base path, behind the caller's guard", async () => {
    const queue = createProjectionQueue(redis, testRedis.prefix);
    await queue.add("project", {
      schema: "rm_v1",
      partition: 0,
      fromPosition: 0,
      throughPosition: 1,
      events: [],
    });
    const app = Fastify();
    await mountBullBoard(app, {
      queues: [queue],
      basePath: "/admin/queues",
      onRequest: async (request, reply) => {
        if (request.headers.authorization !== "Bearer admin")
          await reply.code(401).send({ error: "admins only" });
      },
    });
    app.get("/elsewhere", async () => ({ ok: true }));
    await app.ready();

    const page = await app.inject({ url: "/admin/queues", headers: { authorization: "Bearer admin" } });
    expect(page.statusCode).toBe(200);
    expect(page.headers["content-type"]).toContain("text/html");
    const api = await app.inject({
      url: "/admin/queues/api/queues",
      headers: { authorization: "Bearer admin" },
    });
    expect(api.statusCode).toBe(200);
    const body = api.json() as { queues: { name: string; counts: Record<string, number> }[] };
    expect(body.queues.map((q) => q.name)).toEqual(["projections"]);
    expect(body.queues[0]?.counts.waiting ?? 0).toBeGreaterThanOrEqual(0);

    expect((await app.inject({ url: "/admin/queues" })).statusCode).toBe(401);
    expect((await app.inject({ url: "/admin/queues/api/queues" })).statusCode).toBe(401);
    // The guard belongs to the board's own context: other routes are untouched.
    expect((await app.inject({ url: "/elsewhere" })).statusCode).toBe(200);
    await app.close();
    await queue.close();
  });
});
