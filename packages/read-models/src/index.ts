export { type ContentTable, type TableChecksum, tableChecksums } from "./checksums";
export type * from "./database";
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
} from "./dossiers/queries";
export * from "./errors";
export { partitionOf } from "./partition";
export {
  type DelaysQuery,
  delaysByHoldingUnit,
  listProcessSteps,
  type ProcessStepView,
  type UnitDelays,
} from "./process-control/queries";
export {
  ensureCheckpoints,
  type PartitionCheckpoint,
  readCheckpoints,
  readPosition,
} from "./projection/checkpoints";
export {
  type ParsedEvent,
  type ProjectableEvent,
  type ProjectedDossierEvent,
  parseProjectableEvent,
} from "./projection/events";
export { type ProjectOptions, type ProjectResult, projectEvents } from "./projection/project-events";
export { type Indicators, indicators, WORKING_DAY_MINUTES } from "./reports/indicators";
export { MAX_PERIOD_YEARS, type Period, parsePeriod } from "./reports/period";
export {
  type Report06a,
  type Report06aCounts,
  type Report06aRow,
  type ReportQuery,
  report06a,
} from "./reports/report06a";
export { assertSchemaName, readModelSchemaName } from "./schema-name";
export {
  type AnyKysely,
  activateReadModelVersion,
  activeReadModelVersion,
  dropReadModelVersion,
  listReadModelVersions,
  migrateReadModels,
  REGISTRY_SCHEMA,
  type ReadModelVersion,
} from "./versions";
