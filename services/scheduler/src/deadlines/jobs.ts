import type { JobsOptions } from "bullmq";
import type { DeadlineRow } from "../database";

/** BullMQ queues of the scheduler, under the deployment's prefix (REDIS_PREFIX). */
export const DEADLINE_QUEUE = "scheduler-deadlines";
export const NOTIFICATION_QUEUE = "scheduler-notifications";

export const DEADLINE_JOB_KINDS = ["overdue", "due-soon", "due-today"] as const;
export type DeadlineJobKind = (typeof DEADLINE_JOB_KINDS)[number];

/** A deadline job's whole payload: ids and instants, never anything about the applicant. */
export interface DeadlineJobData {
  readonly dossierId: string;
  readonly dueAtMs: number;
}

export interface NotificationJobData {
  readonly outboxId: number;
}

/** `overdue:<dossierId>:<dueAtMs>`: the same deadline always gives the same job, so adding it twice adds one. */
export const deadlineJobId = (kind: DeadlineJobKind, dossierId: string, dueAtMs: number): string =>
  `${kind}:${dossierId}:${dueAtMs}`;

/** `notify:<outboxId>:<requeues>`: a re-queued notice gets a new job, its failed one stays as the record. */
export const notificationJobId = (outboxId: number, requeues: number): string =>
  `notify:${outboxId}:${requeues}`;

/** The jobs a row's current deadline calls for: each effect not yet done, at its moment. */
export function deadlineJobs(row: DeadlineRow, warnings = true): { kind: DeadlineJobKind; at: number }[] {
  if (!row.clockRunning || row.dueAt === null) return [];
  const jobs: { kind: DeadlineJobKind; at: number }[] = [];
  if (row.overdueFor !== row.dueAt) jobs.push({ kind: "overdue", at: row.dueAt });
  if (!warnings) return jobs;
  if (row.dueSoonAt !== null && row.dueSoonFor !== row.dueAt)
    jobs.push({ kind: "due-soon", at: row.dueSoonAt });
  if (row.dueTodayAt !== null && row.dueTodayFor !== row.dueAt)
    jobs.push({ kind: "due-today", at: row.dueTodayAt });
  return jobs;
}

/**
 * Firing a deadline is idempotent and cheap to repeat, so jobs retry a few times on errors (a database
 * restart) and leave the rest to the sweep. The deadlines table, not Redis, remembers what was done, so
 * finished jobs need not be kept.
 */
export const DEADLINE_JOB_OPTIONS: JobsOptions = {
  attempts: 5,
  backoff: { type: "exponential", delay: 1_000 },
  removeOnComplete: true,
  removeOnFail: { age: 7 * 86_400, count: 10_000 },
};
