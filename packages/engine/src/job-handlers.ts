import { leaseCountOf, type Lease, type StoredEvent } from "@weft/store";
import { done, type EngineContext, type JobOutcome } from "./context.js";
import { saveAndContinue } from "./continue-run.js";
import { fireCron } from "./cron.js";
import { handleEvent } from "./event-handler.js";
import type { Executor } from "./executor.js";
import { flushBatch } from "./flow/batching.js";
import { expireRun, fireDebounce } from "./flow/flow-jobs.js";
import { runGateway } from "./gateway.js";
import { expirePause } from "./pauses.js";
import { completeTimeline } from "./timeline.js";

/** What each kind of queue job does (the table in ARCHITECTURE.md). */
export async function handleJob(ctx: EngineContext, executor: Executor, lease: Lease): Promise<JobOutcome> {
  const { item } = lease;
  switch (item.kind) {
    case "event":
      await handleEvent(ctx, item.payload as unknown as StoredEvent);
      return done;
    case "discover":
    case "step":
      return executor.run(item, leaseCountOf(lease.token) > 1);
    case "wake": {
      const stepId = String(item.payload.stepId);
      if (await saveAndContinue(ctx, item.runId ?? "", item.tenant, stepId, "null")) {
        await completeTimeline(ctx, item.runId ?? "", stepId, "Completed", "null");
      }
      return done;
    }
    case "pause-timeout":
      await expirePause(ctx, item.runId ?? "", item.tenant, item.payload as { pauseId: string; stepId: string; value: string });
      return done;
    case "gateway":
      return runGateway(ctx, item);
    case "cron":
      await fireCron(ctx, item);
      return done;
    case "debounce":
      await fireDebounce(ctx, item);
      return done;
    case "batch": {
      const { functionId, key, batchId } = item.payload as { functionId: string; key: string; batchId: string };
      await flushBatch(ctx, functionId, key, batchId);
      return done;
    }
    case "run-timeout":
      await expireRun(ctx, item);
      return done;
  }
}
