// `step.waitForSignal` and `inngest.sendSignal` with the official SDK v3 (3.54 has both, marked
// experimental) over real HTTP: the same basic scenario as v4 (signals.test.ts): a run parks on a
// signal and resumes with its data, by `sendSignal` or `POST /v1/signals`; a wait that times out
// returns null; and `onConflict: "fail"` holds for two runs starting their waits at once.
import { randomUUID } from "node:crypto";
import type { Inngest } from "inngest-v3";
import { beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runsOf, runWithStatus, sendEvents, stepsOf, waitFor, type ApiRun } from "../src/harness.js";
import { errorOf, getRun, stepWhere, useWeft } from "../src/scenarios/context.js";
import type { CompatFunction } from "../src/sdk-under-test.js";
import { inngestV3 } from "../src/sdk-v3.js";
import { serveAndSync } from "../src/serve-inngest.js";

describe(`${inngestV3.label}: step.waitForSignal`, () => {
  const env = useWeft();
  let inngest: Inngest;

  beforeAll(async () => {
    const client = inngestV3.createClient({ id: "signals-v3", baseUrl: env.weft.url });
    inngest = (client as unknown as { inngest: Inngest }).inngest;
    const waiter = (id: string, onConflict: "replace" | "fail") =>
      inngest.createFunction({ id, retries: 0 }, { event: `sig3/${id}` }, async ({ event, step }) =>
        step.waitForSignal("await-signal", { signal: String(event.data.signal), timeout: String(event.data.timeout), onConflict }),
      );
    const functions = [waiter("wait-replace", "replace"), waiter("wait-fail", "fail")] as unknown as CompatFunction[];
    await serveAndSync(env.weft, inngestV3, client, functions).then(env.track);
  });

  async function waitingRun(signal: string, timeout = "1h"): Promise<ApiRun> {
    const run = await runOf(env.weft, "sig3/wait-replace", { signal, timeout });
    await stepWhere(env.weft, run.run_id, (s) => s.op === "WaitForSignal" && s.status === "Waiting", "the signal wait");
    return run;
  }

  async function waitLine(runId: string) {
    const line = (await stepsOf(env.weft, runId)).find((s) => s.name === "await-signal");
    return { op: line?.op, status: line?.status, output: line?.output };
  }

  it("a run waits, and sendSignal resumes it with the signal's data", async () => {
    const signal = `order-${randomUUID()}`;
    const run = await waitingRun(signal);
    const sent = await inngest.sendSignal({ signal, data: { approved: true } });
    expect(sent.runId).toBe(run.run_id);
    expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toEqual({ signal, data: { approved: true } });
    expect(await waitLine(run.run_id)).toEqual({ op: "WaitForSignal", status: "Completed", output: { signal, data: { approved: true } } });
    expect((await inngest.sendSignal({ signal, data: {} })).runId).toBeUndefined();
  });

  it("POST /v1/signals resumes a waiting run and answers its id", async () => {
    const signal = `rest-${randomUUID()}`;
    const run = await waitingRun(signal);
    expect(await api(env.weft.url, "POST", "/v1/signals", { signal, data: 7 })).toEqual({ data: { run_id: run.run_id } });
    expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toEqual({ signal, data: 7 });
  });

  it("a wait that times out returns null", async () => {
    const run = await waitingRun(`never-${randomUUID()}`, "1s");
    expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toBeNull();
    expect(await waitLine(run.run_id)).toEqual({ op: "WaitForSignal", status: "Completed", output: null });
  });

  it('onConflict "fail": of two runs starting a wait on one signal at once, exactly one stands (x6)', async () => {
    const signals = Array.from({ length: 6 }, () => `race-${randomUUID()}`);
    const eventIds = await sendEvents(
      env.weft,
      signals.flatMap((signal) => [
        { name: "sig3/wait-fail", data: { signal, timeout: "1h" } },
        { name: "sig3/wait-fail", data: { signal, timeout: "1h" } },
      ]),
    );
    for (const [i, signal] of signals.entries()) {
      const runs = await Promise.all([eventIds[2 * i], eventIds[2 * i + 1]].map(async (id) => (await runsOf(env.weft, id as string))[0] as ApiRun));
      const settled = await waitFor(async () => {
        const states = await Promise.all(runs.map(async (r) => ({ run: await getRun(env.weft, r.run_id), wait: await waitLine(r.run_id) })));
        const failed = states.filter((s) => s.run.status === "Failed").map((s) => s.run);
        const waiting = states.filter((s) => s.run.status === "Running" && s.wait.status === "Waiting").map((s) => s.run);
        return failed.length + waiting.length === 2 ? { failed, waiting } : undefined;
      }, `both runs waiting on ${signal} to settle`);
      expect(settled.waiting, `runs left waiting on ${signal}`).toHaveLength(1);
      expect(errorOf(settled.failed[0] as ApiRun).message).toMatch(/already waits for the signal/);
      const standing = settled.waiting[0] as ApiRun;
      expect((await inngest.sendSignal({ signal, data: i })).runId).toBe(standing.run_id);
      expect((await runWithStatus(env.weft, standing.run_id, "Completed")).output).toEqual({ signal, data: i });
    }
  });
});
