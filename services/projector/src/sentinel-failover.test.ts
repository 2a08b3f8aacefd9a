import { createRedis, loadConfig } from "@motcua/platform";
import { type PrivateSentinelGroup, startPrivateSentinelGroup, waitFor } from "@motcua/testing";
import { Queue, Worker } from "bullmq";
import type { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";

/*
 * BullMQ through platform's createRedis behind a real Sentinel group (master, replica, three sentinels):
 * when the master is killed and Sentinel promotes the replica, the same worker — no restart, no new
 * connection made by hand — goes on taking jobs added after the failover (the stuck workers of
 * bullmq#3088 / #4378), and a producer's adds go to the new master.
 */
let group: PrivateSentinelGroup;
const connections: Redis[] = [];

beforeAll(async () => {
  group = await startPrivateSentinelGroup({ name: "motcua-test" });
}, 120_000);

afterAll(async () => {
  for (const c of connections) c.disconnect();
  await group?.destroy();
}, 60_000);

describe("BullMQ behind Sentinel", () => {
  it("a worker carries on after Sentinel promotes the replica", async () => {
    const config = loadConfig({ REDIS_SENTINELS: group.sentinels, REDIS_SENTINEL_NAME: group.name });
    const url = config.redisUrl as string;
    const producer = createRedis(url, { connectionName: "test-producer" });
    const consumer = createRedis(url, { connectionName: "test-worker" });
    connections.push(producer, consumer);
    const queue = new Queue("failover", { connection: producer, prefix: "t" });
    const done = new Set<string>();
    const worker = new Worker(
      "failover",
      async (job) => {
        done.add(job.data.n as string);
      },
      { connection: consumer, prefix: "t", concurrency: 4 },
    );
    worker.on("error", () => {}); // connection errors while the master is gone; the worker keeps running
    queue.on("error", () => {});
    try {
      await queue.add("before", { n: "before" });
      await waitFor("the job before the failover", () => done.has("before"), 30_000);

      const old = await group.killMaster();
      const promoted = await group.promoted(old);
      expect(promoted).not.toBe(old);

      // Added once the new master answers: the producer reconnects through the sentinels by itself.
      await waitFor(
        "an add accepted by the new master",
        () =>
          queue.add("after", { n: "after" }).then(
            () => true,
            (error: unknown) => {
              process.stdout.write(`add refused: ${String(error)}\n`);
              return false;
            },
          ),
        60_000,
        200,
      );
      await waitFor("the worker takes a job after the failover", () => done.has("after"), 60_000);
      for (let i = 0; i < 20; i++) await queue.add("more", { n: `more-${i}` });
      await waitFor("every later job", () => done.size >= 22, 60_000);
      expect(worker.isRunning()).toBe(true);

      // The old master back (empty), a replica now: nothing changes for the clients.
      await group.restartAsReplica(old);
      await queue.add("last", { n: "last" });
      await waitFor("a job after the old master returns", () => done.has("last"), 30_000);
      expect(await group.masterPort()).toBe(promoted);
    } finally {
      await worker.close();
      await queue.close();
    }
  }, 240_000);
});
