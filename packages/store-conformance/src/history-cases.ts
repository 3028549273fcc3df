import type { RunRecord, StepEntry } from "@weft/store";
import type { WeftEvent } from "@weft/core";
import { expect } from "vitest";
import type { DefineCase } from "./case-context.js";
import { event } from "./fixtures.js";

/** Run ids sort by time, like ULIDs: `run-000` is the oldest. */
function run(n: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return {
    runId: `run-${String(n).padStart(3, "0")}`,
    functionId: "app-a",
    eventId: "evt-1",
    status: "Running",
    startedAt: 1_000 + n,
    ...overrides,
  };
}

function step(stepId: string, attempt: number, startedAt: number, overrides: Partial<StepEntry> = {}): StepEntry {
  return { runId: "run-1", stepId, attempt, name: stepId, op: "StepRun", status: "Running", startedAt, ...overrides };
}

export function historyCases(test: DefineCase): void {
  test("history: saveEvents keeps the first event per internal id, and the sender's own id", async ({ stores, clock }) => {
    const stored = (e: WeftEvent, internalId = e.id) => ({ internalId, receivedAt: clock.now(), event: e });
    const first = stored(event("app/go", { n: 1 }, clock.now(), "user-chosen-id"), "evt-1");
    await stores.history.saveEvents([first]);
    await stores.history.saveEvents([{ ...first, event: { ...first.event, data: { n: 2 } } }, stored(event("app/go", {}, clock.now(), "evt-2"))]);
    expect(await stores.history.getEvent("evt-1")).toEqual(first);
    expect((await stores.history.getEvent("evt-1"))?.event.id).toBe("user-chosen-id");
    expect(await stores.history.getEvent("evt-2")).toBeDefined();
    expect(await stores.history.getEvent("evt-3")).toBeUndefined();
  });

  test("history: listEvents is newest first, with limit, before and name", async ({ stores, clock }) => {
    const now = clock.now();
    const events = Array.from({ length: 6 }, (_, i) => event(i % 2 === 0 ? "app/even" : "app/odd", { i }, now + i, `evt-${i}`));
    await stores.history.saveEvents(events.map((e) => ({ internalId: e.id, receivedAt: now, event: e })));
    const idsOf = (list: { internalId: string }[]) => list.map((e) => e.internalId);
    expect(idsOf(await stores.history.listEvents({}))).toEqual(["evt-5", "evt-4", "evt-3", "evt-2", "evt-1", "evt-0"]);
    expect(idsOf(await stores.history.listEvents({ limit: 2 }))).toEqual(["evt-5", "evt-4"]);
    expect(idsOf(await stores.history.listEvents({ limit: 2, before: "evt-4" }))).toEqual(["evt-3", "evt-2"]);
    expect(idsOf(await stores.history.listEvents({ name: "app/even" }))).toEqual(["evt-4", "evt-2", "evt-0"]);
    expect(idsOf(await stores.history.listEvents({ name: "app/odd", before: "evt-5", limit: 1 }))).toEqual(["evt-3"]);
  });

  test("history: recordRun keeps the first record; updateRun patches it", async ({ stores }) => {
    await stores.history.recordRun(run(1, { parentRunId: "run-000" }));
    await stores.history.recordRun(run(1, { functionId: "app-other", status: "Failed" }));
    expect(await stores.history.getRun("run-001")).toEqual(run(1, { parentRunId: "run-000" }));
    await stores.history.updateRun("run-001", { status: "Completed", endedAt: 5_000, output: '{"ok":true}' });
    await stores.history.updateRun("run-404", { status: "Failed" });
    expect(await stores.history.getRun("run-001")).toEqual(run(1, { parentRunId: "run-000", status: "Completed", endedAt: 5_000, output: '{"ok":true}' }));
    await stores.history.updateRun("run-001", { status: "Failed" });
    expect(await stores.history.getRun("run-001")).toMatchObject({ status: "Failed", endedAt: 5_000 });
    expect(await stores.history.getRun("run-404")).toBeUndefined();
  });

  test("history: listRuns filters by status and function, newest first, paged with before", async ({ stores }) => {
    for (let n = 0; n < 30; n++) {
      await stores.history.recordRun(run(n, { functionId: n % 3 === 0 ? "app-b" : "app-a", status: n % 2 === 0 ? "Completed" : "Running" }));
    }
    const runIds = (list: RunRecord[]) => list.map((r) => Number(r.runId.slice(4)));
    expect(runIds(await stores.history.listRuns({ limit: 3 }))).toEqual([29, 28, 27]);
    expect(runIds(await stores.history.listRuns({}))).toHaveLength(30);
    expect(runIds(await stores.history.listRuns({ status: "Completed", limit: 3 }))).toEqual([28, 26, 24]);
    expect(runIds(await stores.history.listRuns({ functionId: "app-b", limit: 4 }))).toEqual([27, 24, 21, 18]);
    expect(runIds(await stores.history.listRuns({ functionId: "app-b", status: "Completed" }))).toEqual([24, 18, 12, 6, 0]);
    expect(runIds(await stores.history.listRuns({ status: "Failed" }))).toEqual([]);
    const pages: number[] = [];
    let before: string | undefined;
    for (;;) {
      const page = await stores.history.listRuns({ functionId: "app-a", limit: 7, before });
      pages.push(...runIds(page));
      if (page.length < 7) break;
      before = page[page.length - 1]?.runId;
    }
    const expected = Array.from({ length: 30 }, (_, n) => 29 - n).filter((n) => n % 3 !== 0);
    expect(pages).toEqual(expected);
  });

  test("history: runsOfEvent lists the runs an event started", async ({ stores }) => {
    await stores.history.recordRun(run(2, { eventId: "evt-a" }));
    await stores.history.recordRun(run(1, { eventId: "evt-a", functionId: "app-b" }));
    await stores.history.recordRun(run(3, { eventId: "evt-b" }));
    expect((await stores.history.runsOfEvent("evt-a")).map((r) => r.runId)).toEqual(["run-001", "run-002"]);
    expect(await stores.history.runsOfEvent("evt-c")).toEqual([]);
  });

  test("history: recordStep upserts by (runId, stepId, attempt); listSteps orders by startedAt", async ({ stores }) => {
    await stores.history.recordStep(step("b", 0, 200));
    await stores.history.recordStep(step("a", 0, 100));
    await stores.history.recordStep(step("a", 1, 300));
    await stores.history.recordStep(step("a", 0, 100, { status: "Failed", endedAt: 150, output: '{"error":{}}' }));
    await stores.history.recordStep(step("x", 0, 50, { runId: "run-2" }));
    const steps = await stores.history.listSteps("run-1");
    expect(steps.map((s) => `${s.stepId}#${s.attempt}`)).toEqual(["a#0", "b#0", "a#1"]);
    expect(steps[0]).toEqual(step("a", 0, 100, { status: "Failed", endedAt: 150, output: '{"error":{}}' }));
    expect(await stores.history.listSteps("run-3")).toEqual([]);
  });
}
