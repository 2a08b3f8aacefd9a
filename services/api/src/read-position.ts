import type { FastifyReply } from "fastify";
import { z } from "zod";
import { AppError } from "./problem";

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
