import { createHash } from "node:crypto";

/**
 * The tree math of RFC 9162 §2.1, pure (node:crypto only), so `audit:verify` can use it offline.
 *
 * Every hash an RFC 9162 proof needs is MTH(D[a:b]) for a range whose start is a multiple of the largest
 * power of two not above its length (the recursion only ever splits at such points). Such a range is a
 * run of complete, aligned subtrees — (level, index) covers leaves [index·2^level, (index+1)·2^level) —
 * of strictly decreasing size, so its hash folds O(log n) stored subtree hashes from the right.
 */

export type Hash = Buffer;

export const leafHash = (eventHash: Buffer): Hash =>
  createHash("sha256").update(Buffer.of(0x00)).update(eventHash).digest();

export const nodeHash = (left: Buffer, right: Buffer): Hash =>
  createHash("sha256").update(Buffer.of(0x01)).update(left).update(right).digest();

/** SHA-256 of the empty string: MTH of the empty tree. */
export const EMPTY_TREE_HASH: Hash = createHash("sha256").digest();

/** A complete subtree of 2^level leaves: leaves [index·2^level, (index+1)·2^level). */
export interface Subtree {
  readonly level: number;
  readonly index: number;
}

/** Leaves [start, end). */
export interface LeafRange {
  readonly start: number;
  readonly end: number;
}

/** The largest power of two strictly less than n (n ≥ 2). */
export function splitPoint(n: number): number {
  let k = 1;
  while (k * 2 < n) k *= 2;
  return k;
}

/** The complete aligned subtrees a proof range is made of, left to right, largest first. */
export function subtreesOfRange(range: LeafRange): Subtree[] {
  const out: Subtree[] = [];
  let start = range.start;
  let remaining = range.end - range.start;
  while (remaining > 0) {
    let size = 1;
    let level = 0;
    while (size * 2 <= remaining) {
      size *= 2;
      level += 1;
    }
    if (start % size !== 0) throw new RangeError(`range [${range.start}, ${range.end}) is not aligned`);
    out.push({ level, index: start / size });
    start += size;
    remaining -= size;
  }
  return out;
}

/** MTH of a proof range from the hashes of its subtrees (as `subtreesOfRange` lists them). */
export function foldSubtrees(hashes: readonly Hash[]): Hash {
  if (hashes.length === 0) return EMPTY_TREE_HASH;
  let acc = hashes[hashes.length - 1] as Hash;
  for (let i = hashes.length - 2; i >= 0; i -= 1) acc = nodeHash(hashes[i] as Hash, acc);
  return acc;
}

/** RFC 9162 §2.1.3.1 PATH(m, D[0:n]) as the ranges whose MTH make up the path, leaf first. */
export function inclusionProofRanges(leafIndex: number, treeSize: number): LeafRange[] {
  if (!(leafIndex >= 0 && leafIndex < treeSize)) throw new RangeError("leaf index outside the tree");
  const ranges: LeafRange[] = [];
  const path = (m: number, start: number, n: number) => {
    if (n <= 1) return;
    const k = splitPoint(n);
    if (m < k) {
      path(m, start, k);
      ranges.push({ start: start + k, end: start + n });
    } else {
      path(m - k, start + k, n - k);
      ranges.push({ start, end: start + k });
    }
  };
  path(leafIndex, 0, treeSize);
  return ranges;
}

/** RFC 9162 §2.1.4.1 PROOF(m, D[0:n]) as the ranges whose MTH make up the proof. */
export function consistencyProofRanges(oldSize: number, newSize: number): LeafRange[] {
  if (!(oldSize >= 1 && oldSize <= newSize)) throw new RangeError("need 1 ≤ old size ≤ new size");
  const ranges: LeafRange[] = [];
  const subproof = (m: number, start: number, n: number, complete: boolean) => {
    if (m === n) {
      if (!complete) ranges.push({ start, end: start + n });
      return;
    }
    const k = splitPoint(n);
    if (m <= k) {
      subproof(m, start, k, complete);
      ranges.push({ start: start + k, end: start + n });
    } else {
      subproof(m - k, start + k, n - k, false);
      ranges.push({ start, end: start + k });
    }
  };
  if (oldSize < newSize) subproof(oldSize, 0, newSize, true);
  return ranges;
}

