import type { EventStore } from "@motcua/event-store";
import { type Kysely, sql } from "kysely";
import {
  consistencyProofRanges,
  foldSubtrees,
  type Hash,
  hashRanges,
  inclusionProofRanges,
  type LeafRange,
  leafHash,
  nodeHash,
  rootFromLeaves,
  type Subtree,
  subtreeKey,
  subtreesOfRange,
} from "./merkle";

/**
 * The tree in Postgres. Leaves (level 0) keep the log position they stand for; `subtrees` keeps every
 * COMPLETE subtree of level STORED_FROM_LEVEL (4) and above, keyed by (level, index) — about n/8 hashes
 * for n leaves, 36 bytes of hash per leaf in all; the levels between are folded from their leaves on
 * read. A non-power-of-two tree's right edge is never stored: it is folded on read from the O(log n)
 * complete subtrees that make it up, so every proof is one query of O(log n) rows (and at most 15
 * leaves). Trees written before levels 1–3 were left out keep those rows; nothing reads them.
 */
export const TRANSPARENCY_SCHEMA = "transparency";

// biome-ignore lint/suspicious/noExplicitAny: the tree's statements are raw SQL on whichever Kysely the caller holds
export type AnyDb = Kysely<any>;

export async function migrateTransparencyLog(db: AnyDb): Promise<void> {
  await sql`
    CREATE SCHEMA IF NOT EXISTS transparency;
    CREATE TABLE IF NOT EXISTS transparency.leaves (
      leaf_index bigint PRIMARY KEY,
      position bigint NOT NULL UNIQUE,
      hash bytea NOT NULL
    );
    CREATE TABLE IF NOT EXISTS transparency.subtrees (
      level smallint NOT NULL,
      idx bigint NOT NULL,
      hash bytea NOT NULL,
      PRIMARY KEY (level, idx)
    );
    CREATE TABLE IF NOT EXISTS transparency.tree_state (
      singleton boolean PRIMARY KEY DEFAULT true CHECK (singleton),
      tree_size bigint NOT NULL,
      position bigint NOT NULL
    );
    INSERT INTO transparency.tree_state (tree_size, position) VALUES (0, 0) ON CONFLICT DO NOTHING;
    CREATE TABLE IF NOT EXISTS transparency.signed_heads (
      id bigserial PRIMARY KEY,
      at timestamptz NOT NULL,
      position bigint NOT NULL,
      tree_size bigint NOT NULL,
      root_hash text NOT NULL,
      key_id text NOT NULL,
      signature text NOT NULL
    );
    CREATE INDEX IF NOT EXISTS signed_heads_tree_size ON transparency.signed_heads (tree_size);
  `.execute(db);
}

export interface TreeState {
  readonly treeSize: number;
  /** The log position of the last leaf (0 for the empty tree). */
  readonly position: number;
}

export async function readTreeState(db: AnyDb): Promise<TreeState> {
  const { rows } = await sql<{ tree_size: string; position: string }>`
    select tree_size, position from transparency.tree_state`.execute(db);
  const row = rows[0];
  return row === undefined
    ? { treeSize: 0, position: 0 }
    : { treeSize: Number(row.tree_size), position: Number(row.position) };
}

/**
 * Subtrees of levels 1 to STORED_FROM_LEVEL − 1 are not stored: a reader computes them from their 2 to 8
 * leaves, read in the same round trip. That leaves one stored inner node per 8 leaves instead of one per
 * leaf (36 bytes of hash per leaf instead of 64, and fewer rows and write-ahead log for the reactor to
 * write beside the writers), for at most 15 more leaves read per proof.
 */
export const STORED_FROM_LEVEL = 4;

/**
 * Reads complete subtree hashes (leaves included) and the stored tree's size, in ONE round trip; the
 * subtrees below STORED_FROM_LEVEL are folded from their leaves.
 */
async function readSubtrees(
  db: AnyDb,
  subtrees: readonly Subtree[],
): Promise<{ treeSize: number; found: Map<string, Hash> }> {
  const leafIndexes: number[] = [];
  const levels: number[] = [];
  const indexes: number[] = [];
  for (const s of subtrees) {
    if (s.level >= STORED_FROM_LEVEL) {
      levels.push(s.level);
      indexes.push(s.index);
    } else {
      const width = 2 ** s.level;
      for (let i = s.index * width; i < (s.index + 1) * width; i++) leafIndexes.push(i);
    }
  }
  const { rows } = await sql<{ level: number; idx: string; hash: Buffer | null }>`
    select -1 as level, tree_size as idx, null::bytea as hash from transparency.tree_state
    union all
    select 0, leaf_index, hash from transparency.leaves where leaf_index = any(${leafIndexes}::bigint[])
    union all
    select s.level, s.idx, s.hash from transparency.subtrees s
      join unnest(${levels}::smallint[], ${indexes}::bigint[]) as w(level, idx)
        on s.level = w.level and s.idx = w.idx`.execute(db);
  let treeSize = 0;
  const stored = new Map<string, Hash>();
  const leaves = new Map<number, Hash>();
  for (const row of rows) {
    if (row.level === -1) treeSize = Number(row.idx);
    else if (row.level === 0) leaves.set(Number(row.idx), row.hash as Hash);
    else stored.set(subtreeKey({ level: row.level, index: Number(row.idx) }), row.hash as Hash);
  }
  const found = new Map<string, Hash>();
  for (const s of subtrees) {
    const key = subtreeKey(s);
    if (s.level >= STORED_FROM_LEVEL) {
      const hash = stored.get(key);
      if (hash !== undefined) found.set(key, hash);
      continue;
    }
    const width = 2 ** s.level;
    const hashes: Hash[] = [];
    for (let i = s.index * width; i < (s.index + 1) * width; i++) {
      const leaf = leaves.get(i);
      if (leaf === undefined) break;
      hashes.push(leaf);
    }
    if (hashes.length === width) found.set(key, rootFromLeaves(hashes));
  }
  return { treeSize, found };
}

