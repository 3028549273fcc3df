import type { Clock, Stores } from "@weft/store";
import type { Dispatcher } from "undici";
import type { Backoff } from "./backoff.js";
import type { CheckpointedRuns } from "./checkpoint.js";
import type { Driver } from "./driver.js";
import type { FlowController } from "./flow/flow-controller.js";
import type { FunctionRegistry } from "./function-registry.js";
import type { Limits } from "./limits.js";
import type { UrlPolicy } from "./url-policy.js";
import type { Logger } from "./logger.js";
import type { EngineObserver } from "./observer.js";

/** What every part of the engine shares; built once by `Engine`. */
export interface EngineContext {
  stores: Stores;
  clock: Clock;
  driver: Driver;
  registry: FunctionRegistry;
  backoff: Backoff;
  log: Logger;
  /** The environment runs and pauses belong to (one per server for now). */
  env: string;
  flow: FlowController;
  /** Size and count limits (event, step output, run state, steps, batch). */
  limits: Limits;
  /** Targets `step.fetch` and `step.ai.infer` may call (`--allow-fetch-url`); any when unset. */
  allowFetchUrl?: UrlPolicy;
  /** What `step.fetch` and `step.ai.infer` calls go through: the private-address guard, or undici's global dispatcher when unset. */
  fetchDispatcher?: Dispatcher;
  /** Step counts and state sizes of runs checkpointing through this engine, for the run limits. */
  checkpointed: CheckpointedRuns;
  /** Traces and metrics (`observer.ts`); undefined when nothing listens, so every hook is skipped. */
  observer?: EngineObserver;
  /** End a running run as Cancelled (false when it had already ended). */
  cancelRun: (runId: string, reason: string) => Promise<boolean>;
}

/**
 * What a job handler tells the worker to do with the job's lease. `untouched`: the job was turned
 * away before doing anything (no call, no write), so its next lease counts as its first
 * (`Worker`): it is not a delivery that may have left work half done.
 */
export type JobOutcome = { type: "done" } | { type: "retry"; availableAt: number; attempt: number; untouched?: true };

export const done: JobOutcome = { type: "done" };
