import { InvalidInputError, isWeftError, ulid } from "@weft/core";
import type { EngineContext } from "../context.js";
import { enqueueJob, jobId, type Job } from "../jobs.js";
import { replayRun } from "../replay.js";
import { type BulkCursor, type BulkFilter, type BulkKind, candidatePage, checkBulkFilter, matchesFilter } from "./bulk-filter.js";

/**
 * A bulk cancel or replay as kept in the store: a flow-store register (`bulk:<id>`), written by
 * compare-and-set only, so two processes never both count one page. The work is queue jobs of
 * kind `bulk`, one page each (`jobId.bulk(id, page)`): a page never blocks the queue, and when the
 * process working one dies, its lease lapses and any other process takes the page up again.
 */
export interface BulkOperation {
  id: string;
  kind: BulkKind;
  filter: BulkFilter;
  /** A bulk replay from this step (hashed id) on; runs that did not record it are skipped. */
  fromStep?: string;
  status: "running" | "done";
  /** Runs that matched the filter (counted when their page is chosen). */
  matched: number;
  /** Of those, runs cancelled (now Cancelled) or replayed (a new run made). */
  acted: number;
  /** Matched runs left alone: a replay whose function is gone or that lacks `fromStep`; a run that ended before its cancel. */
  skipped: number;
  /** The next page to work (the page number is in its job id). */
  page: number;
  cursor: BulkCursor | undefined;
  /** The page being worked: its matching runs, chosen before any is acted on, so a repeat acts on the same ones. */
  inflight?: string[];
  createdAt: number;
  endedAt?: number;
}

/** Candidate runs read per page (each page is one job). */
const pageSize = 100;
/** Runs of a page acted on at once. */
const actAtOnce = 8;
/** How long a finished operation's progress stays readable. */
const keepMs = 7 * 24 * 3600_000;

const registerKey = (id: string) => `bulk:${id}`;

/** Start a bulk operation; answers it as stored (status `running`, page 0 queued). */
export async function startBulk(ctx: EngineContext, kind: BulkKind, filter: BulkFilter, fromStep?: string): Promise<BulkOperation> {
  checkBulkFilter(kind, filter);
  if (fromStep !== undefined && kind !== "replay") throw new InvalidInputError("from_step is for replays only");
  const now = ctx.clock.now();
  const op: BulkOperation = { id: ulid(now), kind, filter, fromStep, status: "running", matched: 0, acted: 0, skipped: 0, page: 0, cursor: {}, createdAt: now };
  await ctx.flow.store.put(registerKey(op.id), JSON.stringify(op), now + keepMs);
  await enqueuePage(ctx, op.id, 0);
  ctx.log.info(`bulk ${kind} started`, { operationId: op.id });
  return op;
}

/** An operation's progress, or undefined when unknown (or older than a week). */
export async function bulkProgress(ctx: EngineContext, id: string): Promise<BulkOperation | undefined> {
  const current = await ctx.flow.store.get(registerKey(id), ctx.clock.now());
  return current === undefined ? undefined : (JSON.parse(current.value) as BulkOperation);
}

/** A dry run: how many runs the filter matches now, acting on none. */
export async function countBulk(ctx: EngineContext, kind: BulkKind, filter: BulkFilter): Promise<number> {
  checkBulkFilter(kind, filter);
  let matched = 0;
  let cursor: BulkCursor | undefined = {};
  while (cursor !== undefined) {
    const page = await candidatePage(ctx.stores.history, filter, cursor, 500);
    for (const run of page.runs) if (await matchesFilter(ctx.stores.state, filter, run)) matched++;
    cursor = page.next;
  }
  return matched;
}

/**
 * One page of an operation (the `bulk` job). First the page's matching runs are chosen and saved
 * (compare-and-set), then each is acted on, then the counts and the cursor move on and the next
 * page is queued. A repeat of the job after a crash finds the chosen runs and acts on them again:
 * cancelling a run already cancelled changes nothing, and a bulk replay's run id per original
 * run is fixed (`replayKey`), so nothing is done twice.
 */
export async function runBulkPage(ctx: EngineContext, job: Job<"bulk">): Promise<void> {
  const flow = ctx.flow.store;
  const key = registerKey(job.payload.operationId);
  let current = await flow.get(key, ctx.clock.now());
  if (current === undefined) return;
  let op = JSON.parse(current.value) as BulkOperation;
  if (op.status === "done" || op.page !== job.payload.page) return; // a page already worked
  let next = op.cursor;
  if (op.inflight === undefined) {
    const page = await candidatePage(ctx.stores.history, op.filter, op.cursor ?? {}, pageSize);
    const chosen: string[] = [];
    for (const run of page.runs) if (await matchesFilter(ctx.stores.state, op.filter, run)) chosen.push(run.runId);
    next = page.next;
    const chosenOp: BulkOperation = { ...op, inflight: chosen, matched: op.matched + chosen.length, cursor: next };
    const version = await flow.putIf(key, JSON.stringify(chosenOp), ctx.clock.now() + keepMs, current.version, ctx.clock.now());
    if (version === undefined) return; // another process got this page first
    op = chosenOp;
    current = { value: JSON.stringify(chosenOp), version };
  }
  const chosen = op.inflight ?? [];
  let acted = 0;
  for (let i = 0; i < chosen.length; i += actAtOnce) {
    const outcomes = await Promise.all(chosen.slice(i, i + actAtOnce).map((runId) => actOn(ctx, op, runId)));
    acted += outcomes.filter(Boolean).length;
  }
  const now = ctx.clock.now();
  const done = op.cursor === undefined;
  const after: BulkOperation = {
    ...op,
    inflight: undefined,
    acted: op.acted + acted,
    skipped: op.skipped + chosen.length - acted,
    page: op.page + 1,
    status: done ? "done" : "running",
    endedAt: done ? now : undefined,
  };
  if ((await flow.putIf(key, JSON.stringify(after), now + keepMs, current.version, now)) === undefined) return;
  if (done) ctx.log.info(`bulk ${op.kind} done`, { operationId: op.id, matched: after.matched, acted: after.acted });
  else await enqueuePage(ctx, op.id, after.page);
}

/** Cancel or replay one chosen run; true when it is now cancelled, or its replay exists. */
async function actOn(ctx: EngineContext, op: BulkOperation, runId: string): Promise<boolean> {
  if (op.kind === "cancel") {
    if (await ctx.cancelRun(runId, `cancelled in bulk (cancellation ${op.id})`)) return true;
    // Already ended: cancelled by this operation before a crash counts; anything else was skipped.
    return (await ctx.stores.state.loadMetadata(runId))?.status === "Cancelled";
  }
  try {
    await replayRun(ctx, runId, op.fromStep, `${op.id}:${runId}`);
    return true;
  } catch (e) {
    if (!isWeftError(e, InvalidInputError)) throw e;
    ctx.log.info(`bulk replay skipped a run: ${e.message}`, { operationId: op.id, runId });
    return false;
  }
}

function enqueuePage(ctx: EngineContext, operationId: string, page: number): Promise<boolean> {
  return enqueueJob(ctx.stores.queue, {
    id: jobId.bulk(operationId, page),
    kind: "bulk",
    // Its own tenant: bulk pages take turns with apps' work, never ahead of all of it.
    tenant: "weft:bulk",
    payload: { operationId, page },
    availableAt: ctx.clock.now(),
  });
}
