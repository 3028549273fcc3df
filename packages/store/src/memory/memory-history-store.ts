import { defaultPageSize } from "../history-store.js";
import type { EventHold } from "../history-retention.js";
import type { HistoryStore, RunQuery, RunRecord, StepEntry, StoredEvent } from "../history-store.js";
import type { RunMetricsBucket, RunMetricsQuery } from "../run-metrics.js";
import { endCounted, RunRollups } from "../run-rollups.js";
import { byKey, cloneOrUndefined } from "./records.js";

/** The reference `HistoryStore`: maps, scanned and sorted per query (fine for tests and dev). */
export class MemoryHistoryStore implements HistoryStore {
  private readonly events = new Map<string, StoredEvent>();
  private readonly runs = new Map<string, RunRecord>();
  /** Run id → `<stepId>\u0000<attempt>` → entry, in first-recorded order. */
  private readonly steps = new Map<string, Map<string, StepEntry>>();
  private readonly rollups = new RunRollups();

  async saveEvents(events: StoredEvent[]): Promise<void> {
    for (const e of events) if (!this.events.has(e.internalId)) this.events.set(e.internalId, structuredClone(e));
  }

  async getEvent(internalId: string): Promise<StoredEvent | undefined> {
    return cloneOrUndefined(this.events.get(internalId));
  }

  async listEvents(opts: { limit?: number; before?: string; name?: string }): Promise<StoredEvent[]> {
    const { before, name } = opts;
    const matching = [...this.events.values()].filter((e) => (before === undefined || e.internalId < before) && (name === undefined || e.event.name === name));
    return byKey(matching, (e) => e.internalId)
      .reverse()
      .slice(0, opts.limit ?? defaultPageSize)
      .map((e) => structuredClone(e));
  }

  async recordRun(run: RunRecord): Promise<void> {
    if (this.runs.has(run.runId)) return;
    this.runs.set(run.runId, structuredClone(run));
    this.rollups.runStarted(run.functionId, run.startedAt);
    if (endCounted(run)) this.rollups.runEnded(run);
  }

  async updateRun(runId: string, patch: Partial<Pick<RunRecord, "status" | "endedAt" | "output">>): Promise<void> {
    const run = this.runs.get(runId);
    if (run === undefined) return;
    const endedBefore = endCounted(run);
    if (patch.status !== undefined) run.status = patch.status;
    if (patch.endedAt !== undefined) run.endedAt = patch.endedAt;
    if (patch.output !== undefined) run.output = patch.output;
    if (!endedBefore && endCounted(run)) this.rollups.runEnded(run);
  }

  async getRun(runId: string): Promise<RunRecord | undefined> {
    return cloneOrUndefined(this.runs.get(runId));
  }

  async listRuns(query: RunQuery): Promise<RunRecord[]> {
    const { status, functionId, before } = query;
    const matching = [...this.runs.values()].filter(
      (r) =>
        (status === undefined || r.status === status) &&
        (functionId === undefined || r.functionId === functionId) &&
        (before === undefined || r.runId < before),
    );
    return byKey(matching, (r) => r.runId)
      .reverse()
      .slice(0, query.limit ?? defaultPageSize)
      .map((r) => structuredClone(r));
  }

  async runsOfEvent(eventId: string): Promise<RunRecord[]> {
    const matching = [...this.runs.values()].filter((r) => r.eventId === eventId);
    return byKey(matching, (r) => r.runId).map((r) => structuredClone(r));
  }

  async recordStep(entry: StepEntry): Promise<void> {
    const entries = this.steps.get(entry.runId) ?? new Map<string, StepEntry>();
    const key = `${entry.stepId}\u0000${entry.attempt}`;
    const first = !entries.has(key);
    entries.set(key, structuredClone(entry));
    this.steps.set(entry.runId, entries);
    const run = this.runs.get(entry.runId);
    if (first && run !== undefined) this.rollups.stepEnded(run.functionId, entry);
  }

  async listSteps(runId: string): Promise<StepEntry[]> {
    const entries = [...(this.steps.get(runId)?.values() ?? [])];
    // Array.prototype.sort is stable: ties keep first-recorded order.
    return entries.sort((a, b) => a.startedAt - b.startedAt).map((e) => structuredClone(e));
  }

  async runMetrics(query: RunMetricsQuery): Promise<RunMetricsBucket[]> {
    return this.rollups.query(query);
  }

  // Retention (`HistoryRetention`): scans, as every query here does; the SQL stores use indexes.

  async endedRunsBefore(endedBefore: number, limit: number): Promise<string[]> {
    const ended = [...this.runs.values()].filter((r) => r.status !== "Running" && r.endedAt !== undefined && r.endedAt < endedBefore);
    return ended
      .sort((a, b) => (a.endedAt ?? 0) - (b.endedAt ?? 0))
      .slice(0, limit)
      .map((r) => r.runId);
  }

  async deleteRuns(runIds: string[]): Promise<number> {
    let deleted = 0;
    for (const runId of runIds) {
      const run = this.runs.get(runId);
      if (run === undefined || run.status === "Running") continue;
      this.steps.delete(runId);
      this.runs.delete(runId);
      deleted++;
    }
    return deleted;
  }

  async deleteEventsBefore(receivedBefore: number, limit: number, hold?: EventHold): Promise<number> {
    const held = new Set([...this.runs.values()].filter((r) => r.status === "Running").map((r) => r.eventId));
    const heldName = (e: StoredEvent) => (hold?.names.includes(e.event.name) ?? false) && e.receivedAt >= (hold?.since ?? 0);
    const doomed = [...this.events.values()]
      .filter((e) => e.receivedAt < receivedBefore && !held.has(e.internalId) && !heldName(e))
      .sort((a, b) => a.receivedAt - b.receivedAt)
      .slice(0, limit);
    for (const e of doomed) this.events.delete(e.internalId);
    return doomed.length;
  }
}
