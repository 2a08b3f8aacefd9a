import { withoutPersonalData } from "@motcua/domain";
import type { EventStore, ProjectionEvent } from "@motcua/event-store";
import type { ProjectableEvent } from "@motcua/read-models";

/**
 * A page of the log as projections read it: the store's lean read where it has one (no ids or hashes),
 * else readAll without the sealed values.
 */
export const readForProjection = (
  store: EventStore,
  fromPosition: number,
  maxCount: number,
): AsyncIterable<ProjectionEvent> =>
  store.readAllForProjection?.({ fromPosition, maxCount }) ??
  store.readAll({ fromPosition, maxCount, personalData: "omit" });

/** The one BullMQ queue of projection jobs (keys under the deployment's REDIS_PREFIX). */
export const PROJECTION_QUEUE = "projections";

/** An event as a job carries it: what the projection reads, nothing else (no ids, hashes, applicant or free text). */
export interface JobEvent extends ProjectableEvent {
  readonly data: Record<string, unknown>;
}

/**
 * One partition's slice of the log: every event of `partition` in (fromPosition, throughPosition], in
 * ascending position. A job is applied only once the partition's checkpoint has reached `fromPosition`.
 */
export interface ProjectionJobData {
  /** The read-model version (Postgres schema) the job feeds. */
  readonly schema: string;
  readonly partition: number;
  readonly fromPosition: number;
  readonly throughPosition: number;
  readonly events: readonly JobEvent[];
}

/** Deterministic: the same slice of the log always gets the same id, so re-adding it adds nothing. */
export const projectionJobId = (
  job: Pick<ProjectionJobData, "schema" | "partition" | "fromPosition" | "throughPosition">,
) => `${job.schema}:${job.partition}:${job.fromPosition}-${job.throughPosition}`;

/** BullMQ's highest priority number (1 is served first). */
const PRIORITY_LIMIT = 2 ** 21 - 1;
/** Positions per priority step: jobs within one step keep the order they were added in. */
const PRIORITY_STEP = 1_024;

/**
 * Jobs are served oldest slice of the log first: a job's predecessor in its partition always starts
 * lower, so it is never stuck behind a queue of successors that arrived early and were put back. The
 * priority is the start position in steps of 1,024, wrapping after about two billion positions (a wrap
 * only costs order for a moment, never correctness: an early job waits and is tried again).
 */
export const projectionJobPriority = (fromPosition: number): number =>
  1 + (Math.floor(fromPosition / PRIORITY_STEP) % (PRIORITY_LIMIT - 1));

/**
 * What a job carries of a recorded event: the applicant and free text (document names, reasons, notes,
 * step names) are dropped, even from events stored before free text was sealed, and so is everything
 * else the projection ignores.
 */
export function toJobEvent(event: ProjectionEvent): JobEvent {
  const data = withoutPersonalData(event.type, event.data);
  return {
    streamId: event.streamId,
    revision: event.revision,
    position: event.position,
    type: event.type,
    schemaVersion: event.schemaVersion,
    data,
    metadata: { occurredAt: event.metadata.occurredAt, actor: event.metadata.actor },
  };
}

const isWhole = (value: unknown): value is number => Number.isSafeInteger(value) && (value as number) >= 0;

/** A job's data as stored in Redis is untrusted input: anything malformed is refused. */
export function parseProjectionJobData(value: unknown): ProjectionJobData | null {
  if (typeof value !== "object" || value === null) return null;
  const job = value as Record<string, unknown>;
  if (typeof job.schema !== "string" || !/^[a-z][a-z0-9_]{0,62}$/.test(job.schema)) return null;
  if (!isWhole(job.partition) || !isWhole(job.fromPosition) || !isWhole(job.throughPosition)) return null;
  if (job.throughPosition < job.fromPosition || !Array.isArray(job.events)) return null;
  return job as unknown as ProjectionJobData;
}
