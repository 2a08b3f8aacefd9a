import type { KeyObject } from "node:crypto";
import { mkdir, rename, writeFile } from "node:fs/promises";
import { join } from "node:path";
import { sql } from "kysely";
import { type AnyDb, appendLeaves, frontierRoot, type TreeFrontier, type TreeSource } from "./postgres-tree";
import { type SignedTreeHead, signTreeHead } from "./signed-head";

// ── stored heads ─────────────────────────────────────────────────────────────────────────────────────

interface HeadRow {
  at: Date;
  position: string;
  tree_size: string;
  root_hash: string;
  key_id: string;
  signature: string;
}

const headFromRow = (row: HeadRow): SignedTreeHead => ({
  checkpoint: {
    at: row.at.toISOString(),
    position: Number(row.position),
    rootHash: row.root_hash,
    treeSize: Number(row.tree_size),
  },
  algorithm: "ed25519",
  keyId: row.key_id,
  signature: row.signature,
});

export async function storeSignedHead(db: AnyDb, head: SignedTreeHead): Promise<void> {
  await sql`
    insert into transparency.signed_heads (at, position, tree_size, root_hash, key_id, signature)
    values (${head.checkpoint.at}, ${head.checkpoint.position}, ${head.checkpoint.treeSize},
      ${head.checkpoint.rootHash}, ${head.keyId}, ${head.signature})`.execute(db);
}

export async function latestSignedHead(db: AnyDb): Promise<SignedTreeHead | null> {
  const { rows } = await sql<HeadRow>`
    select * from transparency.signed_heads order by at desc, id desc limit 1`.execute(db);
  return rows[0] === undefined ? null : headFromRow(rows[0]);
}

/** Newest first; `before`: only heads signed before this instant (the previous page's last `at`). */
export async function listSignedHeads(
  db: AnyDb,
  options: { limit: number; before?: Date },
): Promise<SignedTreeHead[]> {
  const { rows } = await sql<HeadRow>`
    select * from transparency.signed_heads
    ${options.before === undefined ? sql`` : sql`where at < ${options.before}`}
    order by at desc, id desc limit ${options.limit}`.execute(db);
  return rows.map(headFromRow);
}

/** The latest head signed at exactly this tree size, or null when no head of that size was ever signed. */
export async function signedHeadOfSize(db: AnyDb, treeSize: number): Promise<SignedTreeHead | null> {
  const { rows } = await sql<HeadRow>`
    select * from transparency.signed_heads where tree_size = ${treeSize}
    order by at desc, id desc limit 1`.execute(db);
  return rows[0] === undefined ? null : headFromRow(rows[0]);
}

// ── publishing ───────────────────────────────────────────────────────────────────────────────────────

/** Where signed heads go so that copies live outside the system (a directory; the provincial portal…). */
export interface TreeHeadPublisher {
  publish(head: SignedTreeHead): Promise<void>;
}

/**
 * Writes each head as `<dir>/heads/<treeSize>-<at>.json` and replaces `<dir>/latest.json` (write then
 * rename, so a reader never sees half a file). Anything that can sync a directory can carry them away.
 */
export function createDirectoryPublisher(dir: string): TreeHeadPublisher {
  return {
    async publish(head) {
      const heads = join(dir, "heads");
      await mkdir(heads, { recursive: true });
      const text = `${JSON.stringify(head, null, 2)}\n`;
      const name = `${String(head.checkpoint.treeSize).padStart(12, "0")}-${head.checkpoint.at.replaceAll(":", "")}.json`;
      await writeFile(join(heads, name), text);
      const temporary = join(dir, `.latest-${process.pid}.json`);
      await writeFile(temporary, text);
      await rename(temporary, join(dir, "latest.json"));
    },
  };
}

// ── when to sign ─────────────────────────────────────────────────────────────────────────────────────

/** The domain's time zone, Asia/Ho_Chi_Minh, is UTC+7 all year (no daylight saving). */
const LOCAL_OFFSET_MS = 7 * 3_600_000;
const DAILY_MINUTE_MS = (23 * 60 + 59) * 60_000;

/** The last 23:59 local time at or before `now`. */
export function lastDailyMoment(now: Date): Date {
  const local = now.getTime() + LOCAL_OFFSET_MS;
  const dayStart = Math.floor(local / 86_400_000) * 86_400_000;
  let moment = dayStart + DAILY_MINUTE_MS;
  if (moment > local) moment -= 86_400_000;
  return new Date(moment - LOCAL_OFFSET_MS);
}

export type SigningReason = "first" | "interval" | "daily";

/**
 * Whether a head is due: every `intervalMs` when the tree has grown, and once after each 23:59 local time
 * even when it has not (an inspector then holds a head for every day).
 */
