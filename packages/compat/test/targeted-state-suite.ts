// The targeted-state suite, run by targeted-state-v4.test.ts and targeted-state-v3.test.ts (one SDK
// per process: v3 and v4 share a global the other breaks). A planned step's call (stepId=<hash>)
// carries only the state the step was planned with: the results the SDK had when it reported the
// step, not those of siblings that finished since (protocol §6, packages/engine/src/request-body.ts).
// Checked against the real SDK over HTTP: what the app receives, and that the runs still end with
// the right values.
import { setTimeout as delay } from "node:timers/promises";
import { beforeAll, describe, expect, it } from "vitest";
import { runOf, runWithStatus } from "../src/harness.js";
import { Counter, sha1Hex, useWeft } from "../src/scenarios/context.js";
import type { SdkUnderTest } from "../src/sdk-under-test.js";
import { callsOfRun, opsOf, serveAndSync, type AppExchange, type ServedApp } from "../src/serve-inngest.js";

interface CallBody {
  steps: Record<string, unknown>;
  ctx: { stack: { stack: string[]; current: number } };
}

/** A run's planned-step calls: the hashed step id each asked for, with the state it carried. */
function targetedCalls(app: ServedApp, runId: string): { target: string; body: CallBody; exchange: AppExchange }[] {
  return callsOfRun(app, runId)
    .filter((e) => (e.url.searchParams.get("stepId") ?? "step") !== "step")
    .map((e) => ({ target: e.url.searchParams.get("stepId") as string, body: JSON.parse(e.body) as CallBody, exchange: e }));
}

/** Hashed ids of the steps whose results the app had answered (in a 206) before `call` was made. */
function answeredBefore(app: ServedApp, runId: string, call: AppExchange): Set<string> {
  const calls = callsOfRun(app, runId);
  const done = new Set<string>();
  for (const e of calls.slice(0, calls.indexOf(call))) for (const op of opsOf(e)) if (op.op === "StepRun" && op.id) done.add(op.id);
  return done;
}

export function targetedStateSuite(sdk: SdkUnderTest): void {
  describe(`${sdk.label}: a planned step's call carries the state it was planned with`, () => {
    const env = useWeft();
    const c = new Counter();
    const parts = ["a", "b", "c", "d"];
    const event = (name: string) => `compat/targeted-${sdk.major}.${name}`;
    let app: ServedApp;

    beforeAll(async () => {
      const client = sdk.createClient({ id: `targeted-${sdk.major}`, baseUrl: env.weft.url });
      // `concurrency: 1`: one call of the run at a time, so each part's call is made after the
      // parts queued before it have finished: the calls that used to carry their results.
      const fan = client.createFunction({ id: "fan", concurrency: 1, retries: 0 }, [{ event: event("fan") }], async ({ step, runId }) => {
        // v4 runs this in the discovery call and checkpoints it: the server's copy of the state
        // lacks it when the parts are planned, yet their calls need it to replay up to them.
        const first = await step.run("first", () => 10);
        const got = await Promise.all(
          parts.map((p) =>
            step.run(`part-${p}`, () => {
              c.hit(runId, p);
              return `${p.toUpperCase()}${first}`;
            }),
          ),
        );
        return { first, got };
      });
      // a2 is planned after a1 finished, while b1 still runs: its call needs a1's result.
      const chain = client.createFunction({ id: "chain", retries: 0 }, [{ event: event("chain") }], async ({ step, runId }) => {
        const [x, y] = await Promise.all([
          step
            .run("a1", () => {
              c.hit(runId, "a1");
              return "a1";
            })
            .then((v) =>
              step.run("a2", () => {
                c.hit(runId, "a2");
                return `${v}-a2`;
              }),
            ),
          step.run("b1", async () => {
            c.hit(runId, "b1");
            await delay(1500);
            return "b1";
          }),
        ]);
        return `${x}+${y}`;
      });
      app = await serveAndSync(env.weft, sdk, client, [fan, chain]).then(env.track);
    });

    it("fan-out: each part's call carries only the step before the fan-out, not the parts already done", async () => {
      const run = await runOf(env.weft, event("fan"));
      const done = await runWithStatus(env.weft, run.run_id, "Completed");
      expect(done.output).toEqual({ first: 10, got: ["A10", "B10", "C10", "D10"] });
      for (const p of parts) expect(c.count(run.run_id, p)).toBe(1);

      const first = sha1Hex("first");
      const partIds = parts.map((p) => sha1Hex(`part-${p}`));
      const calls = targetedCalls(app, run.run_id);
      expect(calls.map((t) => t.target).sort()).toEqual([...partIds].sort());
      for (const { body } of calls) {
        expect(Object.keys(body.steps)).toEqual([first]);
        expect(body.ctx.stack).toEqual({ stack: [first], current: 1 });
      }
      // The last part's call was made once the other parts had answered: their results existed,
      // and were left out.
      const last = calls.at(-1) as (typeof calls)[number];
      const answered = answeredBefore(app, run.run_id, last.exchange);
      expect(partIds.filter((id) => answered.has(id))).toHaveLength(parts.length - 1);
    });

    it("a step planned after its chain's first step carries that result, and not the sibling planned beside it", async () => {
      const run = await runOf(env.weft, event("chain"));
      const done = await runWithStatus(env.weft, run.run_id, "Completed");
      expect(done.output).toBe("a1-a2+b1");
      for (const s of ["a1", "a2", "b1"]) expect(c.count(run.run_id, s)).toBe(1);

      const calls = targetedCalls(app, run.run_id);
      const a2 = calls.find((t) => t.target === sha1Hex("a2"));
      expect(a2?.body.ctx.stack).toEqual({ stack: [sha1Hex("a1")], current: 1 });
      expect(Object.keys(a2?.body.steps ?? {})).toEqual([sha1Hex("a1")]);
      for (const s of ["a1", "b1"]) expect(calls.find((t) => t.target === sha1Hex(s))?.body.ctx.stack).toEqual({ stack: [], current: 0 });
    });
  });
}
