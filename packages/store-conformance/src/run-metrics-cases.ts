import { durationBucket, durationQuantile, type RunMetricsBucket, type RunRecord, type StepEntry } from "@weft/store";
import { expect } from "vitest";
import type { DefineCase } from "./case-context.js";

const minute = 60_000;
const hour = 60 * minute;
/** A fixed hour boundary, so bucket starts are known. */
const t0 = 1_700_000_000_000 - (1_700_000_000_000 % hour);

function run(id: string, functionId: string, startedAt: number, overrides: Partial<RunRecord> = {}): RunRecord {
  return { runId: id, functionId, eventId: `evt-${id}`, status: "Running", startedAt, ...overrides };
}

function step(runId: string, stepId: string, startedAt: number, durationMs: number, overrides: Partial<StepEntry> = {}): StepEntry {
  return { runId, stepId, attempt: 0, name: stepId, op: "StepRun", status: "Completed", startedAt, endedAt: startedAt + durationMs, ...overrides };
}

const counts = (b: RunMetricsBucket) => ({ start: b.start, started: b.started, completed: b.completed, failed: b.failed, cancelled: b.cancelled });

/** `HistoryStore.runMetrics`: the chart rollups every store keeps in its run and step writes. */
export function runMetricsCases(test: DefineCase): void {
  test("history: runMetrics counts runs started and ended per bucket by status, once per run", async ({ stores }) => {
    const h = stores.history;
    await h.recordRun(run("r1", "fn-a", t0 + 1_000));
    await h.recordRun(run("r2", "fn-a", t0 + 2_000));
    await h.recordRun(run("r3", "fn-b", t0 + minute + 5));
    // Recorded already ended (a replayed history): counts its start and its end.
    await h.recordRun(run("r4", "fn-b", t0 + 3_000, { status: "Cancelled", endedAt: t0 + minute + 10 }));
    await h.updateRun("r1", { status: "Completed", endedAt: t0 + 30_000 });
    await h.updateRun("r2", { status: "Failed", endedAt: t0 + minute + 1 });
    // Repeats (a finalize that runs twice, a second recordRun) change nothing.
    await h.updateRun("r2", { status: "Failed", endedAt: t0 + minute + 1 });
    await h.updateRun("r1", { output: '"again"' });
    await h.recordRun(run("r1", "fn-a", t0 + 1_000));
    await h.updateRun("unknown", { status: "Completed", endedAt: t0 });

    const all = await h.runMetrics({ widthMs: minute, from: t0, to: t0 + hour });
    expect(all.map(counts)).toEqual([
      { start: t0, started: 3, completed: 1, failed: 0, cancelled: 0 },
      { start: t0 + minute, started: 1, completed: 0, failed: 1, cancelled: 1 },
    ]);
    const fnA = await h.runMetrics({ widthMs: minute, from: t0, to: t0 + hour, functionId: "fn-a" });
    expect(fnA.map(counts)).toEqual([
      { start: t0, started: 2, completed: 1, failed: 0, cancelled: 0 },
      { start: t0 + minute, started: 0, completed: 0, failed: 1, cancelled: 0 },
    ]);
    // The same counts in the wider buckets, and [from, to) bounds the buckets.
    const hourly = await h.runMetrics({ widthMs: hour, from: t0 - hour, to: t0 + hour });
    expect(hourly.map(counts)).toEqual([{ start: t0, started: 4, completed: 1, failed: 1, cancelled: 1 }]);
    expect(await h.runMetrics({ widthMs: minute, from: t0 + minute, to: t0 + 2 * minute, functionId: "fn-a" })).toHaveLength(1);
    expect(await h.runMetrics({ widthMs: minute, from: t0 + 2 * minute, to: t0 + hour })).toEqual([]);
    expect(await h.runMetrics({ widthMs: minute, from: t0, to: t0 + hour, functionId: "fn-none" })).toEqual([]);
  });

  test("history: runMetrics counts each step's duration once, when first recorded ended, leaving waits out", async ({ stores }) => {
    const h = stores.history;
    await h.recordRun(run("r1", "fn-a", t0));
    await h.recordRun(run("r2", "fn-b", t0));
    const durations = [3, 5, 7, 12, 20, 30, 45, 70, 110, 900];
    for (const [i, d] of durations.entries()) await h.recordStep(step(i % 2 === 0 ? "r1" : "r2", `s${i}`, t0 + 100, d));
    // A line recorded again counts once; a line first recorded without an end is not counted (the
    // engine writes such lines only for waits).
    await h.recordStep(step("r1", "s0", t0 + 100, 3));
    await h.recordStep(step("r1", "late", t0 + 200, 0, { status: "Running", endedAt: undefined }));
    await h.recordStep(step("r1", "late", t0 + 200, 2_000));
    // Waits and steps of a run never recorded are not counted.
    await h.recordStep(step("r1", "nap", t0 + 100, 50_000, { op: "Sleep" }));
    await h.recordStep(step("r1", "wait", t0 + 100, 0, { op: "WaitForEvent", status: "Waiting", endedAt: undefined }));
    await h.recordStep(step("r1", "wait", t0 + 100, 40_000, { op: "WaitForEvent" }));
    await h.recordStep(step("ghost", "s", t0 + 100, 5));

    const [bucket] = await h.runMetrics({ widthMs: 15 * minute, from: t0, to: t0 + hour });
    const expected = new Array<number>(bucket?.stepDurations.length ?? 0).fill(0);
    for (const d of durations) expected[durationBucket(d)] = (expected[durationBucket(d)] ?? 0) + 1;
    expect(bucket?.stepDurations).toEqual(expected);
    expect(bucket?.started).toBe(2);
    const median = durationQuantile(bucket?.stepDurations ?? [], 0.5) ?? 0;
    expect(median).toBeGreaterThanOrEqual(20);
    expect(median).toBeLessThan(45);

    const [fnB] = await h.runMetrics({ widthMs: 15 * minute, from: t0, to: t0 + hour, functionId: "fn-b" });
    expect(fnB?.stepDurations.reduce((a, b) => a + b, 0)).toBe(5);
  });
}
