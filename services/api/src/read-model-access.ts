import {
  ActiveVersionCache,
  InvalidQueryError,
  type ReadModelDb,
  readCheckpoints,
  readPosition,
} from "@motcua/read-models";
import { type ReferenceDb, unitNames } from "@motcua/reference-data";
import type { FastifyReply } from "fastify";
import { z } from "zod";
import { AppError, problemResponse } from "./problem";

/*
 * Reading the read models: at which global position (every read answers it, `?minPosition=` waits for
 * it), in the active version's schema, with the problems a read may answer.
 */
export const READ_POSITION_HEADER = "x-read-position";
/** Where a read was answered from: `replica` (DATABASE_READ_URL) or `primary`. */
export const READ_SOURCE_HEADER = "x-read-source";
export type ReadSource = "primary" | "replica";

/** Every read answers the global event position its read models reflect. */
export const positionField = z
  .number()
  .int()
  .nonnegative()
  .meta({ description: "The global event position the answer reflects (also in X-Read-Position)" });

/** Adds `position` to a read's response schema. */
export const withPosition = <Shape extends z.ZodRawShape>(schema: z.ZodObject<Shape>) =>
  schema.extend({ position: positionField });

/** `?minPosition=N`: wait until the read models reach N (at most 5 s) before answering. */
export const minPositionQuery = z.object({
  minPosition: z.coerce
    .number()
    .int()
    .nonnegative()
    .optional()
    .meta({ description: "Wait (at most 5 s) until the read models reflect this global position" }),
});

/** Sets `X-Read-Position` and returns the body with `position`, for a route handler to return. */
export function answerAtPosition<Body extends object>(
  reply: FastifyReply,
  position: number,
  body: Body,
): Body & { position: number } {
  reply.header(READ_POSITION_HEADER, String(position));
  return { ...body, position };
}

export interface WaitForPositionOptions {
  readonly minPosition: number | undefined;
  /** The position the read models have reached now. */
  readonly currentPosition: () => Promise<number>;
  readonly timeoutMs?: number;
  readonly pollMs?: number;
  readonly signal?: AbortSignal;
}

/**
 * Resolves with the read models' position once it is at least `minPosition` (at once when none was asked
 * for), polling; after `timeoutMs` (5 s) throws a 503 problem with Retry-After.
 */
export async function waitForPosition(options: WaitForPositionOptions): Promise<number> {
  const { minPosition, currentPosition, timeoutMs = 5_000, pollMs = 50, signal } = options;
  let position = await currentPosition();
  if (minPosition === undefined || position >= minPosition) return position;
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (signal?.aborted) break;
    await new Promise((resolve) => setTimeout(resolve, Math.min(pollMs, Math.max(0, deadline - Date.now()))));
    position = await currentPosition();
    if (position >= minPosition) return position;
  }
  throw new AppError(
    503,
    "read.position_not_reached",
    `The read models have reached position ${position}, not yet ${minPosition}; retry shortly`,
    { headers: { "retry-after": "1" }, extensions: { position, minPosition } },
  );
}

/** How long a read waits for a replica to reach `minPosition` before it asks the primary instead. */
export const REPLICA_WAIT_MS = 1_000;
/** A replica that failed (down, refusing, a query cancelled by recovery) is left alone this long. */
export const REPLICA_RETRY_MS = 5_000;

/** A read answered: the query's result, the position it reflects and where it was read. */
export interface ReadAnswer<Result> {
  readonly result: Result;
  readonly position: number;
  readonly source: ReadSource;
}

class Replica {
  readonly active: ActiveVersionCache;
  downUntil = 0;

  constructor(readonly db: ReadModelDb) {
    this.active = new ActiveVersionCache(db, 1_000);
  }
}

/**
 * A failure that says the server (not the query) is the problem: no connection, a terminated session,
 * a standby cancelling the query for replay (40001) or in recovery. Anything else is the query's own.
 */
function serverUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown }).code;
  if (typeof code === "string") {
    return (
      /^(08|57P|53)/.test(code) || code === "40001" || /^E(CONNREFUSED|CONNRESET|TIMEDOUT|PIPE)/.test(code)
    );
  }
  const message = error instanceof Error ? error.message : "";
  return /Connection terminated|connect ECONNREFUSED|timeout exceeded when trying to connect|Client has encountered a connection error/i.test(
    message,
  );
}

/**
 * The active version's schema, looked up at most once a second (a rebuild switches it), and the read
 * models' position — on the primary, and on the read replicas (`DATABASE_READ_URL`) that worklists and
 * reports read from through `read`.
 */
export class ReadModelAccess {
  private readonly active: ActiveVersionCache;
  private readonly replicas: Replica[];
  private readonly replicaWaitMs: number;
  private readonly timeoutMs: number;
  private next = 0;

  constructor(
    readonly db: ReadModelDb,
    options: {
      /** Streaming replicas of `db`'s database; reads go to them in turn, each one that answers. */
      readonly replicas?: readonly ReadModelDb[];
      readonly replicaWaitMs?: number;
      readonly timeoutMs?: number;
    } = {},
  ) {
    this.active = new ActiveVersionCache(db, 1_000);
    this.replicas = (options.replicas ?? []).map((replica) => new Replica(replica));
    this.replicaWaitMs = options.replicaWaitMs ?? REPLICA_WAIT_MS;
    this.timeoutMs = options.timeoutMs ?? 5_000;
  }

