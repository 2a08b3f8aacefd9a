import type { EventStore, ProjectionEvent } from "@motcua/event-store";
import {
  activateReadModelVersion,
  activeReadModelVersion,
  deferSecondaryIndexes,
  dropReadModelVersion,
  ensureCheckpoints,
  listReadModelVersions,
  migrateReadModels,
  partitionOf,
  projectEvents,
  projectPartitions,
  type ReadModelDb,
  readCheckpoints,
  readModelSchemaName,
  readPosition,
  restoreDeferredIndexes,
} from "@motcua/read-models";
import { type Kysely, sql } from "kysely";
import { migrateProjectorTables, PROJECTOR_SCHEMA } from "./dead-letters";
import { readForProjection } from "./job";

export interface RebuildProgress {
  readonly schema: string;
  /** The log position the new version has reached. */
  readonly position: number;
  readonly head: number;
  /** Events applied by this run so far (a resumed run skips those its partitions had). */
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
 * partition, each page applied with its partitions' checkpoints in one transaction, while the current
 * version keeps serving. When it has caught up with the head it is activated, and the feeder follows it.
 */
export async function rebuildReadModels(options: RebuildOptions): Promise<RebuildSummary> {
  const { db } = options;
  const P = options.partitions;
  const schema = options.schema ?? (await nextReadModelVersion(db));
  const previous = await activeReadModelVersion(db);

  await migrateReadModels(db, schema);
  await ensureCheckpoints(db, schema, P);
  // Nobody reads the new version before it is activated: its secondary indexes are built after the fill.
  await deferSecondaryIndexes(db, schema);
  const started = Date.now();
  const filled = await fillPartitions({ ...options, schema, range: { first: 0, last: P - 1 } });
  await restoreDeferredIndexes(db, schema);
  // The rebuild's time includes building the indexes.
  const seconds = (Date.now() - started) / 1_000;

  const activate = options.activate ?? true;
  if (activate) await activateReadModelVersion(db, schema);
  const dropped = activate && options.dropOld ? await dropOtherVersions(db, schema) : [];
  return {
    schema,
    previous,
    position: await readPosition(db, schema),
    events: filled.events,
    seconds,
    eventsPerSecond: seconds > 0 ? filled.events / seconds : 0,
    activated: activate,
    dropped,
  };
}

async function dropOtherVersions(db: ReadModelDb, schema: string): Promise<string[]> {
  const dropped: string[] = [];
  for (const version of await listReadModelVersions(db)) {
    if (version.schemaName === schema) continue;
    await dropReadModelVersion(db, version.schemaName);
    dropped.push(version.schemaName);
  }
  return dropped;
}

/** A share of a version's partitions, `first` to `last` inclusive. */
export interface PartitionRange {
  readonly first: number;
  readonly last: number;
}

interface FillOptions extends Omit<RebuildOptions, "schema" | "activate" | "dropOld"> {
  readonly schema: string;
  readonly range: PartitionRange;
}

interface Filled {
  /** Where this run started: the lowest checkpoint of its partitions. */
  readonly from: number;
  /** Every partition of the range covers the log up to here. */
  readonly position: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
}

/**
 * Fills the partitions of `range` of `schema` up to the head, from their lowest checkpoint (a restart
 * resumes; events at or below a partition's checkpoint are skipped by `projectEvents`). Reads the whole
 * log and applies only its partitions' events.
 */
async function fillPartitions(options: FillOptions): Promise<Filled> {
  const { store, db, schema, range } = options;
  const P = options.partitions;
  const pageSize = options.pageSize ?? 20_000;
  const progressEveryMs = options.progressEveryMs ?? 1_000;
  const whole = range.first === 0 && range.last === P - 1;
  const mine = (p: number) => p >= range.first && p <= range.last;

  const started = Date.now();
  const checkpoints = (await readCheckpoints(db, schema)).filter((c) => mine(c.partition));
  let cursor = whole
    ? await readPosition(db, schema)
    : Math.min(...checkpoints.map((c) => c.position), Number.MAX_SAFE_INTEGER);
  if (checkpoints.length < range.last - range.first + 1) cursor = 0;
  const from = cursor;
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
    const page: ProjectionEvent[] = [];
    const headBefore = await store.headPosition();
    for await (const event of readForProjection(store, from, pageSize)) page.push(event);
    const last = page.at(-1)?.position ?? from;
    const through = page.length >= pageSize ? last : Math.max(headBefore, last);
    return { page, through, headBefore };
  };