/** Reads complete subtree hashes (leaves included) in one round trip. */
export function subtreeReader(db: AnyDb) {
  return async (subtrees: readonly Subtree[]): Promise<Map<string, Hash>> =>
    subtrees.length === 0 ? new Map() : (await readSubtrees(db, subtrees)).found;
}

const requireSize = (treeSize: number, stored: number) => {
  if (!(Number.isSafeInteger(treeSize) && treeSize >= 0 && treeSize <= stored)) {
    throw new RangeError(`tree size ${treeSize} is beyond the stored tree (${stored} leaves)`);
  }
};

/**
 * The MTH of each range for a tree of `treeSize`, in ONE round trip: the stored tree's size is read in the
 * same statement as the subtrees, and checked before anything is answered.
 */
async function rangesOfStoredTree(
  db: AnyDb,
  treeSize: number,
  ranges: readonly LeafRange[],
): Promise<Hash[]> {
  const read = async (subtrees: readonly Subtree[]) => {
    const { treeSize: stored, found } = await readSubtrees(db, subtrees);
    requireSize(treeSize, stored);
    return found;
  };
  return hashRanges(ranges, read);
}

/** MTH(D[0:treeSize]). */
export async function rootHashAt(db: AnyDb, treeSize: number): Promise<Hash> {
  const [root] = await rangesOfStoredTree(db, treeSize, [{ start: 0, end: treeSize }]);
  return root as Hash;
}

export async function inclusionProof(db: AnyDb, leafIndex: number, treeSize: number): Promise<Hash[]> {
  return rangesOfStoredTree(db, treeSize, inclusionProofRanges(leafIndex, treeSize));
}

export async function consistencyProof(db: AnyDb, oldSize: number, newSize: number): Promise<Hash[]> {
  return rangesOfStoredTree(db, newSize, consistencyProofRanges(oldSize, newSize));
}

/** The leaf each of these log positions became (positions not yet in the tree are absent). */
export async function leafIndexesOf(db: AnyDb, positions: readonly number[]): Promise<Map<number, number>> {
  const out = new Map<number, number>();
  if (positions.length === 0) return out;
  const { rows } = await sql<{ leaf_index: string; position: string }>`
    select leaf_index, position from transparency.leaves where position = any(${positions}::bigint[])`.execute(
    db,
  );
  for (const row of rows) out.set(Number(row.position), Number(row.leaf_index));
  return out;
}

export interface AppendOutcome {
  readonly appended: number;
  readonly treeSize: number;
  readonly position: number;
  /** The tree after this append, for the next call to start from without reading it back. */
  readonly frontier: TreeFrontier;
}

/**
 * What an appender needs to extend the tree: its size, the log position of its last leaf, and its right
 * frontier — the complete subtrees that make it up, largest first (O(log n) of them). Kept in memory by
 * the reactor between steps so a step does not re-read what the previous one wrote; the compare-and-set
 * on the stored size catches a frontier that another appender made stale.
 */
export interface TreeFrontier {
  readonly treeSize: number;
  readonly position: number;
  readonly stack: readonly FrontierNode[];
}

interface FrontierNode {
  readonly level: number;
  readonly index: number;
  readonly hash: Hash;
}

/** The stored tree's frontier: one read of the state and one of its O(log n) subtrees. */
export async function readFrontier(db: AnyDb): Promise<TreeFrontier> {
  const state = await readTreeState(db);
  const plan = subtreesOfRange({ start: 0, end: state.treeSize });
  const hashes = await subtreeReader(db)(plan);
  const stack = plan.map((s) => ({ ...s, hash: hashes.get(subtreeKey(s)) as Hash }));
  if (stack.some((s) => s.hash === undefined)) throw new Error("transparency tree: frontier missing");
  return { ...state, stack };
}

/** MTH of the tree a frontier stands for (no reads: its subtrees fold to the root). */
export const frontierRoot = (frontier: TreeFrontier): Hash => foldSubtrees(frontier.stack.map((s) => s.hash));

/** What the tree reads of an event store: its head and its log (only the hashes, where it can). */
export type TreeSource = Pick<EventStore, "readAll" | "headPosition" | "readHashes">;

