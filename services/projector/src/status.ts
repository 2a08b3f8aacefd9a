import type { EventStore } from "@motcua/event-store";
import {
  activeReadModelVersion,
  listReadModelVersions,
  type ReadModelDb,
  type ReadModelVersion,
  readCheckpoints,
  readPosition,
} from "@motcua/read-models";
import type { Queue } from "bullmq";
import { type DeadLetter, haltedPartitions, openDeadLetters } from "./dead-letters";

export interface PartitionStatus {
  readonly partition: number;
  readonly checkpoint: number;
  /** head − checkpoint: how many positions of the log this partition has yet to cover. */
  readonly lag: number;
  /** Stopped at a dead letter. */
  readonly halted: boolean;
}

export interface ProjectionStatus {
  readonly activeVersion: string | null;
  readonly versions: readonly ReadModelVersion[];
  readonly head: number;
  /** What queries of the active version reflect (the lowest checkpoint). */
  readonly readPosition: number;
  readonly partitions: readonly PartitionStatus[];
  readonly queue: Readonly<Record<string, number>>;
  readonly deadLetters: readonly DeadLetter[];
}

const QUEUE_STATES = ["waiting", "active", "delayed", "prioritized", "failed", "completed"] as const;

/** Checkpoints, lag and dead letters of the active version, and the queue's counts. */
export async function projectionStatus(deps: {
  store: EventStore;
  db: ReadModelDb;
  queue: Queue;
}): Promise<ProjectionStatus> {
  const { store, db, queue } = deps;
  const [activeVersion, versions, head, counts, deadLetters] = await Promise.all([
    activeReadModelVersion(db),
    listReadModelVersions(db).catch(() => []),
    store.headPosition(),
    queue.getJobCounts(...QUEUE_STATES),
    openDeadLetters(db).catch(() => []),
  ]);
  if (activeVersion === null) {
    return { activeVersion, versions, head, readPosition: 0, partitions: [], queue: counts, deadLetters };
  }
  const [checkpoints, position, halted] = await Promise.all([
    readCheckpoints(db, activeVersion),
    readPosition(db, activeVersion),
    haltedPartitions(db, activeVersion).catch(() => new Set<number>()),
  ]);
  return {
    activeVersion,
    versions,
    head,
    readPosition: position,
    partitions: checkpoints.map((c) => ({
      partition: c.partition,
      checkpoint: c.position,
      lag: Math.max(0, head - c.position),
      halted: halted.has(c.partition),
    })),
    queue: counts,
    deadLetters,
  };
}

function table(
  headers: readonly string[],
  rows: readonly (readonly string[])[],
  rightAligned: ReadonlySet<number>,
) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? "").length)));
  const line = (cells: readonly string[]) =>
    cells
      .map((cell, i) => (rightAligned.has(i) ? cell.padStart(widths[i] ?? 0) : cell.padEnd(widths[i] ?? 0)))
      .join("  ")
      .trimEnd();
  return [line(headers), line(widths.map((w) => "─".repeat(w))), ...rows.map(line)].join("\n");
}

const n = (value: number) => value.toLocaleString("en-US");

/** The status as the operator reads it: a few lines and tables. */
export function formatProjectionStatus(status: ProjectionStatus): string {
  const out: string[] = [];
  out.push(`active version  ${status.activeVersion ?? "(none: the projector creates one at start)"}`);
  const others = status.versions.filter((v) => !v.active).map((v) => v.schemaName);
  if (others.length > 0) out.push(`other versions  ${others.join(", ")}`);
  out.push(`log head        ${n(status.head)}`);
  out.push(
    `read position   ${n(status.readPosition)}  (lag ${n(Math.max(0, status.head - status.readPosition))})`,
  );
  out.push(
    `queue           ${Object.entries(status.queue)
      .map(([state, count]) => `${state} ${n(count)}`)
      .join(" · ")}`,
  );
  if (status.partitions.length > 0) {
    out.push("");
    out.push(
      table(
        ["partition", "checkpoint", "lag", "state"],
        status.partitions.map((p) => [
          String(p.partition),
          n(p.checkpoint),
          n(p.lag),
          p.halted ? "HALTED (dead letter)" : p.lag === 0 ? "caught up" : "behind",
        ]),
        new Set([0, 1, 2]),
      ),
    );
  }
  out.push("");
  if (status.deadLetters.length === 0) out.push("dead letters    none");
  else {
    out.push(
      `dead letters    ${status.deadLetters.length} (replay with: pnpm projections:replay <job-id> | --all)`,
    );
    out.push(
      table(
        ["job id", "version", "partition", "event", "type", "error", "failed at"],
        status.deadLetters.map((d) => [
          d.jobId,
          d.schema,
          String(d.partition),
          d.eventPosition === null ? "" : n(d.eventPosition),
          d.eventType ?? "",
          d.errorMessage.length > 80 ? `${d.errorMessage.slice(0, 77)}…` : d.errorMessage,
          d.failedAt,
        ]),
        new Set([2, 3]),
      ),
    );
  }
  return out.join("\n");
}
