// Async checkpointing (protocol §11): with it, the SDK runs steps in-process, reports them with
// POST /v1/checkpoint/:runId/async and ends with `206 [RunComplete]`; without it, the classic
// one-step-per-request path. v4 checkpoints by default, v3 only when asked.
import { beforeAll, describe, expect, it } from "vitest";
import { runOf, runWithStatus, stepsOf } from "../harness.js";
import type { CompatClient, CompatFunction, SdkUnderTest } from "../sdk-under-test.js";
import { callsOfRun, opsOf, serveAndSync, type ServedApp } from "../serve-inngest.js";
import { Counter, sha1Hex, useWeft } from "./context.js";

const threeSteps = ["one", "two", "three"];

export function checkpointScenarios(sdk: SdkUnderTest): void {
  describe("checkpointing", () => {
    const env = useWeft();
    const c = new Counter();
    let client: CompatClient;
    let app: ServedApp;
    let offClient: CompatClient;
    let offApp: ServedApp;

    const stepsFn = (on: CompatClient, id: string, checkpointing?: boolean): CompatFunction =>
      on.createFunction({ id, checkpointing }, [{ event: `compat/cp.${id}` }], async ({ step, runId }) => {
        const out: string[] = [];
        for (const s of threeSteps)
          out.push(
            await step.run(s, () => {
              c.hit(runId, s);
              return s.toUpperCase();
            }),
          );
        return out.join("-");
      });

    beforeAll(async () => {
      client = sdk.createClient({ id: "cp", baseUrl: env.weft.url });
      const sleepy = client.createFunction({ id: "sleepy", checkpointing: true }, [{ event: "compat/cp.sleepy" }], async ({ step, runId }) => {
        const a = await step.run("before-sleep", () => {
          c.hit(runId, "before");
          return "a";
        });
        await step.sleep("nap", "1s");
        const b = await step.run("after-sleep", () => {
          c.hit(runId, "after");
          return "b";
        });
        return a + b;
      });
      app = await serveAndSync(env.weft, sdk, client, [
        stepsFn(client, "default"),
        stepsFn(client, "fn-on", true),
        stepsFn(client, "fn-off", false),
        sleepy,
      ]).then(env.track);
      offClient = sdk.createClient({ id: "cp-client-off", baseUrl: env.weft.url, checkpointing: false });
      offApp = await serveAndSync(env.weft, sdk, offClient, [stepsFn(offClient, "client-off")]).then(env.track);
    });

    /** The run went the checkpointing way: one call, steps checkpointed, `206 [RunComplete]`. */
    async function expectCheckpointed(on: CompatClient, served: ServedApp, runId: string): Promise<void> {
      const checkpoints = on.apiCalls.filter((call) => call.method === "POST" && call.url.pathname === `/v1/checkpoint/${runId}/async`);
      expect(checkpoints.length).toBeGreaterThan(0);
      const calls = callsOfRun(served, runId);
      expect(calls).toHaveLength(1);
      const last = opsOf(calls[0]!);
      expect(last.at(-1)).toMatchObject({ op: "RunComplete", data: "ONE-TWO-THREE" });
      // Every step reached the server, by a checkpoint or in the final answer.
      const reported = [
        ...checkpoints.flatMap((call) => (JSON.parse(call.body) as { run_id: string; steps: { id: string; op: string }[] }).steps),
        ...last.filter((o) => o.op === "StepRun"),
      ];
      for (const call of checkpoints) expect(JSON.parse(call.body)).toMatchObject({ run_id: runId });
      expect(new Set(reported.map((o) => o.id))).toEqual(new Set(threeSteps.map(sha1Hex)));
      const stored = await stepsOf(env.weft, runId);
      for (const s of threeSteps) expect(stored.find((st) => st.id === sha1Hex(s) || st.name === s)).toMatchObject({ output: s.toUpperCase() });
    }

    /** The run went the classic way: no checkpoint, one request per step plus the last one. */
    function expectClassic(on: CompatClient, served: ServedApp, runId: string): void {
      expect(on.apiCalls.filter((call) => call.url.pathname.startsWith(`/v1/checkpoint/${runId}`))).toEqual([]);
      expect(callsOfRun(served, runId).length).toBeGreaterThanOrEqual(threeSteps.length + 1);
    }

    async function runSteps(id: string): Promise<string> {
      const run = await runOf(env.weft, `compat/cp.${id}`);
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toBe("ONE-TWO-THREE");
      for (const s of threeSteps) expect(c.count(run.run_id, s)).toBe(1);
      return run.run_id;
    }

    it(`by default (${sdk.checkpointsByDefault ? "on" : "off"} in v${sdk.major})`, async () => {
      const runId = await runSteps("default");
      if (sdk.checkpointsByDefault) await expectCheckpointed(client, app, runId);
      else expectClassic(client, app, runId);
    });

    it("checkpointing: true on the function: steps run in-process, checkpointed, RunComplete accepted", async () => {
      await expectCheckpointed(client, app, await runSteps("fn-on"));
    });

    it("checkpointing: false on the function: the classic path", async () => {
      expectClassic(client, app, await runSteps("fn-off"));
    });

    it("checkpointing: false on the client: the classic path", async () => {
      expectClassic(offClient, offApp, await runSteps("client-off"));
    });

    it("a checkpointed run that sleeps runs each step once, before and after the sleep", async () => {
      const run = await runOf(env.weft, "compat/cp.sleepy");
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toBe("ab");
      expect(c.count(run.run_id, "before")).toBe(1);
      expect(c.count(run.run_id, "after")).toBe(1);
      expect(client.apiCalls.some((call) => call.url.pathname === `/v1/checkpoint/${run.run_id}/async`)).toBe(true);
    });
  });
}