/** Reads complete subtree hashes; the storage answers in one round trip for the whole list. */
export type SubtreeReader = (subtrees: readonly Subtree[]) => Promise<Map<string, Hash>>;

export const subtreeKey = (subtree: Subtree): string => `${subtree.level}:${subtree.index}`;

/** The MTH of each range, reading every subtree they need at once. */
export async function hashRanges(ranges: readonly LeafRange[], read: SubtreeReader): Promise<Hash[]> {
  const plans = ranges.map(subtreesOfRange);
  const wanted = new Map<string, Subtree>();
  for (const plan of plans) for (const subtree of plan) wanted.set(subtreeKey(subtree), subtree);
  const found = await read([...wanted.values()]);
  return plans.map((plan) =>
    foldSubtrees(
      plan.map((subtree) => {
        const hash = found.get(subtreeKey(subtree));
        if (hash === undefined) throw new RangeError(`subtree ${subtreeKey(subtree)} is not stored`);
        return hash;
      }),
    ),
  );
}

/** MTH(D[0:n]) straight from the leaf hashes (for small trees and for re-deriving a log from scratch). */
export function rootFromLeaves(leaves: readonly Hash[]): Hash {
  if (leaves.length === 0) return EMPTY_TREE_HASH;
  // The stack holds the roots of complete subtrees of decreasing size, as the tree is built left to right.
  const stack: { hash: Hash; size: number }[] = [];
  for (const leaf of leaves) {
    let node = { hash: leaf, size: 1 };
    while (stack.length > 0 && (stack[stack.length - 1] as { size: number }).size === node.size) {
      const left = stack.pop() as { hash: Hash; size: number };
      node = { hash: nodeHash(left.hash, node.hash), size: node.size * 2 };
    }
    stack.push(node);
  }
  return foldSubtrees(stack.map((entry) => entry.hash));
}

/**
 * RFC 9162 §2.1.3.2: recomputes the root from a leaf hash and its inclusion proof; null when the proof
 * has the wrong length for (leafIndex, treeSize).
 */
export function rootFromInclusionProof(
  leafIndex: number,
  treeSize: number,
  leaf: Hash,
  proof: readonly Hash[],
): Hash | null {
  if (!(leafIndex >= 0 && leafIndex < treeSize)) return null;
  let fn = leafIndex;
  let sn = treeSize - 1;
  let r = leaf;
  for (const p of proof) {
    if (sn === 0) return null;
    if (fn % 2 === 1 || fn === sn) {
      r = nodeHash(p, r);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      r = nodeHash(r, p);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 ? r : null;
}

/** RFC 9162 §2.1.4.2: true when `proof` shows the tree of oldSize (oldRoot) is a prefix of newSize (newRoot). */
export function verifyConsistencyProof(
  oldSize: number,
  newSize: number,
  oldRoot: Hash,
  newRoot: Hash,
  proof: readonly Hash[],
): boolean {
  if (oldSize < 1 || oldSize > newSize) return false;
  if (oldSize === newSize) return proof.length === 0 && oldRoot.equals(newRoot);
  let path = [...proof];
  if ((oldSize & (oldSize - 1)) === 0) path = [oldRoot, ...path];
  if (path.length === 0) return false;
  let fn = oldSize - 1;
  let sn = newSize - 1;
  while (fn % 2 === 1) {
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  let fr = path[0] as Hash;
  let sr = path[0] as Hash;
  for (const c of path.slice(1)) {
    if (sn === 0) return false;
    if (fn % 2 === 1 || fn === sn) {
      fr = nodeHash(c, fr);
      sr = nodeHash(c, sr);
      if (fn % 2 === 0) {
        while (fn % 2 === 0 && fn !== 0) {
          fn = Math.floor(fn / 2);
          sn = Math.floor(sn / 2);
        }
      }
    } else {
      sr = nodeHash(sr, c);
    }
    fn = Math.floor(fn / 2);
    sn = Math.floor(sn / 2);
  }
  return sn === 0 && fr.equals(oldRoot) && sr.equals(newRoot);
}
