// The executor on its own: the in-process driver calls a scripted app (the SDK's side of protocol
// §3–§5 written out by hand), on memory stores and a manual clock. The test plays the worker: it
// leases a due job and hands it to `Executor.run`.
import { type FunctionConfig, headers, type OutgoingOp, type WeftEvent } from "@weft/core";
import { createMemoryStores, type FunctionRecord, ManualClock, type StoreBundle } from "@weft/store";
import { beforeEach, expect, it } from "vitest";
import { CheckpointedRuns } from "./checkpoint.js";
import type { EngineContext } from "./context.js";
import { Executor } from "./executor.js";
import { FlowController } from "./flow/flow-controller.js";
import { FunctionRegistry } from "./function-registry.js";
import { InProcessDriver } from "./in-process-driver.js";
import type { Job } from "./jobs.js";
import { resolveLimits } from "./limits.js";
import { silentLogger } from "./logger.js";
import { startRun } from "./run-starter.js";

/** What the app sees of one call: the step it is asked to run ("step" for a discovery), results so far, the attempt. */
interface Call {
  stepId: string;
  steps: Record<string, { data?: unknown; error?: unknown }>;
  attempt: number;
}
/** The app's answer: ops (206) or the function's return value (200). */
type Answer = { ops: OutgoingOp[] } | { result: unknown };
type Script = (call: Call) => Answer;

const fn: FunctionRecord = {
  id: "app-fn",
  appId: "app",
  name: "fn",
  config: {
    id: "app-fn",
    triggers: [{ event: "test/go" }],
    steps: { step: { id: "step", name: "step", runtime: { type: "http", url: "http://embedded/api/inngest" }, retries: { attempts: 2 } } },
  } satisfies FunctionConfig,
};

/** Doubles per attempt, so a test can tell the first retry's delay from the second's. */
const backoff = (attempt: number) => 1_000 * 2 ** attempt;

let clock: ManualClock;
let stores: StoreBundle;
let script: Script;
let executor: Executor;
let runId: string;

beforeEach(async () => {
  clock = new ManualClock();
  stores = createMemoryStores({ clock });
  await stores.registry.replaceFunctions(fn.appId, [fn]);
  const driver = new InProcessDriver(async (req) => {
    const url = new URL(req.url);
    const body = JSON.parse(req.body) as { steps: Call["steps"]; ctx: { attempt: number } };
    const answer = script({ stepId: url.searchParams.get("stepId") ?? "", steps: body.steps, attempt: body.ctx.attempt });
    const [status, json] = "ops" in answer ? [206, answer.ops] : [200, answer.result];
    return { status, headers: { [headers.sdk]: "js:v3.0.0" }, body: JSON.stringify(json) };
  });
  const ctx: EngineContext = {
    stores,
    clock,
    driver,
    registry: new FunctionRegistry(stores.registry),
    backoff,
    log: silentLogger,
    env: "dev",
    flow: new FlowController(stores.flow, clock, "dev"),
    limits: resolveLimits(),
    checkpointed: new CheckpointedRuns(),
    cancelRun: async () => false,
  };
  executor = new Executor(ctx, async () => undefined);
  const event: WeftEvent = { id: "evt-1", name: "test/go", data: {}, user: {}, ts: clock.now() };
  runId = (await startRun(ctx, fn, [event], { eventInternalId: "evt-1" })) ?? "";
});

/** Lease the next due job (as the worker would) and finish its lease: the test decides what runs it. */
async function nextJob(): Promise<Job> {
  const [lease] = await stores.queue.lease({ now: clock.now(), leaseMs: 60_000, limit: 1 });
  if (!lease) throw new Error(`no job due at ${clock.now()}`);
  await stores.queue.dequeue(lease.token);
  return lease.item as Job;
}

/** Hand a discover or step job to the executor, as the worker's dispatch table does by kind. */
function call(job: Job, leasedBefore = false) {
  if (job.kind !== "discover" && job.kind !== "step") throw new Error(`not a job the executor runs: ${job.kind}`);
  return executor.run(job, leasedBefore);
}