  /** Applies this range's events of the page; answers how many were applied (a resumed run skips some). */
  const applyPage = async (page: readonly ProjectionEvent[], through: number) => {
    // The events as read: the projection drops the applicant and free text itself (no job copy needed).
    const byPartition = new Map<number, ProjectionEvent[]>();
    for (const event of page) {
      const p = partitionOf(event.streamId, P);
      if (!mine(p)) continue;
      let list = byPartition.get(p);
      if (list === undefined) {
        list = [];
        byPartition.set(p, list);
      }
      list.push(event);
    }
    const slices = [...byPartition.entries()].map(([partition, events]) => ({
      partition,
      events,
      throughPosition: through,
    }));
    if (whole) {
      // The whole rebuild: one transaction for the page, every partition's slice and checkpoint together
      // (dossiers written once, the shared report counts summed over the page and upserted once, no two
      // transactions waiting on each other's count rows).
      const results = await db.transaction().execute((trx) => projectPartitions(trx, schema, slices));
      return results.reduce((sum, result) => sum + result.applied, 0);
    }
    // A share of a rebuild spread over processes: each partition in its own transaction, four at a time,
    // so a partition held elsewhere holds back only itself.
    let next = 0;
    let applied = 0;
    const run = async () => {
      while (next < slices.length) {
        const slice = slices[next++] as (typeof slices)[number];
        const [result] = await db.transaction().execute((trx) => projectPartitions(trx, schema, [slice]));
        applied += result?.applied ?? 0;
      }
    };
    await Promise.all(Array.from({ length: Math.min(4, slices.length) }, run));
    return applied;
  };

  // Read the next page while the current one is being applied.
  let pending = cursor < head ? readPage(cursor) : null;
  while (pending !== null) {
    const { page, through, headBefore } = await pending;
    head = Math.max(head, headBefore);
    pending = through < head || page.length >= pageSize ? readPage(through) : null;
    events += await applyPage(page, through);
    cursor = through;
    report();
    if (pending === null) {
      // Caught up with the head seen so far: look once more, the log may have grown meanwhile.
      head = await store.headPosition();
      if (head > cursor) pending = readPage(cursor);
    }
  }
  // Every partition of the range covers the log up to the cursor.
  const through = cursor;
  await Promise.all(
    Array.from({ length: range.last - range.first + 1 }, (_, i) =>
      db
        .transaction()
        .execute((trx) => projectEvents(trx, schema, range.first + i, [], { throughPosition: through })),
    ),
  );
  report(true);
  const seconds = (Date.now() - started) / 1_000;
  return { from, position: cursor, events, seconds, eventsPerSecond: seconds > 0 ? events / seconds : 0 };
}

/* ---- A rebuild spread over several processes ---------------------------------------------------------

   1. `prepareRebuild` (one process, `projections:rebuild --prepare`) creates the next version with its
      checkpoints and records the plan: the partition count, the head the rebuild aims at, and whether
      to activate (and drop the others) at the end.
   2. `rebuildShare` (N processes, `--version <schema> --partitions a-b`, any hosts) each fill a range.
      A process holds a session-level advisory lock per partition of its range for its whole run, so
      two processes never fill one partition (an overlapping range is refused) and a finished process
      can tell whether others are still at work.
   3. A process that has finished takes the version's activation lock (finishers go one at a time) and
      tries the locks of every other partition: if one is held, its process is still filling and will
      do this step itself when it finishes; if all are free and every checkpoint has reached the target,
      it activates the version — once: `activated_at` is looked at under the same locks. A crashed
      process leaves its partitions behind the target; restarted with the same range, it resumes from
      their checkpoints and finishes the job. */

/** What an operator got wrong, said in English: the CLI prints it and exits 2, having changed nothing. */
export class RebuildRefused extends Error {
  constructor(message: string) {
    super(message);
    this.name = "RebuildRefused";
  }
}

export interface RebuildPlan {
  readonly schema: string;
  readonly partitions: number;
  /** The head when the rebuild was prepared: every partition must reach it before the switch. */
  readonly targetPosition: number;
  readonly activate: boolean;
  readonly dropOld: boolean;
}

