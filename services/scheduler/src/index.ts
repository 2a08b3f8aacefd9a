export {
  holdRebuildLock,
  REBUILD_LOCK_KEY,
  RebuildGate,
  SCHEDULER_LOCK_KEY,
} from "./coordination";
export {
  type DeadlineRow,
  migrateSchedulerTables,
  OUTBOX_STATUSES,
  type OutboxStatus,
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
  CHANNEL_NAMES,
  type ChannelName,
  type ContactResolver,
  createEventStoreContactResolver,
  createRecordingChannel,
  DEFAULT_ROUTES,
  type NotificationChannel,
  type NotificationRoutes,
  type OutgoingNotification,
  type Recipient,
  type RecordedMessage,
  type RecordingChannel,
} from "./notifications/channels";
export {
  formatDeadLetters,
  parseDeadLetterArgs,
  parseRequeueArgs,
  type RequeueTarget,
} from "./notifications/operator";
export {
  countDeadLetters,
  listDeadLetters,
  listOutbox,
  type OutboxNotice,
  type OutboxQuery,
  type OutboxRef,
  redactContact,
  requeueFailed,
} from "./notifications/outbox";
export {
  formatVietnamDateTime,
  NOTICE_KINDS,
  type NoticeFacts,
  type NoticeKind,
  type RecipientKind,
  renderNotice,
} from "./notifications/templates";
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
