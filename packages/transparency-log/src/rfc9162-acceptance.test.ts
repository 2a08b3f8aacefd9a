import { createHash, generateKeyPairSync } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { rootFromInclusionProof, verifyConsistencyProof } from "./merkle";
import {
  appendLeaves,
  catchUpTree,
  consistencyProof,
  inclusionProof,
  leafIndexesOf,
  readTreeState,
  rootHashAt,
  TreeMovedError,
} from "./postgres-tree";
import { openTestLog, type TestLog } from "./test-log";
import { createTransparencyReactor } from "./tree-heads";

// ── An independent verifier, written from the text of RFC 9162 §2.1 (it shares no code with the tree). ──

const sha256 = (...parts: Buffer[]) => {
  const h = createHash("sha256");
  for (const part of parts) h.update(part);
  return h.digest();
};
const HASH_LEAF = (d: Buffer) => sha256(Buffer.from([0]), d);
const HASH_CHILDREN = (l: Buffer, r: Buffer) => sha256(Buffer.from([1]), l, r);

/** §2.1.1: MTH(D_n), straight from the definition. */
function MTH(d: Buffer[]): Buffer {
  const n = d.length;
  if (n === 0) return sha256();
  if (n === 1) return HASH_LEAF(d[0] as Buffer);
  let k = 1;
  while (k * 2 < n) k *= 2;
  return HASH_CHILDREN(MTH(d.slice(0, k)), MTH(d.slice(k)));
}

/** §2.1.3.2: verifying an inclusion proof. */
function verifyInclusion(
  leafIndex: number,
  treeSize: number,
  entry: Buffer,
  path: Buffer[],
  root: Buffer,
): boolean {
  if (leafIndex >= treeSize) return false;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = HASH_LEAF(entry);
  for (const p of path) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      r = HASH_CHILDREN(p, r);
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      r = HASH_CHILDREN(r, p);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && r.equals(root);
}

/** §2.1.4.2: verifying a consistency proof. */
function verifyConsistency(
  first: number,
  second: number,
  firstHash: Buffer,
  secondHash: Buffer,
  proof: Buffer[],
): boolean {
  if (first === second) return proof.length === 0 && firstHash.equals(secondHash);
  let consistency = [...proof];
  if (Number.isInteger(Math.log2(first))) consistency = [firstHash, ...consistency];
  if (consistency.length === 0) return false;
  let fn = first - 1;
  let sn = second - 1;
  while (fn % 2 === 1) {
    fn >>= 1;
    sn >>= 1;
  }
  let fr = consistency[0] as Buffer;
  let sr = consistency[0] as Buffer;
  for (const c of consistency.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = HASH_CHILDREN(c, fr);
      sr = HASH_CHILDREN(c, sr);
      while (fn % 2 === 0 && fn !== 0) {
        fn >>= 1;
        sn >>= 1;
      }
    } else {
      sr = HASH_CHILDREN(sr, c);
    }
    fn >>= 1;
    sn >>= 1;
  }
  return sn === 0 && fr.equals(firstHash) && sr.equals(secondHash);
}

// ── A seeded generator, so a failure reproduces. ──
function seeded(seed: number) {
  let s = seed >>> 0;
  return (below: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % below;
  };
}

const SIZES = [1, 2, 3, 4, 5, 7, 8, 9, 15, 16, 17, 31, 32, 33, 63, 64, 65, 127, 128, 129, 255, 256, 257];
const LARGE = [511, 512, 513, 1023, 1024, 1025, 2047, 2048, 2049];

