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
export type { PauseStore, Pause, PauseKind, PauseConflict, ClaimPauseOptions, PauseClaim } from "./pause-store.js";
export { defaultDedupeWindowMs } from "./queue.js";
export type { Queue, QueueItem, Lease, QueueKindStats } from "./queue.js";
export { defaultPageSize } from "./history-store.js";
export type { EventHold, HistoryRetention } from "./history-retention.js";
export type { RegistryStore, AppRecord, ConnectWorkerRecord, FunctionRecord } from "./registry-store.js";
export type {
  HistoryStore,
  RunRecord,
  StoredEvent,
  RunQuery,
  StepEntry,
  StepEntryStatus,
} from "./history-store.js";
export {
  rollupWidthsMs,
  durationBucketCount,
  durationBucket,
  durationBucketBounds,
  durationQuantile,
  durationColumns,
  waitingOps,
  bucketStart,
  emptyMetricsBucket,
} from "./run-metrics.js";
export type { RollupWidthMs, RunMetricsBucket, RunMetricsQuery } from "./run-metrics.js";
export { RollupBuffer, RunRollups, endCounted, mergeBuckets } from "./run-rollups.js";
export type { RollupRow } from "./run-rollups.js";
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
export type { RealtimeBus, RealtimeSubscription } from "./realtime-bus.js";
export { RealtimeFanout, encodeRealtimeFrame, decodeRealtimeFrame } from "./realtime-fanout.js";
export { MemoryRealtimeBus } from "./memory/memory-realtime-bus.js";
