// The signals suite, run by signals-v4.test.ts and signals-v3.test.ts: `step.waitForSignal` and
// `inngest.sendSignal` with the official SDK over real HTTP. A run parks on a signal and resumes
// with its data, a wait times out to null, a signal nobody waits for is answered as the SDK
// expects, and the `onConflict` rules (`fail`, `replace`) hold, also for runs that start their
// waits at the same instant.
import { randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runsOf, runWithStatus, sendEvents, stepsOf, waitFor, type ApiRun } from "../src/harness.js";
import { errorOf, getRun, stepWhere, useWeft } from "../src/scenarios/context.js";
import type { SdkUnderTest } from "../src/sdk-under-test.js";
import { serveAndSync } from "../src/serve-inngest.js";

/** What both SDK versions' clients answer to `sendSignal`. */
interface SignalSender {
  sendSignal(opts: { signal: string; data?: unknown }): Promise<{ runId?: string }>;
}

/**
 * Register the suite for one SDK version (one per test file: v3 and v4 share a global and cannot
 * serve apps in one process). `races`: how many signals the race case starts two runs on.
 */
export function signalsSuite(sdk: SdkUnderTest, opts: { races: number }): void {
  describe(`${sdk.label}: step.waitForSignal`, () => {
    const env = useWeft();
    const prefix = `sig${sdk.major}`;
    let inngest: SignalSender;

    beforeAll(async () => {
      const client = sdk.createClient({ id: `signals-v${sdk.major}`, baseUrl: env.weft.url });
      inngest = (client as unknown as { inngest: SignalSender }).inngest;
      const waiter = (id: string, onConflict: "replace" | "fail") =>
        client.createFunction({ id, retries: 0 }, [{ event: `${prefix}/${id}` }], async ({ event, step }) =>
          step.waitForSignal("await-signal", { signal: String(event.data.signal), timeout: String(event.data.timeout), onConflict }),
        );
      await serveAndSync(env.weft, sdk, client, [waiter("wait-replace", "replace"), waiter("wait-fail", "fail")]).then(env.track);
    });

    /** A run of `fn` waiting on `signal`, once its wait is registered. */
    async function waitingRun(fn: "wait-replace" | "wait-fail", signal: string, timeout = "1h"): Promise<ApiRun> {
      const run = await runOf(env.weft, `${prefix}/${fn}`, { signal, timeout });
      await stepWhere(env.weft, run.run_id, (s) => s.op === "WaitForSignal" && s.status === "Waiting", "the signal wait");
      return run;
    }

    async function waitLine(runId: string) {
      const line = (await stepsOf(env.weft, runId)).find((s) => s.name === "await-signal");
      return { op: line?.op, status: line?.status, output: line?.output };
    }

    it("a run waits, and sendSignal resumes it with the signal's data", async () => {
      const signal = `order-${randomUUID()}`;
      const run = await waitingRun("wait-replace", signal);
      const sent = await inngest.sendSignal({ signal, data: { approved: true } });
      expect(sent.runId).toBe(run.run_id);
      const ended = await runWithStatus(env.weft, run.run_id, "Completed");
      expect(ended.output).toEqual({ signal, data: { approved: true } });
      expect(await waitLine(run.run_id)).toEqual({ op: "WaitForSignal", status: "Completed", output: { signal, data: { approved: true } } });
      // The wait is consumed: the same signal again reaches nobody.
      expect((await inngest.sendSignal({ signal, data: {} })).runId).toBeUndefined();
    });

    it("POST /v1/signals resumes a waiting run and answers its id", async () => {
      const signal = `rest-${randomUUID()}`;
      const run = await waitingRun("wait-replace", signal);
      const answer = await api<{ data: { run_id: string } }>(env.weft.url, "POST", "/v1/signals", { signal, data: 7 });
      expect(answer).toEqual({ data: { run_id: run.run_id } });
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toEqual({ signal, data: 7 });
    });

    it("a wait that times out returns null", async () => {
      const run = await waitingRun("wait-replace", `never-${randomUUID()}`, "1s");
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toBeNull();
      expect(await waitLine(run.run_id)).toEqual({ op: "WaitForSignal", status: "Completed", output: null });
    });

    it("a signal no run waits for: the server answers 404, the SDK resolves with no run id", async () => {
      const signal = `nobody-${randomUUID()}`;
      expect(await inngest.sendSignal({ signal, data: {} })).toEqual({ runId: undefined });
      await expect(api(env.weft.url, "POST", "/v1/signals", { signal })).rejects.toThrow(/404/);
    });

    it('onConflict "fail": a second run waiting on the same signal fails', async () => {
      const signal = `shared-${randomUUID()}`;
      const first = await waitingRun("wait-replace", signal);
      const second = await runOf(env.weft, `${prefix}/wait-fail`, { signal, timeout: "1h" });
      const failed = await runWithStatus(env.weft, second.run_id, "Failed");
      expect(errorOf(failed).message).toMatch(/already waits for the signal/);
      // The first wait stands, and the signal still reaches it.
      expect((await inngest.sendSignal({ signal, data: "first" })).runId).toBe(first.run_id);
      expect((await runWithStatus(env.weft, first.run_id, "Completed")).output).toEqual({ signal, data: "first" });
    });

    it(`onConflict "fail" under a race: of two runs starting a wait on one signal at once, exactly one stands (x${opts.races})`, async () => {
      const signals = Array.from({ length: opts.races }, () => `race-${randomUUID()}`);
      // One request, two events per signal: the runs start, and reach their waits, side by side.
      const eventIds = await sendEvents(
        env.weft,
        signals.flatMap((signal) => [
          { name: `${prefix}/wait-fail`, data: { signal, timeout: "1h" } },
          { name: `${prefix}/wait-fail`, data: { signal, timeout: "1h" } },
        ]),
      );
      for (const [i, signal] of signals.entries()) {
        const runs = await Promise.all([eventIds[2 * i], eventIds[2 * i + 1]].map(async (id) => (await runsOf(env.weft, id as string))[0] as ApiRun));
        // Settled: each run has failed or is waiting (both waiting is what a non-atomic check allows).
        const settled = await waitFor(async () => {
          const states = await Promise.all(runs.map(async (r) => ({ run: await getRun(env.weft, r.run_id), wait: await waitLine(r.run_id) })));
          const failed = states.filter((s) => s.run.status === "Failed").map((s) => s.run);
          const waiting = states.filter((s) => s.run.status === "Running" && s.wait.status === "Waiting").map((s) => s.run);
          return failed.length + waiting.length === 2 ? { failed, waiting } : undefined;
        }, `both runs waiting on ${signal} to settle`);
        expect(settled.waiting, `runs left waiting on ${signal}`).toHaveLength(1);
        expect(errorOf(settled.failed[0] as ApiRun).message).toMatch(/already waits for the signal/);
        // The signal reaches the one that stands, once.
        const standing = settled.waiting[0] as ApiRun;
        expect((await inngest.sendSignal({ signal, data: i })).runId).toBe(standing.run_id);
        expect((await runWithStatus(env.weft, standing.run_id, "Completed")).output).toEqual({ signal, data: i });
        expect((await inngest.sendSignal({ signal, data: "again" })).runId).toBeUndefined();
      }
    });

    it('onConflict "replace": the newer wait takes the signal; the older one stays pending', async () => {
      const signal = `handover-${randomUUID()}`;
      const older = await waitingRun("wait-replace", signal);
      const newer = await waitingRun("wait-replace", signal);
      expect((await inngest.sendSignal({ signal, data: "newer" })).runId).toBe(newer.run_id);
      expect((await runWithStatus(env.weft, newer.run_id, "Completed")).output).toEqual({ signal, data: "newer" });
      // The older run no longer receives the signal but keeps waiting (until its timeout).
      expect((await inngest.sendSignal({ signal, data: "again" })).runId).toBeUndefined();
      expect((await getRun(env.weft, older.run_id)).status).toBe("Running");
      await api(env.weft.url, "POST", `/v1/runs/${older.run_id}/cancel`);
    });
  });
}
