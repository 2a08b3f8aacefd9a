export { type BullBoardOptions, mountBullBoard } from "./bull-board";
export {
  type DeadLetter,
  haltedPartitions,
  markDeadLettersReplayed,
  migrateProjectorTables,
  openDeadLetters,
  PROJECTOR_SCHEMA,
  recordDeadLetter,
} from "./dead-letters";
export {
  FEEDER_LOCK_KEY,
  type Feeder,
  type FeederOptions,
  type FeederState,
  PROJECTION_JOB_OPTIONS,
  startFeeder,
} from "./feeder";
export {
  type JobEvent,
  PROJECTION_QUEUE,
  type ProjectionJobData,
  parseProjectionJobData,
  projectionJobId,
  toJobEvent,
} from "./job";
export {
  createProjectionQueue,
  type Projector,
  type ProjectorOptions,
  startProjector,
  waitForReadPosition,
} from "./projector";
export {
  nextReadModelVersion,
  type PartitionRange,
  prepareRebuild,
  type RebuildOptions,
  type RebuildPlan,
  type RebuildProgress,
  RebuildRefused,
  type RebuildSummary,
  rebuildReadModels,
  rebuildShare,
  type ShareOutcome,
  type ShareSummary,
} from "./rebuild";
export { openRebuildGate, type RebuildGate } from "./rebuild-gate";
export { type ReplayResult, replayDeadLetters } from "./replay";
export {
  formatProjectionStatus,
  type PartitionStatus,
  type ProjectionStatus,
  projectionStatus,
} from "./status";
export {
  applyProjectionJob,
  type JobOutcome,
  type ProjectionWorker,
  type ProjectionWorkerOptions,
  startProjectionWorker,
  transientRetryDelayMs,
} from "./worker";
