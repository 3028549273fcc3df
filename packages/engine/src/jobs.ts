import type { Lease, Queue, QueueItem, StoredEvent } from "@weft/store";
import type { JobOutcome } from "./context.js";

/**
 * The engine's job protocol: every kind of queue job, its payload, its id, and who handles it.
 * The store carries `kind` and `payload` untyped; this module is the one place that says what they
 * hold, so a job is built by `enqueueJob` and read by `dispatchJob`, and nothing else casts a
 * payload. The table in ARCHITECTURE.md ("Jobs and their ids") describes the same kinds.
 */
export interface JobPayloads {
  /** Resume the pauses an ingested event matches and start the runs it triggers. */
  event: StoredEvent;
  /** Call the run from the top (the stack length it was queued at is in its id: `discoveryStackLength`). */
  discover: Record<string, never>;
  /**
   * Run one planned (parallel) step. `stackLength`: the run's stack length when the step was
   * planned. The SDK reached the step replaying those results, so its call carries only them, not
   * the results of siblings that finished since (`buildCallBody`). Absent (a retry queued on its
   * own, a job queued by an older version): the call carries the whole state.
   */
  step: { stepId: string; name: string; stackLength?: number };
  /** A sleep is over: save `null`, rediscover. */
  wake: { stepId: string };
  /** A wait or invoke expired: save `value` (null / the timeout error), drop the pause. */
  "pause-timeout": { pauseId: string; stepId: string; value: string };
  /** `step.fetch` / `step.ai.infer`: make the HTTP call, save the response. */
  gateway: { stepId: string; op: "Gateway" | "AIGateway"; opts: Record<string, unknown> };
  /** Start the function with the key's latest event, if `version` is still the newest. */
  debounce: { functionId: string; key: string; version: number };
  /** Start one run with a batch's events. */
  batch: { functionId: string; key: string; batchId: string };
  /** `timeouts.finish`: cancel the run if it is still going. */
  "run-timeout": Record<string, never>;
  /** Start the function with `inngest/scheduled.timer`, queue the next tick. */
  cron: { functionId: string; cron: string; scheduledAt: number };
  /** One page of a bulk cancel or replay (`bulk/bulk-operations.ts`). */
  bulk: { operationId: string; page: number };
}

export type JobKind = keyof JobPayloads;

/** Kinds that belong to one run: their items always carry its `runId`. */
type RunJobKind = "discover" | "step" | "wake" | "pause-timeout" | "gateway" | "run-timeout";

/** A queue item of one kind, its payload typed (`runId` required for run jobs, absent otherwise). */
export type Job<K extends JobKind = JobKind> = {
  [P in K]: Omit<QueueItem, "kind" | "payload" | "runId"> & { kind: P; payload: JobPayloads[P] } & (P extends RunJobKind
      ? { runId: string }
      : { runId?: undefined });
}[K];

/**
 * Deterministic job ids, one builder per kind: a repeat (a redelivered job, a second worker, a
 * process that died half way) builds the same id, and the queue refuses it.
 */
export const jobId = {
  event: (internalId: string) => `event:${internalId}`,
  /** Names the stack length: a run's stack only grows, so each discovery is new, and two completions that both see "no step pending" collapse. */
  discover: (runId: string, stackLength: number) => `${runId}:d:${stackLength}`,
  step: (runId: string, stepId: string) => `${runId}:s:${stepId}`,
  wake: (runId: string, stepId: string) => `${runId}:w:${stepId}`,
  pauseTimeout: (runId: string, stepId: string) => `${runId}:t:${stepId}`,
  gateway: (runId: string, stepId: string) => `${runId}:g:${stepId}`,
  /** `key` is the debounce register's key, `version` the register version that armed this timer. */
  debounce: (key: string, version: number) => `debounce:${key}:${version}`,
  /** A batch is flushed when full or at its timeout: two ids, so each may be queued once. */
  batch: (key: string, batchId: string, why: "full" | "timeout") => `batch:${key}:${batchId}:${why}`,
  runTimeout: (runId: string) => `${runId}:timeout`,
  cron: (functionId: string, cron: string, at: number) => `cron:${functionId}:${cron}:${at}`,
  /** Page `page` of bulk operation `operationId`: each page once. */
  bulk: (operationId: string, page: number) => `bulk:${operationId}:${page}`,
} as const;

/** The stack length a discovery job was queued at, read back from its id (`jobId.discover`). */
export function discoveryStackLength(job: Job): number | undefined {
  const match = job.kind === "discover" ? /:d:(\d+)$/.exec(job.id) : null;
  return match ? Number(match[1]) : undefined;
}

/** A job to queue: `attempt` defaults to 0 (a first attempt). */
export type NewJob = Fresh<Job>;
type Fresh<J> = J extends Job ? Omit<J, "attempt"> & { attempt?: number } : never;

/** Queue a job (false when its id was seen: a duplicate collapsed). */
export function enqueueJob(queue: Pick<Queue, "enqueue">, job: NewJob): Promise<boolean> {
  // The one place a typed payload becomes the store's untyped JSON object.
  return queue.enqueue({ ...job, payload: job.payload as unknown as Record<string, unknown>, attempt: job.attempt ?? 0 });
}

/** Queue several jobs in one write (`Queue.enqueueMany`); answers per job, false for a duplicate. */
export function enqueueJobs(queue: Pick<Queue, "enqueueMany">, jobs: readonly NewJob[]): Promise<boolean[]> {
  if (jobs.length === 0) return Promise.resolve([]);
  return queue.enqueueMany(jobs.map((job) => ({ ...job, payload: job.payload as unknown as Record<string, unknown>, attempt: job.attempt ?? 0 })));
}

/** What each kind of job does, one handler per kind: a kind without one does not compile. */
export type JobHandlers = { [K in JobKind]: (job: Job<K>, lease: Lease) => Promise<JobOutcome> };

/**
 * Run a leased job through its kind's handler. A kind this engine does not know (queued by a newer
 * version) is an error, so the job is retried rather than dropped.
 */
export function dispatchJob(handlers: JobHandlers, lease: Lease): Promise<JobOutcome> {
  const job = lease.item as Job;
  const handler = Object.hasOwn(handlers, job.kind) ? (handlers[job.kind] as (job: Job, lease: Lease) => Promise<JobOutcome>) : undefined;
  if (!handler) return Promise.reject(new Error(`unknown job kind "${job.kind}"`));
  return handler(job, lease);
}