/**
 * Appends the next events of the global log (position order, after the last leaf) as leaves: at most
 * `maxCount` of them, with every complete subtree they finish, in ONE statement (the tree size's
 * compare-and-set and two multi-row inserts from arrays, so one round trip and no explicit transaction).
 * The statement commits without waiting for the disk (synchronous_commit off for its transaction only):
 * the tree is derived from the log, so a commit lost in a crash is redone from the same events, and a
 * signed head — committed synchronously, after — flushes the write-ahead log up to it, the leaves it
 * signs included. The writers' own commits then share fewer flushes with the tree's.
 * Works on any EventStore (it reads `readHashes` where offered, else `readAll`). Two appenders at once: the loser's compare-and-set on
 * the tree size fails and it changes nothing. `frontier`: the tree as the previous call left it (else it
 * is read).
 */
export async function appendLeaves(
  db: AnyDb,
  store: TreeSource,
  options: { maxCount?: number; frontier?: TreeFrontier } = {},
): Promise<AppendOutcome> {
  const maxCount = options.maxCount ?? 2_000;
  const start = options.frontier ?? (await readFrontier(db));
  const head = await store.headPosition();
  if (head <= start.position) return { appended: 0, ...start, frontier: start };
  const positions: number[] = [];
  const leafHashes: Hash[] = [];
  if (store.readHashes) {
    // The log's hashes alone (one narrow query), where the store offers it.
    for (const event of await store.readHashes(start.position, head, maxCount)) {
      positions.push(event.position);
      leafHashes.push(leafHash(Buffer.from(event.hash, "hex")));
    }
  } else {
    for await (const event of store.readAll({
      fromPosition: start.position,
      maxCount,
      personalData: "omit",
    })) {
      if (event.position > head) break;
      positions.push(event.position);
      leafHashes.push(leafHash(Buffer.from(event.hash, "hex")));
    }
  }
  if (positions.length === 0) return { appended: 0, ...start, frontier: start };

  // A new leaf merges with the frontier's last entry while they are the same size, exactly as in
  // rootFromLeaves; every merge is a complete subtree to store.
  const stack: FrontierNode[] = [...start.stack];
  const nodeLevels: number[] = [];
  const nodeIndexes: number[] = [];
  const nodeHashes: Hash[] = [];
  let index = start.treeSize;
  for (const hash of leafHashes) {
    let node: FrontierNode = { level: 0, index, hash };
    while (stack.length > 0 && (stack[stack.length - 1] as FrontierNode).level === node.level) {
      const left = stack.pop() as FrontierNode;
      node = { level: node.level + 1, index: left.index / 2, hash: nodeHash(left.hash, node.hash) };
      if (node.level >= STORED_FROM_LEVEL) {
        nodeLevels.push(node.level);
        nodeIndexes.push(node.index);
        nodeHashes.push(node.hash);
      }
    }
    stack.push(node);
    index += 1;
  }
  const position = positions[positions.length - 1] as number;

  // The hashes travel as one binary parameter each (32 bytes per hash, cut apart in SQL), not as arrays
  // the driver would spell out in hex text.
  const { rows } = await sql<{ moved: number }>`
    with moved as (
      update transparency.tree_state set tree_size = ${index}, position = ${position}
      where tree_size = ${start.treeSize}
      returning 1
    ), leaves as (
      insert into transparency.leaves (leaf_index, position, hash)
      select ${start.treeSize}::bigint + t.n - 1, t.p, substring(${Buffer.concat(leafHashes)}::bytea from (t.n::int - 1) * 32 + 1 for 32)
      from unnest(${positions}::bigint[]) with ordinality as t(p, n)
      where exists (select from moved)
    ), nodes as (
      insert into transparency.subtrees (level, idx, hash)
      select t.l, t.i, substring(${Buffer.concat(nodeHashes)}::bytea from (t.n::int - 1) * 32 + 1 for 32)
      from unnest(${nodeLevels}::smallint[], ${nodeIndexes}::bigint[]) with ordinality as t(l, i, n)
      where exists (select from moved)
    )
    select (select count(*) from moved)::int as moved,
      set_config('synchronous_commit', 'off', true) as commit_mode`.execute(db);
  if (rows[0]?.moved !== 1) throw new TreeMovedError();
  const frontier = { treeSize: index, position, stack };
  return { appended: positions.length, treeSize: index, position, frontier };
}

/** Another appender moved the tree first; nothing was written. */
export class TreeMovedError extends Error {
  constructor() {
    super("another appender extended the transparency tree first");
    this.name = "TreeMovedError";
  }
}

/** Appends until the tree holds every event up to the store's head; answers the final state. */
export async function catchUpTree(
  db: AnyDb,
  store: TreeSource,
  options: { maxCount?: number } = {},
): Promise<TreeState> {
  let frontier: TreeFrontier | undefined;
  for (;;) {
    const outcome = await appendLeaves(db, store, { ...options, ...(frontier ? { frontier } : {}) });
    if (outcome.appended === 0) return { treeSize: outcome.treeSize, position: outcome.position };
    frontier = outcome.frontier;
  }
}