describe("The transparency log's tree, checked by an independent RFC 9162 verifier against real Postgres", () => {
  let t: TestLog;
  const random = seeded(9162);
  /** Each event of the log in position order: its stream and its 32-byte hash (the leaf's entry). */
  const log: { streamId: string; position: number; hash: Buffer }[] = [];
  /** MTH per size reached, as the verifier computes it from the entries. */
  const roots = new Map<number, Buffer>();

  beforeAll(async () => {
    t = await openTestLog("tlog_rfc9162");
  });
  afterAll(async () => t?.dispose());

  let growths = 0;
  const growTo = async (size: number) => {
    while (log.length < size) {
      const count = Math.min(1 + random(6), size - log.length);
      const streamId = await t.appendDossier(count);
      for await (const event of t.store.readStream(streamId)) {
        log.push({ streamId, position: event.position, hash: Buffer.from(event.hash, "hex") });
      }
    }
    // Small batches, so leaves from several appends meet in one subtree; every other growth reads the
    // log through readAll alone, as on a store without readHashes (EventStoreDB).
    growths += 1;
    const source =
      growths % 2 === 0
        ? t.store
        : { readAll: t.store.readAll.bind(t.store), headPosition: t.store.headPosition.bind(t.store) };
    await catchUpTree(t.db, source, { maxCount: 1 + random(97) });
    roots.set(size, MTH(log.map((e) => e.hash)));
  };

  const checkSize = async (size: number) => {
    expect(await readTreeState(t.db)).toEqual({ treeSize: size, position: log[size - 1]?.position });
    const root = roots.get(size) as Buffer;
    expect((await rootHashAt(t.db, size)).toString("hex")).toBe(root.toString("hex"));

    // Every event of a few random dossiers proves its inclusion.
    const streams = new Set<string>();
    for (let i = 0; i < 3; i += 1) streams.add((log[random(size)] as { streamId: string }).streamId);
    for (const streamId of streams) {
      const events = log.filter((e) => e.streamId === streamId);
      const indexes = await leafIndexesOf(
        t.db,
        events.map((e) => e.position),
      );
      for (const event of events) {
        const leafIndex = indexes.get(event.position) as number;
        expect(log[leafIndex]?.position).toBe(event.position);
        const path = await inclusionProof(t.db, leafIndex, size);
        expect(verifyInclusion(leafIndex, size, event.hash, path, root)).toBe(true);
        // The package's own verifier (what audit:verify runs) agrees.
        const leaf = createHash("sha256")
          .update(Buffer.from([0]))
          .update(event.hash)
          .digest();
        expect(rootFromInclusionProof(leafIndex, size, leaf, path)?.equals(root)).toBe(true);
        // …and the same proof does not prove another entry, nor the same entry at another index.
        expect(verifyInclusion(leafIndex, size, Buffer.alloc(32, 7), path, root)).toBe(false);
        if (size > 1) {
          expect(verifyInclusion((leafIndex + 1) % size, size, event.hash, path, root)).toBe(false);
        }
      }
    }

    // Consistency between random pairs of sizes reached so far, and with this size.
    const reached = [...roots.keys()];
    for (let i = 0; i < 4; i += 1) {
      const a = reached[random(reached.length)] as number;
      const b = i === 0 ? size : (reached[random(reached.length)] as number);
      const [first, second] = a <= b ? [a, b] : [b, a];
      const proof = await consistencyProof(t.db, first, second);
      const firstRoot = roots.get(first) as Buffer;
      const secondRoot = roots.get(second) as Buffer;
      expect(verifyConsistency(first, second, firstRoot, secondRoot, proof)).toBe(true);
      expect(verifyConsistencyProof(first, second, firstRoot, secondRoot, proof)).toBe(true);
      if (first < second) {
        // A different old root is not consistent with the new one.
        expect(verifyConsistency(first, second, sha256(firstRoot), secondRoot, proof)).toBe(false);
      }
    }
  };

  it("proves inclusion and consistency at sizes 1, 2, 3, 2^k and 2^k±1 up to 257", async () => {
    for (const size of SIZES) {
      await growTo(size);
      await checkSize(size);
    }
  }, 120_000);

  it("proves inclusion and consistency at 2^k and 2^k±1 up to 2,049 events", async () => {
    for (const size of LARGE) {
      await growTo(size);
      await checkSize(size);
    }
    // Every complete subtree of level 4 and above is stored exactly once (floor(n / 2^level) of each
    // level); the levels between are folded from the leaves on read.
    const [counts] = await t.sql<{ leaves: number; inner: number; low: number }>(
      `select (select count(*)::int from transparency.leaves) as leaves,
        (select count(distinct (level, idx))::int from transparency.subtrees) as inner,
        (select count(*)::int from transparency.subtrees where level < 4) as low`,
    );
    const n = log.length;
    let inner = 0;
    for (let level = 4; 2 ** level <= n; level++) inner += Math.floor(n / 2 ** level);
    expect(counts).toEqual({ leaves: n, inner, low: 0 });
  }, 180_000);

  it("a reactor whose kept frontier another appender made stale changes nothing, and its next step goes on from the stored tree", async () => {
    const { privateKey } = generateKeyPairSync("ed25519");
    const reactor = () =>
      createTransparencyReactor({
        db: t.db,
        store: t.store,
        signingKey: privateKey,
        intervalMs: 60_000,
        now: () => new Date(),
      });
    const first = reactor();
    const second = reactor();
    await growTo(log.length + 3);
    await first.step();
    await growTo(log.length + 5);
    await second.step();
    const moved = await readTreeState(t.db);
    expect(moved.treeSize).toBe(log.length);
    // New events: the first reactor's frontier is of a smaller tree than the stored one.
    const streamId = await t.appendDossier(2);
    for await (const event of t.store.readStream(streamId)) {
      log.push({ streamId, position: event.position, hash: Buffer.from(event.hash, "hex") });
    }
    await expect(first.step()).rejects.toBeInstanceOf(TreeMovedError);
    expect(await readTreeState(t.db)).toEqual(moved);
    expect((await first.step()).appended).toBe(2);
    expect((await rootHashAt(t.db, log.length)).equals(MTH(log.map((e) => e.hash)))).toBe(true);
    expect(first.idleMs()).toBeGreaterThan(0);
  });

  it("appends nothing when the log has nothing new, and refuses sizes beyond the tree", async () => {
    const before = await readTreeState(t.db);
    expect((await appendLeaves(t.db, t.store)).appended).toBe(0);
    expect(await readTreeState(t.db)).toEqual(before);
    await expect(rootHashAt(t.db, before.treeSize + 1)).rejects.toThrow(RangeError);
    await expect(consistencyProof(t.db, 3, before.treeSize + 1)).rejects.toThrow(RangeError);
  });
});
