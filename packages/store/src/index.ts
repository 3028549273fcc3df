export { systemClock, ManualClock } from "./clock.js";
export type { Clock } from "./clock.js";
export { terminalStatuses } from "./run-state-store.js";
export type {
  RunStateStore,
  RunStatus,
  NewRun,
  RunMetadata,
  RunState,
  CreateRunResult,
  SaveStepResult,
  FinalOutcome,
} from "./run-state-store.js";
export type { PauseStore, Pause, PauseKind } from "./pause-store.js";
export type { Queue, QueueItem, Lease, JobKind } from "./queue.js";
export type {
  HistoryStore,
  AppRecord,
  FunctionRecord,
  RunRecord,
  RunQuery,
  StepEntry,
  StepEntryStatus,
} from "./history-store.js";
export type { Stores } from "./stores.js";
