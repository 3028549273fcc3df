import type { RunRecord, StoredEvent } from "@weft/store";
import { expect } from "vitest";
import type { DefineCase } from "./case-context.js";
import { event } from "./fixtures.js";

function runOf(n: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: `run-${String(n).padStart(3, "0")}`,
    functionId: "app-a",
    eventId: `evt-${n}`,
    status: "Completed",
    startedAt: n,
    endedAt: 100 + n,
    ...overrides,
  };
}

function eventOf(n: number, receivedAt: number): StoredEvent {
  return { internalId: `evt-${n}`, receivedAt, event: event("app/go", { n }, receivedAt, `evt-${n}`) };
}

/** The retention sweep's deletes (`HistoryRetention`): bounded, oldest first, never a running run or the event it needs. */
export function historyRetentionCases(test: DefineCase): void {
  test("history retention: endedRunsBefore lists ended runs oldest end first, never a running one, up to the limit", async ({ stores }) => {
    const h = stores.history;
    for (const n of [5, 1, 3]) await h.recordRun(runOf(n));
    await h.recordRun(runOf(2, { status: "Running", endedAt: undefined }));
    await h.recordRun(runOf(4, { status: "Failed", endedAt: 1_000 }));
    expect(await h.endedRunsBefore(200, 10)).toEqual(["run-001", "run-003", "run-005"]);
    expect(await h.endedRunsBefore(200, 2)).toEqual(["run-001", "run-003"]);
    expect(await h.endedRunsBefore(104, 10)).toEqual(["run-001", "run-003"]);
    expect(await h.endedRunsBefore(2_000, 10)).toEqual(["run-001", "run-003", "run-005", "run-004"]);
  });

  test("history retention: deleteRuns deletes runs with their timelines, skips running ones, and is idempotent", async ({ stores }) => {
    const h = stores.history;
    await h.recordRun(runOf(1));
    await h.recordRun(runOf(2, { status: "Running", endedAt: undefined }));
    await h.recordRun(runOf(3, { status: "Cancelled" }));
    for (const runId of ["run-001", "run-002", "run-003"]) {
      await h.recordStep({ runId, stepId: "s", attempt: 0, name: "s", op: "StepRun", status: "Completed", startedAt: 1, endedAt: 2 });
    }
    expect(await h.deleteRuns(["run-001", "run-002", "run-003", "run-404"])).toBe(2);
    expect(await h.getRun("run-001")).toBeUndefined();
    expect(await h.getRun("run-003")).toBeUndefined();
    expect(await h.listSteps("run-001")).toEqual([]);
    expect(await h.listSteps("run-003")).toEqual([]);
    expect((await h.getRun("run-002"))?.status).toBe("Running");
    expect(await h.listSteps("run-002")).toHaveLength(1);
    expect(await h.deleteRuns(["run-001", "run-003"])).toBe(0);
    expect(await h.deleteRuns([])).toBe(0);
  });

  test("history retention: deleteEventsBefore deletes old events in bounded batches and keeps every running run's trigger", async ({ stores }) => {
    const h = stores.history;
    await h.saveEvents(Array.from({ length: 7 }, (_, i) => eventOf(i, 10 + i)));
    await h.saveEvents([eventOf(50, 500)]);
    await h.recordRun(runOf(1, { status: "Running", endedAt: undefined, eventId: "evt-1" }));
    await h.recordRun(runOf(2, { eventId: "evt-2" })); // ended: its event may go
    expect(await h.deleteEventsBefore(100, 3)).toBe(3);
    expect(await h.deleteEventsBefore(100, 3)).toBe(3);
    expect(await h.deleteEventsBefore(100, 3)).toBe(0);
    const left = (await h.listEvents({})).map((e) => e.internalId);
    expect(left.sort()).toEqual(["evt-1", "evt-50"]);
    // Once the run has ended, its trigger goes too.
    await h.updateRun("run-001", { status: "Completed", endedAt: 300 });
    expect(await h.deleteEventsBefore(100, 10)).toBe(1);
    expect((await h.listEvents({})).map((e) => e.internalId)).toEqual(["evt-50"]);
  });

  test("history retention: deleteEventsBefore keeps held names received since the hold, and only those", async ({ stores }) => {
    const h = stores.history;
    const named = (n: number, name: string, receivedAt: number): StoredEvent => ({
      ...eventOf(n, receivedAt),
      event: { ...eventOf(n, receivedAt).event, name },
    });
    await h.saveEvents([named(1, "app/debounced", 10), named(2, "app/debounced", 60), named(3, "app/plain", 60)]);
    expect(await h.deleteEventsBefore(100, 10, { names: ["app/debounced"], since: 50 })).toBe(2);
    expect((await h.listEvents({})).map((e) => e.internalId)).toEqual(["evt-2"]);
  });
}
