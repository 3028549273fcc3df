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
export { defaultDedupeWindowMs } from "./queue.js";
export type { Queue, QueueItem, Lease } from "./queue.js";
export { defaultPageSize } from "./history-store.js";
export type { RegistryStore, AppRecord, FunctionRecord } from "./registry-store.js";
export type {
  HistoryStore,
  RunRecord,
  StoredEvent,
  RunQuery,
  StepEntry,
  StepEntryStatus,
} from "./history-store.js";
export type { Stores, Lifecycle, StateStores, StateBundle, StoreBundle } from "./stores.js";
export type { FlowStore } from "./flow-store.js";
export { MemoryFlowStore, gcra } from "./memory/memory-flow-store.js";
export { closeStores } from "./close-stores.js";
export { encodeLeaseToken, firstLease, leaseTokenItemId } from "./lease-token.js";
export { fairOrder } from "./fair-order.js";
export { comparePauses } from "./pause-order.js";
export { MemoryRunStateStore } from "./memory/memory-run-state-store.js";
export { MemoryPauseStore } from "./memory/memory-pause-store.js";
export { MemoryQueue } from "./memory/memory-queue.js";
export { MemoryHistoryStore } from "./memory/memory-history-store.js";
export { MemoryRegistryStore } from "./memory/memory-registry-store.js";
export { createMemoryStores } from "./memory/memory-stores.js";
