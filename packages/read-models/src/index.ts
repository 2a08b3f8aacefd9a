export { ActiveVersionCache, ensureActiveReadModelVersion } from "./active-version";
export { type ContentTable, type TableChecksum, tableChecksums } from "./checksums";
export type * from "./database";
export * from "./errors";
export {
  type ParsedEvent,
  type ProjectableEvent,
  type ProjectedDossierEvent,
  parseProjectableEvent,
} from "./events";
export {
  FEEDBACK_STATUS_FILTERS,
  FEEDBACK_STATUSES,
  type FeedbackCounts,
  type FeedbackPage,
  type FeedbackRowStatus,
  type FeedbackStatusFilter,
  type FeedbackSummary,
  type FeedbackSummaryQuery,
  type FeedbackView,
  feedbackSummary,
  getFeedback,
  type ListFeedbackQuery,
  listFeedback,
} from "./feedback/queries";
export {
  GROUP_MAX_766,
  GROUP_NAMES_766,
  GROUPS_766,
  type Group766,
  SUB_INDICATORS_766,
  type SubIndicator766,
} from "./indicators-766/definitions";
export { type Indicators766Query, indicators766, type Scope766 } from "./indicators-766/indicators766";
export {
  type Figures766,
  type Indicator766Value,
  type Score766,
  score766,
} from "./indicators-766/score";
export { partitionOf } from "./partition";
export { MAX_PERIOD_YEARS, type Period, parsePeriod } from "./period";
export {
  type DelaysQuery,
  delaysByHoldingUnit,
  listProcessSteps,
  type ProcessStepView,
  type UnitDelays,
} from "./process-steps/queries";
export {
  ensureCheckpoints,
  type PartitionCheckpoint,
  readCheckpoints,
  readPosition,
} from "./projection/checkpoints";
export {
  type PartitionSlice,
  type ProjectOptions,
  type ProjectResult,
  projectEvents,
  projectPartitions,
} from "./projection/project-events";
export {
  isDossierRated,
  isRatedByCode,
  type RatingSummary,
  type RatingSummaryQuery,
  ratingSummary,
} from "./ratings/queries";
export { type Indicators, indicators, indicatorsByGroup, WORKING_DAY_MINUTES } from "./report-06a/indicators";
export {
  REPORT_06A_COUNT_KEYS,
  type Report06a,
  type Report06aCounts,
  type Report06aRow,
  type ReportQuery,
  report06a,
} from "./report-06a/report06a";
export { assertSchemaName, readModelSchemaName } from "./schema-name";
export {
  type AnyKysely,
  activateReadModelVersion,
  activeReadModelVersion,
  deferSecondaryIndexes,
  dropReadModelVersion,
  listReadModelVersions,
  migrateReadModels,
  REGISTRY_SCHEMA,
  type ReadModelVersion,
  restoreDeferredIndexes,
} from "./versions";
export {
  type DossierPage,
  type DossierView,
  getDossier,
  getDossierByCode,
  type ListDossiersQuery,
  listDossiers,
  listSubmissions,
  type PublicDossierView,
  type ReceivedStatus,
  type SubmissionView,
} from "./worklist/queries";
