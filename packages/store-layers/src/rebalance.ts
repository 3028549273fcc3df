import type { HistoryStore } from "@weft/store";
import { moveQueueItems } from "./move-queue-items.js";
import type { QueueMoveReport } from "./move-queue-items.js";
import { moveRun, ownerId } from "./move-run.js";
import type { RunMoveResult } from "./move-run.js";
import type { ShardLayout } from "./shard-layout.js";

export interface RebalanceReport {
  /** How many runs ended in each outcome (see `RunMoveResult`). */
  runs: Record<RunMoveResult["outcome"], number>;
  /** Pauses deleted from an old shard after being copied to their run's new one. */
  pauses: number;
  queue: QueueMoveReport;
}

/** A run whose shard differs between two layouts. */
export interface PlannedMove {
  runId: string;
  from: string;
  to: string;
}

/** The runs among `runIds` whose shard changes from `from` to `to`: a dry run, with no I/O. */
export function planRebalance(from: ShardLayout, to: ShardLayout, runIds: Iterable<string>): PlannedMove[] {
  const moves: PlannedMove[] = [];
  for (const runId of runIds) {
    const move = { runId, from: ownerId(from, runId), to: ownerId(to, runId) };
    if (move.from !== move.to) moves.push(move);
  }
  return moves;
}

/**
 * Move everything whose shard changes from layout `from` to layout `to`: each run of `runIds`
 * (`moveRun`: state, pauses, key claim), then every shard's queued items (`moveQueueItems`).
 *
 * `runIds` must name every run that may still have state: the `RunStateStore` contract cannot list
 * runs, so they come from history (`runIdsFromHistory`). Runs that do not move cost one read each.
 *
 * Preconditions: every store of both layouts is initialised; no engine is running on either layout
 * (see the README for the procedure). Safe to repeat: a repeated or interrupted rebalance finishes
 * what is left and changes nothing else.
 */
export async function rebalance(opts: {
  from: ShardLayout;
  to: ShardLayout;
  runIds: Iterable<string> | AsyncIterable<string>;
  /** Told about each run, e.g. to print progress. */
  onRun?: (result: RunMoveResult) => void;
}): Promise<RebalanceReport> {
  const runs: RebalanceReport["runs"] = { moved: 0, "claim-moved": 0, stayed: 0, "already-moved": 0, missing: 0 };
  let pauses = 0;
  for await (const runId of opts.runIds) {
    const result = await moveRun(runId, opts.from, opts.to);
    runs[result.outcome] += 1;
    pauses += result.pauses;
    opts.onRun?.(result);
  }
  const queue = await moveQueueItems(opts.from, opts.to);
  return { runs, pauses, queue };
}

/** Every run id history knows, newest first, a page at a time (history pages by run id). */
export async function* runIdsFromHistory(history: HistoryStore, pageSize = 500): AsyncGenerator<string> {
  let before: string | undefined;
  for (;;) {
    const page = await history.listRuns({ limit: pageSize, before });
    for (const run of page) yield run.runId;
    const last = page.at(-1);
    if (last === undefined || page.length < pageSize) return;
    before = last.runId;
  }
}