interface PlanRow {
  schema_name: string;
  partitions: number;
  target_position: string | number;
  activate: boolean;
  drop_old: boolean;
}

const plans = (db: ReadModelDb) =>
  (db as unknown as Kysely<{ rebuild_plans: PlanRow }>)
    .withSchema(PROJECTOR_SCHEMA)
    .selectFrom("rebuild_plans");

export async function readRebuildPlan(db: ReadModelDb, schema: string): Promise<RebuildPlan | null> {
  const row = await plans(db).selectAll().where("schema_name", "=", schema).executeTakeFirst();
  if (row === undefined) return null;
  return {
    schema: row.schema_name,
    partitions: row.partitions,
    targetPosition: Number(row.target_position),
    activate: row.activate,
    dropOld: row.drop_old,
  };
}

/**
 * Creates the next version (tables and checkpoints) for a rebuild by several processes and records its
 * plan, the target being the head now. The current version keeps serving.
 */
export async function prepareRebuild(options: {
  readonly store: EventStore;
  readonly db: ReadModelDb;
  readonly partitions: number;
  readonly activate?: boolean;
  readonly dropOld?: boolean;
}): Promise<RebuildPlan> {
  const { db } = options;
  await migrateProjectorTables(db);
  const schema = await nextReadModelVersion(db);
  await migrateReadModels(db, schema);
  await ensureCheckpoints(db, schema, options.partitions);
  // Built by the process that finds every partition caught up (activateIfCaughtUp).
  await deferSecondaryIndexes(db, schema);
  const target = await options.store.headPosition();
  await sql`
    insert into ${sql.table(`${PROJECTOR_SCHEMA}.rebuild_plans`)}
      (schema_name, partitions, target_position, activate, drop_old)
    values (${schema}, ${options.partitions}, ${target}, ${options.activate ?? true}, ${options.dropOld ?? false})
    on conflict (schema_name) do nothing`.execute(db);
  return (await readRebuildPlan(db, schema)) as RebuildPlan;
}

/** "a-b" or "a": whole numbers, a ≤ b (checked against the version's partition count later). */
export function parsePartitionRange(text: string): PartitionRange | { error: string } {
  const match = /^(\d{1,4})(?:-(\d{1,4}))?$/.exec(text.trim());
  if (match === null) {
    return {
      error: `--partitions must be a range a-b of whole numbers (e.g. 0-31) or one number; got "${text}"`,
    };
  }
  const first = Number(match[1]);
  const last = Number(match[2] ?? match[1]);
  if (first > last) return { error: `--partitions a-b needs a ≤ b; got ${text}` };
  return { first, last };
}

const spell = (first: number, last: number) => (first === last ? `${first}` : `${first}-${last}`);

/** Consecutive runs of partition numbers, "0-3, 6". */
export function spellPartitions(partitions: readonly number[]): string {
  const sorted = [...partitions].sort((a, b) => a - b);
  const runs: string[] = [];
  for (let i = 0; i < sorted.length; ) {
    let j = i;
    while (j + 1 < sorted.length && (sorted[j + 1] as number) === (sorted[j] as number) + 1) j++;
    runs.push(spell(sorted[i] as number, sorted[j] as number));
    i = j + 1;
  }
  return runs.join(", ");
}

export type ShareOutcome =
  /** This process switched queries to the version. */
  | { readonly kind: "activated"; readonly previous: string | null; readonly dropped: readonly string[] }
  /** Every partition reached the target; the plan said not to activate. */
  | { readonly kind: "caught-up-not-activated" }
  /** Other processes are still filling these partitions; the last of them to finish activates. */
  | { readonly kind: "others-filling"; readonly partitions: readonly number[] }
  /** Nobody is filling these partitions and they are behind the target (never started, or crashed). */
  | { readonly kind: "behind"; readonly partitions: readonly number[] }
  /** The version had been activated already: nothing was done. */
  | { readonly kind: "already-activated"; readonly activatedAt: string };

export interface ShareSummary {
  readonly plan: RebuildPlan;
  readonly range: PartitionRange;
  /** The lowest checkpoint of the range when this run started (0 unless it resumed). */
  readonly from: number;
  /** Every partition of the range covers the log up to here. */
  readonly position: number;
  readonly events: number;
  readonly seconds: number;
  readonly eventsPerSecond: number;
  readonly outcome: ShareOutcome;
}

