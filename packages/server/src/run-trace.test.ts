import type { RunRecord, StepEntry } from "@weft/store";
import { describe, expect, it } from "vitest";
import { buildRunTrace } from "./run-trace.js";

const run: RunRecord = { runId: "r1", functionId: "app-fn", eventId: "e1", status: "Failed", startedAt: 1_000, endedAt: 1_500 };
const line = (stepId: string, startedAt: number, endedAt: number | undefined, status: StepEntry["status"] = "Completed", output?: string): StepEntry => ({
  runId: "r1",
  stepId,
  attempt: 0,
  name: stepId,
  op: "StepRun",
  status,
  startedAt,
  endedAt,
  output,
});

describe("buildRunTrace", () => {
  it("splits each line into the wait before it and its execution, parallel lines measured from what ended before them", () => {
    const trace = buildRunTrace(
      run,
      [
        line("b", 1_100, 1_200),
        line("a", 1_020, 1_050),
        line("c", 1_110, 1_300, "Failed", JSON.stringify({ error: { name: "Error", message: "no" } })),
        line("d", 1_350, undefined, "Waiting"),
      ],
      "t".repeat(32),
    );
    expect(trace.spans.map((s) => [s.step_id, s.start_ms, s.queue_ms, s.duration_ms])).toEqual([
      ["a", 20, 20, 30],
      ["b", 100, 50, 100],
      ["c", 110, 60, 190],
      ["d", 350, 50, null],
    ]);
    expect(trace.spans[2]?.error).toEqual({ name: "Error", message: "no" });
    expect(trace.totals).toEqual({ queue_ms: 180, execution_ms: 320 });
    expect(trace.duration_ms).toBe(500);
    expect(trace.trace_id).toBe("t".repeat(32));
  });
});
