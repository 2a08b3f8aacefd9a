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
  type RebuildOptions,
  type RebuildProgress,
  type RebuildSummary,
  rebuildReadModels,
} from "./rebuild";
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
