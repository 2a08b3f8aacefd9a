import type { EventStore, RecordedEvent } from "@motcua/event-store";
import {
  activateReadModelVersion,
  activeReadModelVersion,
  dropReadModelVersion,
  ensureCheckpoints,
  listReadModelVersions,
  migrateReadModels,
  partitionOf,
  projectEvents,
  type ReadModelDb,
  readModelSchemaName,
  readPosition,
} from "@motcua/read-models";
import { toJobEvent } from "./job";

export interface RebuildProgress {
  readonly schema: string;
  /** The log position the new version has reached. */
  readonly position: number;
  readonly head: number;
  /** Events applied by this run so far. */
  readonly events: number;
  readonly eventsPerSecond: number;
  /** Seconds left at the current pace, or null before there is a pace. */
  readonly etaSeconds: number | null;
}

export interface RebuildOptions {
  readonly store: EventStore;
  readonly db: ReadModelDb;
  readonly partitions: number;
  /** The version to fill; default the next one after every version known (`rm_v<N+1>`). An unfinished one resumes. */
  readonly schema?: string;
  /** Events read per page. Default 20,000. */
  readonly pageSize?: number;
  /** Partitions of a page applied at once (each in its own transaction). Default 4. */
  readonly parallel?: number;
  /** Switch queries to the new version once it has caught up. Default true. */
  readonly activate?: boolean;
  /** After the switch, drop every other version. Default false. */
  readonly dropOld?: boolean;
  /** Called about once a second, and once at the end. */
  readonly onProgress?: (progress: RebuildProgress) => void;
  readonly progressEveryMs?: number;
}

export interface RebuildSummary {
  readonly schema: string;
  /** The version that served before the switch. */
  readonly previous: string | null;
  /** The new version's read position when it was activated (or finished). */
  readonly position: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly activated: boolean;
  readonly dropped: readonly string[];
}

/** `rm_v<N+1>` where N is the highest version number known to the registry. */
export async function nextReadModelVersion(db: ReadModelDb): Promise<string> {
  const versions = await listReadModelVersions(db).catch(() => []);
  let highest = 0;
  for (const v of versions) {
    const n = /^rm_v(\d+)$/.exec(v.schemaName)?.[1];
    if (n !== undefined) highest = Math.max(highest, Number(n));
  }
  return readModelSchemaName(highest + 1);
}

/**
 * Fills a fresh read-model version from position 0, directly (no queue): pages of the log split by
 * partition, each partition's slice applied with its checkpoint in one transaction, while the current
 * version keeps serving. When it has caught up with the head it is activated, and the feeder follows it.
 */
export async function rebuildReadModels(options: RebuildOptions): Promise<RebuildSummary> {
  const { store, db } = options;
  const P = options.partitions;
  const pageSize = options.pageSize ?? 20_000;
  const parallel = Math.max(1, options.parallel ?? 4);
  const progressEveryMs = options.progressEveryMs ?? 1_000;
  const schema = options.schema ?? (await nextReadModelVersion(db));
  const previous = await activeReadModelVersion(db);

  await migrateReadModels(db, schema);
  await ensureCheckpoints(db, schema, P);
  const started = Date.now();
  let cursor = await readPosition(db, schema);
  let events = 0;
  let head = await store.headPosition();
  let lastProgress = 0;

  const report = (force = false) => {
    const now = Date.now();
    if (!force && now - lastProgress < progressEveryMs) return;
    lastProgress = now;
    const seconds = (now - started) / 1_000;
    const eventsPerSecond = seconds > 0 ? events / seconds : 0;
    const left = Math.max(0, head - cursor);
    options.onProgress?.({
      schema,
      position: cursor,
      head,
      events,
      eventsPerSecond,
      etaSeconds: eventsPerSecond > 0 ? left / eventsPerSecond : null,
    });
  };

  const readPage = async (from: number) => {
    const page: RecordedEvent[] = [];
    const headBefore = await store.headPosition();
    for await (const event of store.readAll({ fromPosition: from, maxCount: pageSize, personalData: "omit" }))
      page.push(event);
    const last = page.at(-1)?.position ?? from;
    const through = page.length >= pageSize ? last : Math.max(headBefore, last);
    return { page, through, headBefore };
  };

  const applyPage = async (page: readonly RecordedEvent[], through: number) => {
    const byPartition = new Map<number, ReturnType<typeof toJobEvent>[]>();
    for (const event of page) {
      const p = partitionOf(event.streamId, P);
      let list = byPartition.get(p);
      if (list === undefined) {
        list = [];
        byPartition.set(p, list);
      }
      list.push(toJobEvent(event));
    }
    const slices = [...byPartition.entries()];
    let next = 0;
    const run = async () => {
      while (next < slices.length) {
        const [partition, slice] = slices[next++] as [number, ReturnType<typeof toJobEvent>[]];
        await db
          .transaction()
          .execute((trx) => projectEvents(trx, schema, partition, slice, { throughPosition: through }));
      }
    };
    await Promise.all(Array.from({ length: Math.min(parallel, slices.length) }, run));
  };

  // Read the next page while the current one is being applied.
  let pending = cursor < head ? readPage(cursor) : null;
  while (pending !== null) {
    const { page, through, headBefore } = await pending;
    head = Math.max(head, headBefore);
    pending = through < head || page.length >= pageSize ? readPage(through) : null;
    await applyPage(page, through);
    events += page.length;
    cursor = through;
    report();
    if (pending === null) {
      // Caught up with the head seen so far: look once more, the log may have grown meanwhile.
      head = await store.headPosition();
      if (head > cursor) pending = readPage(cursor);
    }
  }
  // Every partition covers the log up to the cursor, so the read position is the cursor.
  await Promise.all(
    Array.from({ length: P }, (_, partition) =>
      db
        .transaction()
        .execute((trx) => projectEvents(trx, schema, partition, [], { throughPosition: cursor })),
    ),
  );
  report(true);

  const activate = options.activate ?? true;
  if (activate) await activateReadModelVersion(db, schema);
  const dropped: string[] = [];
  if (activate && options.dropOld) {
    for (const version of await listReadModelVersions(db)) {
      if (version.schemaName === schema) continue;
      await dropReadModelVersion(db, version.schemaName);
      dropped.push(version.schemaName);
    }
  }
  const seconds = (Date.now() - started) / 1_000;
  return {
    schema,
    previous,
    position: await readPosition(db, schema),
    events,
    seconds,
    eventsPerSecond: seconds > 0 ? events / seconds : 0,
    activated: activate,
    dropped,
  };
}