export function headDue(
  last: { at: Date; treeSize: number } | null,
  treeSize: number,
  now: Date,
  intervalMs: number,
): SigningReason | null {
  if (treeSize === 0) return null;
  if (last === null) return "first";
  if (treeSize > last.treeSize && now.getTime() - last.at.getTime() >= intervalMs) return "interval";
  if (last.at.getTime() < lastDailyMoment(now).getTime()) return "daily";
  return null;
}

// ── the reactor ──────────────────────────────────────────────────────────────────────────────────────

export interface TransparencyReactorOptions {
  readonly db: AnyDb;
  readonly store: TreeSource;
  readonly signingKey: KeyObject;
  /** AUDIT_CHECKPOINT_INTERVAL. */
  readonly intervalMs: number;
  readonly publisher?: TreeHeadPublisher;
  readonly now: () => Date;
  /** Leaves appended per step at most. Default 5,000. */
  readonly batchSize?: number;
  /**
   * After a step that caught up with the log, how long the tree waits before it is worth stepping again
   * (`idleMs()`), so that under a stream of appends it takes them in batches instead of waking for each
   * one: the statements per step are then shared by hundreds of leaves. Bounds the lag it adds. Default 250.
   */
  readonly coalesceMs?: number;
  /** Monotonic milliseconds for the coalescing delay. Default performance.now. */
  readonly monotonicMs?: () => number;
  readonly onSigned?: (head: SignedTreeHead, reason: SigningReason) => void;
  readonly onPublishFailed?: (error: Error) => void;
}

export interface TransparencyStep {
  readonly appended: number;
  readonly signed: SignedTreeHead | null;
}

/**
 * One step of the transparency log, for the active scheduler to run between its other work: append the
 * next batch of leaves; when the tree has caught up and a head is due, sign, store and publish it.
 */
export function createTransparencyReactor(options: TransparencyReactorOptions) {
  const { db, store, signingKey, intervalMs, publisher } = options;
  const batchSize = options.batchSize ?? 5_000;
  const coalesceMs = options.coalesceMs ?? 250;
  const monotonic = options.monotonicMs ?? (() => performance.now());
  // What the last step wrote and signed, kept so the next step neither re-reads the tree's frontier nor
  // the latest head (dropped on any failure: the next step reads them again).
  let frontier: TreeFrontier | undefined;
  let lastHead: { at: Date; treeSize: number } | null | undefined;
  let caughtUpAt: number | null = null;

  const signIfDue = async (tree: TreeFrontier): Promise<SignedTreeHead | null> => {
    const now = options.now();
    if (lastHead !== undefined && headDue(lastHead, tree.treeSize, now, intervalMs) === null) return null;
    // Due by what this reactor knows, or not known yet: ask the table (another scheduler may have signed).
    const stored = await latestSignedHead(db);
    lastHead =
      stored === null ? null : { at: new Date(stored.checkpoint.at), treeSize: stored.checkpoint.treeSize };
    const reason = headDue(lastHead, tree.treeSize, now, intervalMs);
    if (reason === null) return null;
    const signed = signTreeHead(
      {
        at: now.toISOString(),
        position: tree.position,
        rootHash: frontierRoot(tree).toString("hex"),
        treeSize: tree.treeSize,
      },
      signingKey,
    );
    await storeSignedHead(db, signed);
    lastHead = { at: now, treeSize: tree.treeSize };
    options.onSigned?.(signed, reason);
    if (publisher) {
      // The head is stored and served; a publishing failure is reported and the next head is published anyway.
      await publisher.publish(signed).catch((error: unknown) => {
        options.onPublishFailed?.(error instanceof Error ? error : new Error(String(error)));
      });
    }
    return signed;
  };

  return {
    async step(): Promise<TransparencyStep> {
      try {
        const outcome = await appendLeaves(db, store, {
          maxCount: batchSize,
          ...(frontier ? { frontier } : {}),
        });
        frontier = outcome.frontier;
        const caughtUp = outcome.appended < batchSize;
        caughtUpAt = caughtUp ? monotonic() : null;
        return { appended: outcome.appended, signed: caughtUp ? await signIfDue(outcome.frontier) : null };
      } catch (error) {
        frontier = undefined;
        lastHead = undefined;
        caughtUpAt = null;
        throw error;
      }
    },
    /**
     * Milliseconds until a step is worth taking: 0 while the tree is behind (the last step filled a whole
     * batch) or before the first step; after a step that caught up, what is left of the coalescing delay.
     */
    idleMs(): number {
      if (caughtUpAt === null) return 0;
      return Math.max(0, caughtUpAt + coalesceMs - monotonic());
    },
  };
}

export type TransparencyReactor = ReturnType<typeof createTransparencyReactor>;