export interface ShareOptions extends Omit<RebuildOptions, "partitions" | "schema" | "activate" | "dropOld"> {
  /** A version made by `prepareRebuild`. */
  readonly schema: string;
  /** Default: every partition of the version. */
  readonly range?: PartitionRange;
}

/** The plan of a prepared version, refusing a version never prepared or a range outside its partitions. */
export async function checkRebuildShare(
  db: ReadModelDb,
  schema: string,
  range: PartitionRange | undefined,
): Promise<RebuildPlan> {
  const plan = await readRebuildPlan(db, schema);
  if (plan === null) {
    throw new RebuildRefused(
      `--version: ${schema} was not prepared for a rebuild by several processes; run projections:rebuild --prepare and pass the version it prints`,
    );
  }
  if (range !== undefined && range.last >= plan.partitions) {
    throw new RebuildRefused(
      `--partitions: ${schema} has ${plan.partitions} partitions, numbered 0 to ${plan.partitions - 1}; ${spell(range.first, range.last)} is outside them`,
    );
  }
  return plan;
}

/**
 * Fills one range of partitions of a prepared version (see above), then activates the version if this
 * was the last range missing. Refuses (RebuildRefused, before changing anything) a version never
 * prepared, a range outside its partitions, or one overlapping a range another process is filling.
 */
export async function rebuildShare(options: ShareOptions): Promise<ShareSummary> {
  const { db, schema } = options;
  await migrateProjectorTables(db);
  const plan = await checkRebuildShare(db, schema, options.range);
  const P = plan.partitions;
  const range = options.range ?? { first: 0, last: P - 1 };
  const versionKey = `motcua.read-models.rebuild.${schema}`;
  return db.connection().execute(async (session) => {
    const tryLock = async (partitions: readonly number[]) => {
      const { rows } = await sql<{ partition: number; locked: boolean }>`
        select p as partition, pg_try_advisory_lock(hashtext(${versionKey}), p) as locked
        from unnest(${partitions}::int[]) as p`.execute(session);
      return {
        busy: rows.filter((r) => !r.locked).map((r) => r.partition),
        locked: rows.filter((r) => r.locked).map((r) => r.partition),
      };
    };
    const unlock = (partitions: readonly number[]) =>
      sql`select pg_advisory_unlock(hashtext(${versionKey}), p) from unnest(${partitions}::int[]) as p`.execute(
        session,
      );
    const all = Array.from({ length: P }, (_, p) => p);
    const mine = all.filter((p) => p >= range.first && p <= range.last);
    const others = all.filter((p) => p < range.first || p > range.last);
    try {
      const { busy } = await tryLock(mine);
      if (busy.length > 0) {
        throw new RebuildRefused(
          `--partitions: partition${busy.length > 1 ? "s" : ""} ${spellPartitions(busy)} of ${schema} ${busy.length > 1 ? "are" : "is"} being filled by another process right now; give each process a range of its own`,
        );
      }
      // An activation holds every partition's lock: with ours held, it is over or cannot start.
      const activatedAt = await activatedAtOf(db, schema);
      if (activatedAt !== null) {
        return {
          plan,
          range,
          from: 0,
          position: 0,
          events: 0,
          seconds: 0,
          eventsPerSecond: 0,
          outcome: { kind: "already-activated", activatedAt },
        };
      }
      const filled = await fillPartitions({ ...options, partitions: P, range });

      // Finishers one at a time; the others' partition locks tell who is still filling.
      await sql`select pg_advisory_lock(hashtext('motcua.read-models.activate'), hashtext(${schema}))`.execute(
        session,
      );
      let outcome: ShareOutcome;
      try {
        const taken = await tryLock(others);
        try {
          outcome =
            taken.busy.length > 0
              ? { kind: "others-filling", partitions: taken.busy }
              : await activateIfCaughtUp(db, plan);
        } finally {
          await unlock([...mine, ...taken.locked]);
        }
      } finally {
        await sql`select pg_advisory_unlock(hashtext('motcua.read-models.activate'), hashtext(${schema}))`.execute(
          session,
        );
      }
      return { plan, range, ...filled, outcome };
    } finally {
      // Whatever happened above: the pooled session must not keep any of these locks.
      await sql`select pg_advisory_unlock_all()`.execute(session);
    }
  });
}

