import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ActiveVersionCache, ensureActiveReadModelVersion } from "./active-version";
import { readCheckpoints } from "./projection/checkpoints";
import { openTestDatabase, type ReadModelTestDatabase } from "./test-support/database.test-support";
import { activateReadModelVersion, migrateReadModels } from "./versions";

let t: ReadModelTestDatabase;

beforeAll(async () => {
  t = await openTestDatabase("activeversion");
});
afterAll(async () => {
  await t?.close();
});

describe("the active read-model version", () => {
  it("is made on a deployment's first start, once however many processes ask, with its checkpoints", async () => {
    const cache = new ActiveVersionCache(t.db, 60_000);
    expect(await cache.current()).toBeNull();
    const answers = await Promise.all([
      ensureActiveReadModelVersion(t.db, 4),
      ensureActiveReadModelVersion(t.db, 4),
    ]);
    expect(answers).toEqual(["rm_v1", "rm_v1"]);
    expect(await readCheckpoints(t.db, "rm_v1")).toHaveLength(4);
    // A null answer is not remembered: the version is seen as soon as it exists.
    expect(await cache.current()).toBe("rm_v1");
  });

  it("is remembered for its time to live, and a question about another version asks again", async () => {
    const cache = new ActiveVersionCache(t.db, 60_000);
    expect(await cache.current()).toBe("rm_v1");
    await migrateReadModels(t.db, "rm_v2");
    await activateReadModelVersion(t.db, "rm_v2");
    expect(await cache.current()).toBe("rm_v1");
    expect(await cache.isActive("rm_v1")).toBe(true);
    expect(await cache.isActive("rm_v2")).toBe(true);
    expect(await cache.current()).toBe("rm_v2");
    expect(await new ActiveVersionCache(t.db, 0).isActive("rm_v1")).toBe(false);
  });

  it("is not made while versions exist but none is active (a first rebuild will activate its own)", async () => {
    const other = await openTestDatabase("activeversion2");
    try {
      await migrateReadModels(other.db, "rm_v3");
      expect(await ensureActiveReadModelVersion(other.db, 2)).toBeNull();
    } finally {
      await other.close();
    }
  });
});
