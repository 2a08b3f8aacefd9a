import { Counter, Gauge, Histogram, Registry } from "prom-client";

export type NotificationOutcome = "sent" | "retried" | "dead_lettered" | "no_contact";
export type FiringSource = "job" | "sweep";
export type FiringOutcome = "recorded" | "nothing" | "not_yet" | "paused" | "error";

export interface SchedulerMetrics {
  /** The scheduler's registry: pass one in to serve these from an existing `/metrics`. */
  readonly registry: Registry;
  /** `motcua_notifications_total{kind,channel,outcome}`: every attempt's outcome. */
  readonly notifications: Counter<"kind" | "channel" | "outcome">;
  /** `motcua_notifications_recorded_total{kind}`: notices written to the outbox (once each). */
  readonly noticesRecorded: Counter<"kind">;
  /** `motcua_notifications_dead_letters`: notices whose every attempt failed, still waiting for an operator. */
  readonly deadLetters: Gauge;
  /** `motcua_deadline_firings_total{kind,source,outcome}`: deadline effects tried, by job or by sweep. */
  readonly firings: Counter<"kind" | "source" | "outcome">;
  /** `motcua_overdue_detection_lateness_seconds`: clock time from dueAt to the overdue event's append. */
  readonly overdueLateness: Histogram;
  /** `motcua_scheduler_checkpoint_position`: the log position the watcher has applied. */
  readonly checkpoint: Gauge;
  /** `motcua_scheduler_active`: 1 while this process is the deployment's active scheduler. */
  readonly active: Gauge;
  /** `motcua_scheduler_paused_for_rebuild`: 1 while a read-model rebuild holds the scheduler off. */
  readonly pausedForRebuild: Gauge;
}

export function createSchedulerMetrics(
  registry: Registry = new Registry(),
  countDeadLetters?: () => Promise<number>,
): SchedulerMetrics {
  const registers = [registry];
  return {
    registry,
    notifications: new Counter({
      name: "motcua_notifications_total",
      help: "Notification send attempts by notice kind, channel and outcome (sent, retried, dead_lettered, no_contact)",
      labelNames: ["kind", "channel", "outcome"] as const,
      registers,
    }),
    noticesRecorded: new Counter({
      name: "motcua_notifications_recorded_total",
      help: "Notices written to the outbox, by kind (each notice once per channel)",
      labelNames: ["kind"] as const,
      registers,
    }),
    deadLetters: new Gauge({
      name: "motcua_notifications_dead_letters",
      help: "Notices whose every attempt failed, kept in the outbox as failed until re-queued",
      registers,
      async collect() {
        if (countDeadLetters) this.set(await countDeadLetters().catch(() => 0));
      },
    }),
    firings: new Counter({
      name: "motcua_deadline_firings_total",
      help: "Deadline effects (overdue, due-soon, due-today) tried, by source (job, sweep) and outcome",
      labelNames: ["kind", "source", "outcome"] as const,
      registers,
    }),
    overdueLateness: new Histogram({
      name: "motcua_overdue_detection_lateness_seconds",
      help: "Clock seconds from a deadline to the append of its overdue event (the event itself says dueAt)",
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 120, 300, 3_600, 86_400],
      registers,
    }),
    checkpoint: new Gauge({
      name: "motcua_scheduler_checkpoint_position",
      help: "The event-log position the deadline watcher has applied",
      registers,
    }),
    active: new Gauge({
      name: "motcua_scheduler_active",
      help: "1 while this process is the deployment's active scheduler, 0 on standby",
      registers,
    }),
    pausedForRebuild: new Gauge({
      name: "motcua_scheduler_paused_for_rebuild",
      help: "1 while a read-model rebuild holds the scheduler off",
      registers,
    }),
  };
}
