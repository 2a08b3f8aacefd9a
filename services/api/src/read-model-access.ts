import {
  ActiveVersionCache,
  InvalidQueryError,
  type ReadModelDb,
  readCheckpoints,
  readPosition,
} from "@motcua/read-models";
import { type ReferenceDb, unitNames } from "@motcua/reference-data";
import { AppError, problemResponse } from "./problem";
import { waitForPosition } from "./read-position";

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
