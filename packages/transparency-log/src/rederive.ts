import { computeEventHash } from "@motcua/event-store/hash-chain";
import type pg from "pg";
import { type Hash, leafHash, rootFromLeaves } from "./merkle";
import type { SignedTreeHead } from "./signed-head";

/**
 * Re-derives the transparency tree from a Postgres event store's table and compares it with a signed
 * head, for `audit:verify --database`. It trusts nothing in the database: each event's hash is recomputed
 * from its stored content and its place in its stream's chain; the tree's stored leaves are used only to
 * NAME the first differing leaf, and only once they are shown to hash to the signed root.
 */
export type RederiveFailureReason =
  /** The event's stored content (data, metadata, ids, hash) no longer hashes to its stored hash. */
  | "event_altered"
  /** The event is not linked to the one before it in its stream (revision or prevHash). */
  | "chain_broken"
  /** The event at this leaf is not the one the signed tree holds (removed, inserted, re-ordered, replaced). */
  | "leaf_differs"
  /** The log up to the head has fewer events than the head's tree size. */
  | "events_missing"
  /** The log does not hash to the signed root, and the stored tree cannot name where (it was altered too). */
  | "root_differs";

export interface RederiveVerdict {
  readonly valid: boolean;
  readonly eventsRead: number;
  /** Whether the stored leaves hash to the signed root (and so could name the differing leaf). */
  readonly storedTreeMatchesHead: boolean;
  readonly failure?: {
    readonly reason: RederiveFailureReason;
    /** The first leaf (0-based index in the global log) that differs. */
    readonly leafIndex?: number;
    readonly position?: number;
    readonly streamId?: string;
    readonly revision?: number;
    readonly detail: string;
  };
}

const PAGE = 5_000;

interface EventRow {
  position: string;
  stream_id: string;
  revision: number;
  event_id: string;
  type: string;
  schema_version: number;
  data: string;
  metadata: string;
  hash: string;
  prev_hash: string | null;
}

export async function rederiveAgainstHead(
  client: pg.ClientBase,
  signed: SignedTreeHead,
  options: { eventStoreSchema?: string } = {},
): Promise<RederiveVerdict> {
  const schema = options.eventStoreSchema ?? "event_store";
  if (!/^[a-z_][a-z0-9_]*$/.test(schema)) throw new TypeError("event store schema: not a plain identifier");
  const { treeSize, position: headPosition, rootHash } = signed.checkpoint;
  const signedRoot = Buffer.from(rootHash, "hex");

  // The stored leaves, authenticated against the signed root before anything is judged by them.
  const stored: Hash[] = [];
  const hasTree = await client.query<{ present: boolean }>(
    "select to_regclass('transparency.leaves') is not null as present",
  );
  if (hasTree.rows[0]?.present) {
    const { rows } = await client.query<{ hash: Buffer }>(
      "select hash from transparency.leaves where leaf_index < $1 order by leaf_index",
      [treeSize],
    );
    for (const row of rows) stored.push(row.hash);
  }
  const storedTreeMatchesHead = stored.length === treeSize && rootFromLeaves(stored).equals(signedRoot);

  const derived: Hash[] = [];
  const streams = new Map<string, { revision: number; hash: string }>();
  let after = 0;
  let index = 0;
  // Window by window of positions (at most PAGE rows each, whatever the plan): an unbounded range up to
  // the head was planned as a scan and sort of everything up to it for every page when the log has no
  // statistics (autovacuum off, never analysed), so a re-derivation of N events cost O(N²).
  while (after < headPosition) {
    const upTo = Math.min(headPosition, after + PAGE);
    const { rows } = await client.query<EventRow>(
      `select position, stream_id, revision, event_id::text as event_id, type, schema_version,
         data::text as data, metadata::text as metadata, hash, prev_hash
       from ${schema}.events where position > $1 and position <= $2 order by position`,
      [after, upTo],
    );
    for (const row of rows) {
      const here = {
        leafIndex: index,
        position: Number(row.position),
        streamId: row.stream_id,
        revision: row.revision,
      };
      const recomputed = computeEventHash({
        prevHash: row.prev_hash,
        streamId: row.stream_id,
        revision: row.revision,
        eventId: row.event_id,
        type: row.type,
        schemaVersion: row.schema_version,
        dataJson: row.data,
        metadataJson: row.metadata,
      });
      const leaf = leafHash(Buffer.from(row.hash, "hex"));
      const fail = (reason: RederiveFailureReason, detail: string): RederiveVerdict => ({
        valid: false,
        eventsRead: index + 1,
        storedTreeMatchesHead,
        failure: { reason, ...here, detail },
      });
      if (storedTreeMatchesHead && index < treeSize && !(stored[index] as Hash).equals(leaf)) {
        return fail(
          "leaf_differs",
          `leaf ${index}: the event now at position ${here.position} is not the one the signed tree holds there`,
        );
      }
      if (recomputed !== row.hash) {
        return fail("event_altered", `leaf ${index}: its stored content does not hash to its stored hash`);
      }
      const previous = streams.get(row.stream_id);
      if (row.revision !== (previous?.revision ?? 0) + 1 || row.prev_hash !== (previous?.hash ?? null)) {
        return fail("chain_broken", `leaf ${index}: not linked to the event before it in ${row.stream_id}`);
      }
      streams.set(row.stream_id, { revision: row.revision, hash: row.hash });
      derived.push(leaf);
      index += 1;
    }
    after = upTo;
  }

  if (index < treeSize) {
    return {
      valid: false,
      eventsRead: index,
      storedTreeMatchesHead,
      failure: {
        reason: "events_missing",
        leafIndex: index,
        detail: `the log holds ${index} events up to position ${headPosition}; the head signed ${treeSize}`,
      },
    };
  }
  if (rootFromLeaves(derived.slice(0, treeSize)).equals(signedRoot) && index === treeSize) {
    return { valid: true, eventsRead: index, storedTreeMatchesHead };
  }
  return {
    valid: false,
    eventsRead: index,
    storedTreeMatchesHead,
    failure: {
      reason: "root_differs",
      detail:
        index > treeSize
          ? `the log holds ${index} events up to position ${headPosition}, more than the ${treeSize} the head signed`
          : "the log does not hash to the signed root, and the stored tree was altered too: compare with an evidence bundle or an earlier copy to find where",
    },
  };
}
