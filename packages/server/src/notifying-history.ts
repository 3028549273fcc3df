import type { HistoryStore } from "@weft/store";

/** What changed, as far as a watcher cares: runs (and their steps) or received events. */
export type HistoryChange = "runs" | "events";

/**
 * A `HistoryStore` that tells `onChange` after each write a dashboard shows (runs, steps, events).
 * Wrapping the store the server hands the engine gives live updates without the engine knowing
 * about them; reads and the other writes pass straight through. The notification follows the
 * write, so a watcher that refetches on it sees the change. (Syncs write the registry, not
 * history: apps and functions were never among the notified writes.)
 */
export function notifyingHistory(inner: HistoryStore, onChange: (change: HistoryChange) => void): HistoryStore {
  const after = async (change: HistoryChange, write: Promise<void>) => {
    await write;
    onChange(change);
  };
  return {
    saveEvents: (events) => after("events", inner.saveEvents(events)),
    getEvent: (id) => inner.getEvent(id),
    listEvents: (opts) => inner.listEvents(opts),
    recordRun: (run) => after("runs", inner.recordRun(run)),
    updateRun: (runId, patch) => after("runs", inner.updateRun(runId, patch)),
    getRun: (runId) => inner.getRun(runId),
    listRuns: (query) => inner.listRuns(query),
    runsOfEvent: (eventId) => inner.runsOfEvent(eventId),
    recordStep: (entry) => after("runs", inner.recordStep(entry)),
    listSteps: (runId) => inner.listSteps(runId),
    runMetrics: (query) => inner.runMetrics(query),
    // Retention deletes: nothing a watcher shows changes (they are old), so no notification.
    endedRunsBefore: (endedBefore, limit) => inner.endedRunsBefore(endedBefore, limit),
    deleteRuns: (runIds) => inner.deleteRuns(runIds),
    deleteEventsBefore: (receivedBefore, limit, hold) => inner.deleteEventsBefore(receivedBefore, limit, hold),
  };
}
