import type { EventStore } from "@motcua/event-store";
import { type Kysely, sql } from "kysely";
import {
  consistencyProofRanges,
  type Hash,
  hashRanges,
  inclusionProofRanges,
  leafHash,
  nodeHash,
  type Subtree,
  subtreeKey,
  subtreesOfRange,
} from "./merkle";

/**
 * The tree in Postgres. Leaves (level 0) keep the log position they stand for; `subtrees` keeps every
 * COMPLETE subtree above them, keyed by (level, index) — n − 1 hashes for n leaves, about 2 × 32 bytes
 * of hash per leaf in all. A non-power-of-two tree's right edge is never stored: it is folded on read
 * from the O(log n) complete subtrees that make it up, so every proof is one query of O(log n) rows.
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

/** Reads complete subtree hashes (leaves included) in one round trip. */
export function subtreeReader(db: AnyDb) {
  return async (subtrees: readonly Subtree[]): Promise<Map<string, Hash>> => {
    const found = new Map<string, Hash>();
    if (subtrees.length === 0) return found;
    const levels = subtrees.map((s) => s.level);
    const indexes = subtrees.map((s) => s.index);
    const { rows } = await sql<{ level: number; idx: string; hash: Buffer }>`
      select 0 as level, leaf_index as idx, hash from transparency.leaves
        where leaf_index = any(${indexes.filter((_, i) => levels[i] === 0)}::bigint[])
      union all
      select s.level, s.idx, s.hash from transparency.subtrees s
        join unnest(${levels}::smallint[], ${indexes}::bigint[]) as w(level, idx)
          on s.level = w.level and s.idx = w.idx`.execute(db);
    for (const row of rows) found.set(subtreeKey({ level: row.level, index: Number(row.idx) }), row.hash);
    return found;
  };
}

const requireSize = (treeSize: number, stored: number) => {
  if (!(Number.isSafeInteger(treeSize) && treeSize >= 0 && treeSize <= stored)) {
    throw new RangeError(`tree size ${treeSize} is beyond the stored tree (${stored} leaves)`);
  }
};

/** MTH(D[0:treeSize]). */
export async function rootHashAt(db: AnyDb, treeSize: number): Promise<Hash> {
  requireSize(treeSize, (await readTreeState(db)).treeSize);
  const [root] = await hashRanges([{ start: 0, end: treeSize }], subtreeReader(db));
  return root as Hash;
}

export async function inclusionProof(db: AnyDb, leafIndex: number, treeSize: number): Promise<Hash[]> {
  requireSize(treeSize, (await readTreeState(db)).treeSize);
  return hashRanges(inclusionProofRanges(leafIndex, treeSize), subtreeReader(db));
}

export async function consistencyProof(db: AnyDb, oldSize: number, newSize: number): Promise<Hash[]> {
  requireSize(newSize, (await readTreeState(db)).treeSize);
  return hashRanges(consistencyProofRanges(oldSize, newSize), subtreeReader(db));
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
}

/**
 * Appends the next events of the global log (position order, after the last leaf) as leaves: at most
 * `maxCount` of them, in one transaction with every complete subtree they finish. Works on any EventStore
 * (it only reads `readAll`). Two appenders at once: the loser's compare-and-set on the tree size fails
 * and it changes nothing.
 */
export async function appendLeaves(
  db: AnyDb,
  store: Pick<EventStore, "readAll" | "headPosition">,
  options: { maxCount?: number } = {},
): Promise<AppendOutcome> {
  const maxCount = options.maxCount ?? 2_000;
  const state = await readTreeState(db);
  const head = await store.headPosition();
  if (head <= state.position) return { appended: 0, ...state };
  const events: { position: number; hash: string }[] = [];
  for await (const event of store.readAll({
    fromPosition: state.position,
    maxCount,
    personalData: "omit",
  })) {
    if (event.position > head) break;
    events.push({ position: event.position, hash: event.hash });
  }
  if (events.length === 0) return { appended: 0, ...state };

  // The right frontier: the complete subtrees that make up the current tree, largest first. A new leaf
  // merges with the frontier's last entry while they are the same size, exactly as in rootFromLeaves.
  const frontierPlan = subtreesOfRange({ start: 0, end: state.treeSize });
  const frontierHashes = await subtreeReader(db)(frontierPlan);
  const stack = frontierPlan.map((s) => ({ ...s, hash: frontierHashes.get(subtreeKey(s)) as Hash }));
  if (stack.some((s) => s.hash === undefined)) throw new Error("transparency tree: frontier missing");

  const leafRows: { index: number; position: number; hash: Hash }[] = [];
  const nodeRows: { level: number; index: number; hash: Hash }[] = [];
  let index = state.treeSize;
  for (const event of events) {
    const hash = leafHash(Buffer.from(event.hash, "hex"));
    leafRows.push({ index, position: event.position, hash });
    let node = { level: 0, index, hash };
    while (stack.length > 0 && (stack[stack.length - 1] as { level: number }).level === node.level) {
      const left = stack.pop() as { level: number; index: number; hash: Hash };
      node = { level: node.level + 1, index: left.index / 2, hash: nodeHash(left.hash, node.hash) };
      nodeRows.push(node);
    }
    stack.push(node);
    index += 1;
  }
  const last = events[events.length - 1] as { position: number };

  await db.transaction().execute(async (trx) => {
    const moved = await sql`
      update transparency.tree_state set tree_size = ${index}, position = ${last.position}
      where tree_size = ${state.treeSize}`.execute(trx);
    if (Number(moved.numAffectedRows ?? 0) !== 1) throw new TreeMovedError();
    await sql`
      insert into transparency.leaves (leaf_index, position, hash)
      select i, p, decode(h, 'hex') from unnest(
        ${leafRows.map((r) => r.index)}::bigint[],
        ${leafRows.map((r) => r.position)}::bigint[],
        ${leafRows.map((r) => r.hash.toString("hex"))}::text[]) as t(i, p, h)`.execute(trx);
    if (nodeRows.length > 0) {
      await sql`
        insert into transparency.subtrees (level, idx, hash)
        select l, i, decode(h, 'hex') from unnest(
          ${nodeRows.map((r) => r.level)}::smallint[],
          ${nodeRows.map((r) => r.index)}::bigint[],
          ${nodeRows.map((r) => r.hash.toString("hex"))}::text[]) as t(l, i, h)`.execute(trx);
    }
  });
  return { appended: events.length, treeSize: index, position: last.position };
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
  store: Pick<EventStore, "readAll" | "headPosition">,
  options: { maxCount?: number } = {},
): Promise<TreeState> {
  for (;;) {
    const outcome = await appendLeaves(db, store, options);
    if (outcome.appended === 0) return { treeSize: outcome.treeSize, position: outcome.position };
  }
}
