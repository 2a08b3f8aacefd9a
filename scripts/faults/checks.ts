import type { PostgresEventStore } from "@motcua/event-store";
import { nextReadModelVersion, rebuildReadModels } from "@motcua/projector";
import {
  activeReadModelVersion,
  dropReadModelVersion,
  type ReadModelDb,
  readPosition,
  tableChecksums,
} from "@motcua/read-models";
import { waitFor } from "@motcua/testing";
import { type Kysely, sql } from "kysely";
import type { AcceptedCommand } from "./load";

/**
 * The checks the fault suite and the cluster suite run after each fault, against the database the
 * system writes: every acknowledged command in the log exactly once, and the read models equal to a
 * rebuild of the same log.
 */

/** Every 2xx command's events in the store exactly once: missing ones are lost, extra ones duplicated. */
export async function lostAndDuplicated(
  db: Kysely<never>,
  accepted: readonly AcceptedCommand[],
): Promise<{ lost: number; duplicated: number }> {
  const streams = [...new Set(accepted.map((a) => a.streamId))];
  const { rows } = await sql<{ stream_id: string; revision: number; command_id: string | null }>`
    select stream_id, revision, metadata::jsonb->>'commandId' as command_id
    from event_store.events where stream_id = any(${streams})`.execute(db);
  const byStream = new Map<string, Map<number, string | null>>();
  const perCommand = new Map<string, number>();
  for (const row of rows) {
    const revisions = byStream.get(row.stream_id) ?? new Map<number, string | null>();
    byStream.set(row.stream_id, revisions);
    revisions.set(row.revision, row.command_id);
    if (row.command_id) perCommand.set(row.command_id, (perCommand.get(row.command_id) ?? 0) + 1);
  }
  let lost = 0;
  let duplicated = 0;
  for (const command of accepted) {
    const commandId = byStream.get(command.streamId)?.get(command.toRevision);
    if (commandId === undefined || commandId === null) {
      lost += 1;
      continue;
    }
    const stored = perCommand.get(commandId) ?? 0;
    const expected = command.toRevision - command.fromRevision;
    if (stored < expected) lost += 1;
    else if (stored > expected) duplicated += 1;
  }
  return { lost, duplicated };
}

/** The active read-model version's position (-1 before any version is active). */
export async function readModelPosition(db: ReadModelDb): Promise<number> {
  const schema = await activeReadModelVersion(db);
  return schema === null ? -1 : readPosition(db, schema);
}

/** How many tables' checksums differ between two `tableChecksums` answers. */
export const differingTables = (a: Record<string, unknown>, b: Record<string, unknown>): number =>
  Object.keys(a).filter((table) => JSON.stringify(a[table]) !== JSON.stringify(b[table])).length;

/**
 * Waits until the active read models reach the log's head, rebuilds the same log into a throw-away
 * version and hands both schemas to `compare` (dropping the rebuilt one after). When something was
 * appended meanwhile (a deadline firing) it starts again on a still log, up to three times.
 */
export async function compareWithRebuild<T>(options: {
  readonly db: Kysely<never>;
  readonly store: PostgresEventStore;
  readonly partitions: number;
  readonly compare: (active: string, rebuilt: string) => Promise<T>;
}): Promise<T> {
  const readModels = options.db as unknown as ReadModelDb;
  for (let attempt = 0; ; attempt++) {
    const head = Number(
      (await sql<{ head: string }>`select event_store.head_position() as head`.execute(options.db)).rows[0]
        ?.head ?? 0,
    );
    await waitFor(
      "the read models reach the head",
      async () => (await readModelPosition(readModels)) >= head,
      120_000,
      50,
    );
    const active = (await activeReadModelVersion(readModels)) as string;
    const schema = await nextReadModelVersion(readModels);
    const rebuilt = await rebuildReadModels({
      store: options.store,
      db: readModels,
      partitions: options.partitions,
      schema,
      activate: false,
    });
    try {
      if (rebuilt.position !== head && attempt < 3) continue;
      return await options.compare(active, schema);
    } finally {
      await dropReadModelVersion(readModels, schema);
    }
  }
}

/** Tables of the active version that differ from a rebuild of the same log. */
export const readModelMismatches = (options: {
  readonly db: Kysely<never>;
  readonly store: PostgresEventStore;
  readonly partitions: number;
}): Promise<number> => {
  const readModels = options.db as unknown as ReadModelDb;
  return compareWithRebuild({
    ...options,
    compare: async (active, rebuilt) => {
      const [incremental, replayed] = await Promise.all([
        tableChecksums(readModels, active),
        tableChecksums(readModels, rebuilt),
      ]);
      return differingTables(incremental, replayed);
    },
  });
};
