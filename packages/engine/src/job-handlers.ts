import { runBulkPage } from "./bulk/bulk-operations.js";
import { done } from "./context.js";
import type { EngineContext } from "./context.js";
import { fireCron } from "./cron.js";
import { handleEvent } from "./event-handler.js";
import type { Executor } from "./executor.js";
import { flushBatch } from "./flow/batching.js";
import { expireRun, fireDebounce } from "./flow/flow-jobs.js";
import { runGateway } from "./gateway.js";
import type { JobHandlers } from "./jobs.js";
import { endWait } from "./continue-run.js";
import { expirePause } from "./pauses.js";

/** What each kind of queue job does (the table in ARCHITECTURE.md), for one engine. */
export function jobHandlers(ctx: EngineContext, executor: Executor): JobHandlers {
  return {
    event: async (job) => {
      await handleEvent(ctx, job.payload);
      return done;
    },
    // Delivered before: its holder died or it was requeued, so work it planned may be half done.
    discover: (job, lease) => executor.run(job, lease.deliveries > 1),
    step: (job, lease) => executor.run(job, lease.deliveries > 1),
    wake: async (job) => {
      await endWait(ctx, { runId: job.runId, tenant: job.tenant, stepId: job.payload.stepId }, "null", "Completed");
      return done;
    },
    "pause-timeout": async (job) => {
      await expirePause(ctx, job.runId, job.tenant, job.payload);
      return done;
    },
    gateway: (job) => runGateway(ctx, job),
    cron: async (job) => {
      await fireCron(ctx, job);
      return done;
    },
    debounce: async (job) => {
      await fireDebounce(ctx, job);
      return done;
    },
    batch: async (job) => {
      const { functionId, key, batchId } = job.payload;
      await flushBatch(ctx, functionId, key, batchId);
      return done;
    },
    "run-timeout": async (job) => {
      await expireRun(ctx, job);
      return done;
    },
    bulk: async (job) => {
      await runBulkPage(ctx, job);
      return done;
    },
  };
}
