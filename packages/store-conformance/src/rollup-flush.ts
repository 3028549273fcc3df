import type { StoreBundle } from "@weft/store";
import { expect } from "vitest";

/**
 * For the SQL stores (not in the shared suite: it needs two bundles on one database): the chart
 * counts a process keeps in memory reach the rollup table, so another process sees them once the
 * writer flushed (here: closed), and closing loses none. `open` opens a bundle on the same database.
 */
export async function checkRollupsReachOtherProcesses(open: () => StoreBundle): Promise<void> {
  const minute = 60_000;
  const t0 = 1_700_000_000_000 - (1_700_000_000_000 % (60 * minute));
  const writer = open();
  await writer.init();
  await writer.history.recordRun({ runId: "r1", functionId: "fn", eventId: "e1", status: "Running", startedAt: t0 });
  await writer.history.recordRun({ runId: "r2", functionId: "fn", eventId: "e2", status: "Running", startedAt: t0 + 1 });
  await writer.history.recordStep({ runId: "r1", stepId: "s", attempt: 0, name: "s", op: "StepRun", status: "Completed", startedAt: t0, endedAt: t0 + 40 });
  await writer.history.updateRun("r1", { status: "Failed", endedAt: t0 + 50 });
  await writer.close();

  const reader = open();
  await reader.init();
  try {
    const [b] = await reader.history.runMetrics({ widthMs: minute, from: t0, to: t0 + minute, functionId: "fn" });
    expect({ started: b?.started, failed: b?.failed, steps: b?.stepDurations.reduce((a, n) => a + n, 0) }).toEqual({ started: 2, failed: 1, steps: 1 });
    // Counts from this process add to the flushed ones.
    await reader.history.updateRun("r2", { status: "Completed", endedAt: t0 + 60 });
    const [c] = await reader.history.runMetrics({ widthMs: minute, from: t0, to: t0 + minute });
    expect({ started: c?.started, completed: c?.completed, failed: c?.failed }).toEqual({ started: 2, completed: 1, failed: 1 });
  } finally {
    await reader.close();
  }
}
