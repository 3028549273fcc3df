// Weft's own SDK: `step.waitForSignal` and `client.sendSignal` against the server over real HTTP.
// A run parks on a signal and `POST /v1/signals` or `sendSignal` resumes it with `{ signal, data }`;
// a wait that times out returns null; the `onConflict: "fail"` rule holds.
import { randomUUID } from "node:crypto";
import { Weft } from "@weft/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runWithStatus, serveApp, startTestWeft, stepsOf, waitFor, type ApiRun, type TestWeft } from "../src/index.js";

let weft: TestWeft;
let app: { close(): Promise<void> };
let client: Weft;

beforeAll(async () => {
  weft = await startTestWeft();
  client = new Weft({ id: "signals-app", baseUrl: weft.url });
  const waiter = (id: string, onConflict?: "replace" | "fail") =>
    client.createFunction({ id, retries: 0 }, { event: `sig/${id}` }, async ({ event, step }) => {
      const got = await step.waitForSignal<{ approved: boolean }>("await-signal", {
        signal: String(event.data.signal),
        timeout: String(event.data.timeout),
        ...(onConflict ? { onConflict } : {}),
      });
      return got;
    });
  app = await serveApp(weft, client, [waiter("wait"), waiter("wait-fail", "fail")]);
});

afterAll(async () => {
  await app?.close();
  await weft?.close();
});

/** A run of `fn` waiting on `signal`, once its wait is registered. */
async function waitingRun(fn: "wait" | "wait-fail", signal: string, timeout = "1h"): Promise<ApiRun> {
  const run = await runOf(weft, `sig/${fn}`, { signal, timeout });
  await waitFor(async () => {
    const step = (await stepsOf(weft, run.run_id)).find((s) => s.op === "WaitForSignal" && s.status === "Waiting");
    return step ?? undefined;
  }, "the signal wait");
  return run;
}

describe("Weft SDK: step.waitForSignal", () => {
  it("a run waits, and POST /v1/signals resumes it with { signal, data }", async () => {
    const signal = `rest-${randomUUID()}`;
    const run = await waitingRun("wait", signal);
    const answer = await api<{ data: { run_id: string } }>(weft.url, "POST", "/v1/signals", { signal, data: { approved: true } });
    expect(answer).toEqual({ data: { run_id: run.run_id } });
    expect((await runWithStatus(weft, run.run_id, "Completed")).output).toEqual({ signal, data: { approved: true } });
    const line = (await stepsOf(weft, run.run_id)).find((s) => s.name === "await-signal");
    expect({ op: line?.op, status: line?.status }).toEqual({ op: "WaitForSignal", status: "Completed" });
  });

  it("client.sendSignal resumes a waiting run and answers its id; a consumed signal reaches nobody", async () => {
    const signal = `client-${randomUUID()}`;
    const run = await waitingRun("wait", signal);
    expect(await client.sendSignal({ signal, data: { approved: false } })).toEqual({ runId: run.run_id });
    expect((await runWithStatus(weft, run.run_id, "Completed")).output).toEqual({ signal, data: { approved: false } });
    expect(await client.sendSignal({ signal, data: {} })).toEqual({ runId: undefined });
  });

  it("a wait that times out returns null", async () => {
    const run = await waitingRun("wait", `never-${randomUUID()}`, "1s");
    expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBeNull();
  });

  it('onConflict "fail": a second run waiting on the same signal fails, the first keeps it', async () => {
    const signal = `shared-${randomUUID()}`;
    const first = await waitingRun("wait", signal);
    const second = await runOf(weft, "sig/wait-fail", { signal, timeout: "1h" });
    const failed = await runWithStatus(weft, second.run_id, "Failed");
    expect(JSON.stringify(failed.output)).toMatch(/already waits for the signal/);
    expect(await client.sendSignal({ signal, data: "first" })).toEqual({ runId: first.run_id });
    expect((await runWithStatus(weft, first.run_id, "Completed")).output).toEqual({ signal, data: "first" });
  });
});