const stepRun = (id: string, data: unknown): OutgoingOp => ({ op: "StepRun", id, name: id, data });

it("runs a sequential function to the end in one job, each step's result saved once", async () => {
  script = ({ steps }) => {
    if (!steps.a) return { ops: [stepRun("a", 1)] };
    if (!steps.b) return { ops: [stepRun("b", 2)] };
    return { result: (steps.a.data as number) + (steps.b.data as number) };
  };
  expect(await call(await nextJob())).toEqual({ type: "done" });
  const state = await stores.state.loadRun(runId);
  expect(state?.metadata.status).toBe("Completed");
  expect(state?.stack).toEqual(["a", "b"]);
  expect(state?.steps.get("a")).toBe('{"data":1}');
  expect((await stores.history.getRun(runId))?.output).toBe('{"data":3}');
  // Write-once: the same bytes again are idempotent, other bytes are refused.
  expect((await stores.state.saveStep(runId, "a", '{"data":1}')).status).toBe("idempotent");
  await expect(stores.state.saveStep(runId, "a", '{"data":9}')).rejects.toThrow();
});

it("retries a failing step after the backoff, on the manual clock", async () => {
  script = ({ steps, attempt }) => {
    if (steps.a) return { result: steps.a.data };
    if (attempt < 2) return { ops: [{ op: "StepError", id: "a", name: "a", error: { name: "Error", message: `failure ${attempt + 1}` } }] };
    return { ops: [stepRun("a", "third time")] };
  };
  const job = await nextJob();
  const start = clock.now();
  expect(await call(job)).toEqual({ type: "retry", attempt: 1, availableAt: start + 1_000 });
  clock.advance(1_000);
  expect(await call({ ...job, attempt: 1 })).toEqual({ type: "retry", attempt: 2, availableAt: start + 1_000 + 2_000 });
  clock.advance(2_000);
  expect(await call({ ...job, attempt: 2 })).toEqual({ type: "done" });
  expect((await stores.history.getRun(runId))?.output).toBe('{"data":"third time"}');
  const lines = await stores.history.listSteps(runId);
  expect(lines.map((l) => [l.attempt, l.status])).toEqual([
    [0, "Errored"],
    [1, "Errored"],
    [2, "Completed"],
  ]);
});

it("a sleep queues the wake job for the moment the sleep ends", async () => {
  script = () => ({ ops: [{ op: "Sleep", id: "nap", name: "1h" }] });
  const sleptAt = clock.now();
  expect(await call(await nextJob())).toEqual({ type: "done" });
  expect((await stores.state.loadRun(runId))?.pending.has("nap")).toBe(true);
  expect(await stores.queue.nextAvailableAt(clock.now())).toBe(sleptAt + 3_600_000);
  clock.advance(3_600_000 - 1);
  await expect(nextJob()).rejects.toThrow(/no job due/);
  clock.advance(1);
  const wake = await nextJob();
  expect([wake.kind, wake.id, wake.payload]).toEqual(["wake", `${runId}:w:nap`, { stepId: "nap" }]);
});

it("a planned step delivered twice runs once: the second delivery finds its result saved", async () => {
  const ran: string[] = [];
  script = ({ stepId, steps }) => {
    if (stepId === "step") return steps.p ? { result: steps.p.data } : { ops: [{ op: "StepPlanned", id: "p", name: "p" }] };
    ran.push(stepId);
    return { ops: [stepRun(stepId, "once")] };
  };
  await call(await nextJob()); // the discovery plans step p
  const stepJob = await nextJob();
  expect([stepJob.kind, stepJob.id]).toEqual(["step", `${runId}:s:p`]);
  expect(await call(stepJob)).toEqual({ type: "done" });
  expect(await call(stepJob, true)).toEqual({ type: "done" }); // redelivered (its first holder "died")
  expect(ran).toEqual(["p"]);
  expect((await stores.state.loadRun(runId))?.steps.get("p")).toBe('{"data":"once"}');
});
