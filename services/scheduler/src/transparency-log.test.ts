import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createDirectoryPublisher,
  latestSignedHead,
  listSignedHeads,
  publicKeyInfo,
  readTreeState,
  signingKeyFrom,
  verifyTreeHeadSignature,
} from "@motcua/transparency-log";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { createHarness, type Harness } from "./test-support/harness";

const KEY = signingKeyFrom(Buffer.alloc(32, 3).toString("base64"));
const { publicKeyPem } = publicKeyInfo(KEY);

let h: Harness;
let dir: string;
beforeEach(async () => {
  h = await createHarness("tlog_sched", "2025-03-12T10:00:00+07:00");
  dir = await mkdtemp(join(tmpdir(), "motcua-heads-"));
});
afterEach(async () => {
  await h.dispose();
  await rm(dir, { recursive: true, force: true });
});

const logSize = async () => {
  let n = 0;
  for await (const _ of h.store.readAll({ personalData: "omit" })) n += 1;
  return n;
};

describe("the transparency log in the active scheduler", () => {
  it("follows the whole log, signs a head when the log has grown and the interval has passed, once a day at 23:59 even when it has not, and publishes each head", async () => {
    // Both events are in the log before the scheduler starts: its own loop may take the first step, and
    // must find the same log as the test's step would (on a busy machine it once signed after one event).
    await h.receive();
    await h.receive();
    const scheduler = await h.scheduler({
      transparency: { signingKey: KEY, intervalMs: 5_000, publisher: createDirectoryPublisher(dir) },
    });
    await scheduler.whenReady();
    await scheduler.transparencyStep();
    const size = await logSize();
    expect((await readTreeState(h.db)).treeSize).toBe(size);
    const first = await latestSignedHead(h.db);
    expect(first?.checkpoint.treeSize).toBe(size);
    expect(first && verifyTreeHeadSignature(first, publicKeyPem)).toBe(true);
    expect(JSON.parse(await readFile(join(dir, "latest.json"), "utf8"))).toEqual(first);

    // Nothing new, or new events before the interval has passed: no head.
    expect((await scheduler.transparencyStep()).signed).toBeNull();
    await h.receive();
    await scheduler.transparencyStep();
    expect((await readTreeState(h.db)).treeSize).toBe(await logSize());
    expect((await listSignedHeads(h.db, { limit: 10 })).length).toBe(1);

    // The interval has passed and the log has grown: a head over everything.
    h.clock.advance(5_000);
    await scheduler.transparencyStep();
    const heads = await listSignedHeads(h.db, { limit: 10 });
    expect(heads.map((head) => head.checkpoint.treeSize)).toEqual([await logSize(), size]);

    // 23:59 local: a daily head even though nothing happened since.
    h.clock.set("2025-03-12T23:59:00+07:00");
    await scheduler.transparencyStep();
    const daily = await listSignedHeads(h.db, { limit: 10 });
    expect(daily).toHaveLength(3);
    expect(daily[0]?.checkpoint.at).toBe("2025-03-12T16:59:00.000Z");
    expect(daily[0]?.checkpoint.treeSize).toBe(daily[1]?.checkpoint.treeSize);
    expect((await scheduler.transparencyStep()).signed).toBeNull();
    expect(await readdir(join(dir, "heads"))).toHaveLength(3);
    await scheduler.stop();
  });
});
