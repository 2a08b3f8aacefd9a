export {
  holdRebuildLock,
  REBUILD_LOCK_KEY,
  RebuildGate,
  SCHEDULER_LOCK_KEY,
} from "./coordination";
export {
  type DeadlineRow,
  migrateSchedulerTables,
  readCheckpoint,
  SCHEDULER_SCHEMA,
  type SchedulerDatabase,
  WATCHER_CHECKPOINT,
} from "./database";
export type { FiringResult } from "./deadlines/firing";
export { deadlineOccasion, foldDeadline } from "./deadlines/fold";
export {
  DEADLINE_QUEUE,
  type DeadlineJobData,
  type DeadlineJobKind,
  deadlineJobId,
  NOTIFICATION_QUEUE,
  type NotificationJobData,
  notificationJobId,
} from "./deadlines/jobs";
export { dueDayOpeningAt, dueSoonAt, subtractWorkingTime, warningMoments } from "./deadlines/warning-times";
export { createSchedulerMetrics, type SchedulerMetrics } from "./metrics";
export {
  NotActiveError,
  type NotificationOptions,
  type Scheduler,
  type SchedulerOptions,
  type SchedulerRole,
  type SchedulerState,
  type SweepResult,
  startScheduler,
} from "./scheduler";