  async schema(): Promise<string> {
    const schema = await this.active.current();
    if (!schema)
      throw new AppError(503, "read_models.not_ready", "The read models are not set up yet; retry shortly", {
        headers: { "retry-after": "1" },
      });
    return schema;
  }

  /** The global position every read answers: every event at or below it is reflected. */
  async position(): Promise<number> {
    return readPosition(this.db, await this.schema());
  }

  /** The read models' position once it reaches `minPosition` (503 after 5 s). */
  waitFor(minPosition: number | undefined): Promise<number> {
    return waitForPosition({
      minPosition,
      currentPosition: () => this.position(),
      timeoutMs: this.timeoutMs,
    });
  }

  /**
   * Runs `query` on a read replica when there are any (in turn, skipping one that failed in the last
   * 5 s), once that replica's read models reflect `minPosition`: the answer's position is the replica's
   * own. A replica that has not reached it within a second, or that fails, hands the read to the
   * primary, which waits out the rest of the 5 s (then 503). Sets `X-Read-Position` and `X-Read-Source`.
   */
  async read<Result>(
    minPosition: number | undefined,
    reply: FastifyReply | null,
    query: (db: ReadModelDb, schema: string) => Promise<Result>,
  ): Promise<ReadAnswer<Result>> {
    const started = Date.now();
    const answer = (await this.fromReplica(minPosition, query)) ?? {
      ...(await this.fromPrimary(minPosition, query, this.timeoutMs - (Date.now() - started))),
      source: "primary" as const,
    };
    reply?.header(READ_POSITION_HEADER, String(answer.position));
    reply?.header(READ_SOURCE_HEADER, answer.source);
    return answer;
  }

  private async fromPrimary<Result>(
    minPosition: number | undefined,
    query: (db: ReadModelDb, schema: string) => Promise<Result>,
    timeoutMs: number,
  ): Promise<{ result: Result; position: number }> {
    const position = await waitForPosition({
      minPosition,
      currentPosition: () => this.position(),
      timeoutMs: Math.max(0, timeoutMs),
    });
    return { result: await query(this.db, await this.schema()), position };
  }

  /** Undefined when no replica could answer in time: the primary answers then. */
  private async fromReplica<Result>(
    minPosition: number | undefined,
    query: (db: ReadModelDb, schema: string) => Promise<Result>,
  ): Promise<ReadAnswer<Result> | undefined> {
    const count = this.replicas.length;
    for (let tried = 0; tried < count; tried++) {
      const replica = this.replicas[this.next++ % count] as Replica;
      if (replica.downUntil > Date.now()) continue;
      try {
        const schema = await replica.active.current();
        if (!schema) return undefined; // not replicated yet: the primary says whether it is set up
        const deadline = Date.now() + this.replicaWaitMs;
        let position = await readPosition(replica.db, schema);
        while (minPosition !== undefined && position < minPosition) {
          // Behind: another replica would be no further along in general; the primary is.
          if (Date.now() >= deadline) return undefined;
          await new Promise((resolve) => setTimeout(resolve, 20));
          position = await readPosition(replica.db, schema);
        }
        return { result: await query(replica.db, schema), position, source: "replica" };
      } catch (error) {
        if (!serverUnavailable(error)) throw error;
        replica.downUntil = Date.now() + REPLICA_RETRY_MS;
      }
    }
    return undefined;
  }
}

/** The problems every read through the read models may answer, for its route schema. */
export const readErrors = {
  400: problemResponse("Invalid query, naming the parameter and the rule"),
  401: problemResponse("No or bad token"),
  403: problemResponse("Not allowed for this caller"),
  404: problemResponse("Unknown"),
  503: problemResponse("The read models have not reached `minPosition` in 5 s; retry"),
};

/** Bad period or cursor: 400 naming the query parameter. */
export function queryError(error: unknown): never {
  if (error instanceof InvalidQueryError) {
    throw new AppError(400, "request.invalid", error.message, {
      title: "Invalid request",
      errors: [{ path: `query.${error.parameter}`, message: error.message.replace(/^[^:]+: /, "") }],
    });
  }
  throw error;
}

/** Each item with its unit's name beside its id (null for a unit no longer in the reference data). */
export async function withUnitNames<T extends { unitId: string }>(db: ReferenceDb, items: readonly T[]) {
  const names = await unitNames(
    db,
    items.map((i) => i.unitId),
  );
  return items.map((i) => ({ ...i, unitName: names.get(i.unitId) ?? null }));
}

/**
 * How far each projection partition trails the log's head: the events the read models have not applied
 * yet. The metrics plugin publishes it as `motcua_projection_lag`.
 */
export async function projectionLag(
  access: ReadModelAccess,
  headPosition: () => Promise<number>,
): Promise<{ partition: number; lag: number }[]> {
  // The schema first: awaited inside Promise.all's arguments, its failure would leave the head's query
  // unawaited, and that query's failure an unhandled rejection that ends the process (a Postgres restart).
  const schema = await access.schema();
  const [head, checkpoints] = await Promise.all([headPosition(), readCheckpoints(access.db, schema)]);
  return checkpoints.map((c) => ({ partition: c.partition, lag: Math.max(0, head - c.position) }));
}
