import type { EventStore } from "@motcua/event-store";
import { partitionOf, type ReadModelDb, readCheckpoints } from "@motcua/read-models";
import type { Queue } from "bullmq";
import { type DeadLetter, markDeadLettersReplayed } from "./dead-letters";
import { PROJECTION_JOB_OPTIONS } from "./feeder";
import {
  type JobEvent,
  type ProjectionJobData,
  projectionJobId,
  projectionJobPriority,
  toJobEvent,
} from "./job";

export interface ReplayResult {
  /** The letters closed and whose jobs were queued again. */
  readonly replayed: readonly DeadLetter[];
}

/**
 * After a fix (a projection that learnt the event, an upcaster), puts dead-lettered jobs back: closes
 * their letters, so their partitions are no longer halted, and queues each job again with its events
 * read afresh from the store (the fix may be in how they are read). The feeder sees the partition
 * released and sends what it held back meanwhile. A job that fails again gets a new letter.
 */
export async function replayDeadLetters(
  deps: { store: EventStore; db: ReadModelDb; queue: Queue<ProjectionJobData> },
  target: readonly string[] | "all",
): Promise<ReplayResult> {
  const { store, db, queue } = deps;
  const replayed = await markDeadLettersReplayed(db, target);
  for (const letter of replayed) {
    const failed = await queue.getJob(letter.jobId);
    if (failed !== undefined) await failed.remove().catch(() => {});
    if (letter.partition < 0) continue; // a malformed job: nothing to rebuild it from
    const partitions = (await readCheckpoints(db, letter.schema)).length;
    const events: JobEvent[] = [];
    for await (const event of store.readAll({
      fromPosition: letter.fromPosition,
      maxCount: Math.max(1, letter.throughPosition - letter.fromPosition),
      personalData: "omit",
    })) {
      if (event.position > letter.throughPosition) break;
      if (partitionOf(event.streamId, partitions) === letter.partition) events.push(toJobEvent(event));
    }
    const data: ProjectionJobData = {
      schema: letter.schema,
      partition: letter.partition,
      fromPosition: letter.fromPosition,
      throughPosition: letter.throughPosition,
      events,
    };
    await queue.add("project", data, {
      ...PROJECTION_JOB_OPTIONS,
      jobId: projectionJobId(data),
      priority: projectionJobPriority(data.fromPosition),
    });
  }
  return { replayed };
}
