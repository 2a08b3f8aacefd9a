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

/** The active version's schema, looked up at most once a second (a rebuild switches it). */
export class ReadModelAccess {
  private readonly active: ActiveVersionCache;

  constructor(readonly db: ReadModelDb) {
    this.active = new ActiveVersionCache(db, 1_000);
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
    return waitForPosition({ minPosition, currentPosition: () => this.position() });
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
  const [head, checkpoints] = await Promise.all([
    headPosition(),
    readCheckpoints(access.db, await access.schema()),
  ]);
  return checkpoints.map((c) => ({ partition: c.partition, lag: Math.max(0, head - c.position) }));
}