async function activatedAtOf(db: ReadModelDb, schema: string): Promise<string | null> {
  const version = (await listReadModelVersions(db)).find((v) => v.schemaName === schema);
  if (version === undefined) {
    throw new RebuildRefused(
      `--version: ${schema} is not a read-model version (dropped since it was prepared?)`,
    );
  }
  return version.activatedAt;
}

/** With every partition's lock held by the caller: activates the version if all reached the target. */
async function activateIfCaughtUp(db: ReadModelDb, plan: RebuildPlan): Promise<ShareOutcome> {
  const activatedAt = await activatedAtOf(db, plan.schema);
  if (activatedAt !== null) return { kind: "already-activated", activatedAt };
  const checkpoints = await readCheckpoints(db, plan.schema);
  const at = new Map(checkpoints.map((c) => [c.partition, c.position]));
  const behind = Array.from({ length: plan.partitions }, (_, p) => p).filter(
    (p) => (at.get(p) ?? 0) < plan.targetPosition,
  );
  if (behind.length > 0) return { kind: "behind", partitions: behind };
  // Filled: the secondary indexes deferred by prepareRebuild are built now, activated or not.
  await restoreDeferredIndexes(db, plan.schema);
  if (!plan.activate) return { kind: "caught-up-not-activated" };
  const previous = await activeReadModelVersion(db);
  await activateReadModelVersion(db, plan.schema);
  const dropped = plan.dropOld ? await dropOtherVersions(db, plan.schema) : [];
  return { kind: "activated", previous, dropped };
}

export type RebuildArgs =
  | { readonly mode: "one"; readonly activate: boolean; readonly dropOld: boolean }
  | { readonly mode: "prepare"; readonly activate: boolean; readonly dropOld: boolean }
  | { readonly mode: "share"; readonly schema: string; readonly range?: PartitionRange };

export const REBUILD_USAGE = [
  "usage: projections:rebuild [--no-activate] [--drop-old]             one process fills every partition",
  "       projections:rebuild --prepare [--no-activate] [--drop-old]   creates the next version for several processes, prints it",
  "       projections:rebuild --version rm_vN [--partitions a-b]       fills partitions a to b of that prepared version (all if omitted)",
].join("\n");

/** The command line of `projections:rebuild`, or what is wrong with it (naming the option and the rule). */
export function parseRebuildArgs(argv: readonly string[]): RebuildArgs | { error: string } {
  const flags = new Set<string>();
  const values = new Map<string, string>();
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    if (arg === "--prepare" || arg === "--no-activate" || arg === "--drop-old") flags.add(arg);
    else if (arg === "--version" || arg === "--partitions") {
      const value = argv[i + 1];
      if (value === undefined || value.startsWith("--")) return { error: `${arg} needs a value` };
      if (values.has(arg)) return { error: `${arg} is given twice` };
      values.set(arg, value);
      i++;
    } else return { error: `unknown option ${arg}` };
  }
  const activate = !flags.has("--no-activate");
  const dropOld = flags.has("--drop-old");
  const version = values.get("--version");
  const partitions = values.get("--partitions");
  if (flags.has("--prepare")) {
    if (version !== undefined || partitions !== undefined) {
      return {
        error: "--prepare takes no --version or --partitions: it creates the version the others fill",
      };
    }
    return { mode: "prepare", activate, dropOld };
  }
  if (version === undefined) {
    if (partitions !== undefined) {
      return { error: "--partitions needs --version: the version projections:rebuild --prepare printed" };
    }
    return { mode: "one", activate, dropOld };
  }
  if (!/^rm_v[1-9]\d{0,8}$/.test(version)) {
    return {
      error: `--version must name a read-model version like rm_v3 (as --prepare printed); got "${version}"`,
    };
  }
  if (flags.has("--no-activate") || flags.has("--drop-old")) {
    return { error: "--no-activate and --drop-old are chosen once, with --prepare; not with --version" };
  }
  if (partitions === undefined) return { mode: "share", schema: version };
  const range = parsePartitionRange(partitions);
  if ("error" in range) return range;
  return { mode: "share", schema: version, range };
}
