import { evaluateCondition, expressionProblem, InvalidInputError } from "@weft/core";
import type { HistoryStore, RunRecord, RunStatus, RunStateStore } from "@weft/store";
import { deterministicUlid } from "../deterministic-id.js";

/** Which runs a bulk cancel or replay acts on. Every given field must hold. */
export interface BulkFilter {
  /** The function (`<appId>-<fnId>`). */
  functionId?: string;
  /** Started at or after this time (ms). */
  startedAfter?: number;
  /** Started at or before this time (ms). */
  startedBefore?: number;
  /** The statuses a run may have: cancel takes Running only, replay Failed and/or Cancelled. */
  statuses: RunStatus[];
  /** A CEL expression over the run's trigger event (`event`), as Inngest's cancellation `if`. */
  if?: string;
  /** Only these runs (the dashboard's selection). */
  runIds?: string[];
}

export type BulkKind = "cancel" | "replay";

/** The most run ids one request may name. */
export const maxBulkRunIds = 10_000;

/** Refuse a filter that cannot work, naming the problem (the API answers it as a 400). */
export function checkBulkFilter(kind: BulkKind, filter: BulkFilter): void {
  const allowed: RunStatus[] = kind === "cancel" ? ["Running"] : ["Failed", "Cancelled"];
  const wrong = filter.statuses.find((s) => !allowed.includes(s));
  if (wrong !== undefined || filter.statuses.length === 0) {
    throw new InvalidInputError(`a bulk ${kind} acts on ${allowed.join(" or ")} runs, not ${wrong ?? "no status"}`);
  }
  if (filter.startedAfter !== undefined && filter.startedBefore !== undefined && filter.startedAfter > filter.startedBefore) {
    throw new InvalidInputError("started_after is later than started_before: no run can match");
  }
  if (filter.if !== undefined) {
    const problem = expressionProblem(filter.if);
    if (problem) throw new InvalidInputError(`"if" does not compile: ${problem}`);
  }
  if (filter.runIds !== undefined && filter.runIds.length > maxBulkRunIds) throw new InvalidInputError(`at most ${maxBulkRunIds} run ids at once`);
  const narrowed = filter.functionId ?? filter.runIds ?? filter.startedAfter ?? filter.startedBefore ?? filter.if;
  if (narrowed === undefined) throw new InvalidInputError("give at least one of function_id, run_ids, started_after, started_before or if");
}

/** Where paging stands: the run-id cursor (newest first) or, for a list of ids, the next index. */
export interface BulkCursor {
  before?: string;
  index?: number;
}

/** One page of candidate runs, newest first, and the cursor after it (undefined: none left). */
export async function candidatePage(
  history: HistoryStore,
  filter: BulkFilter,
  cursor: BulkCursor,
  size: number,
): Promise<{ runs: RunRecord[]; next: BulkCursor | undefined }> {
  if (filter.runIds !== undefined) {
    const start = cursor.index ?? 0;
    const ids = filter.runIds.slice(start, start + size);
    const runs = (await Promise.all(ids.map((id) => history.getRun(id)))).filter((r): r is RunRecord => r !== undefined);
    return { runs, next: start + size < filter.runIds.length ? { index: start + size } : undefined };
  }
  // Run ids are ULIDs of the start time, so a time range is a range of the run-id index.
  const ceiling = filter.startedBefore === undefined ? undefined : ulidFloor(filter.startedBefore + 1);
  const before = cursor.before ?? ceiling;
  const floor = filter.startedAfter === undefined ? undefined : ulidFloor(filter.startedAfter);
  const status = filter.statuses.length === 1 ? filter.statuses[0] : undefined;
  const page = await history.listRuns({ functionId: filter.functionId, status, before, limit: size });
  const last = page.at(-1);
  const exhausted = page.length < size || last === undefined || (floor !== undefined && last.runId < floor);
  return { runs: page, next: exhausted ? undefined : { before: last.runId } };
}

/** Whether a run matches the filter; reads its trigger event (run state) only when there is an `if`. */
export async function matchesFilter(state: RunStateStore, filter: BulkFilter, run: RunRecord): Promise<boolean> {
  if (!filter.statuses.includes(run.status)) return false;
  if (filter.functionId !== undefined && run.functionId !== filter.functionId) return false;
  if (filter.startedAfter !== undefined && run.startedAt < filter.startedAfter) return false;
  if (filter.startedBefore !== undefined && run.startedAt > filter.startedBefore) return false;
  if (filter.if === undefined) return true;
  const event = (await state.loadRun(run.runId))?.events[0];
  if (event === undefined) return false;
  try {
    return evaluateCondition(filter.if, { event });
  } catch {
    return false; // a field the event lacks, a type mismatch: not a match, as for a trigger's `if`
  }
}

/** The smallest ULID of a millisecond: every id made at or after `ms` sorts at or above it. */
function ulidFloor(ms: number): string {
  return `${deterministicUlid(ms, "").slice(0, 10)}${"0".repeat(16)}`;
}
