// Every official serve adapter that runs on Node, beyond express and hono (sync.ts): fastify, koa,
// node:http, the edge (fetch) handler and Next.js route handlers. Each syncs and runs one function
// that uses step.run, sleep, waitForEvent and invoke (the step kinds of steps.ts, in one run).
import { randomUUID } from "node:crypto";
import { describe, expect, it } from "vitest";
import type { AdapterName, AdapterSet } from "../adapters/adapter-set.js";
import { adapterNames } from "../adapters/adapter-set.js";
import { serveWithAdapter } from "../adapters/serve-adapter.js";
import { api, runOf, runWithStatus, sendEvents, stepsOf } from "../harness.js";
import type { SdkUnderTest } from "../sdk-under-test.js";
import { syncApp } from "../serve-inngest.js";
import { functionsOfApp, stepWhere, useWeft } from "./context.js";

/** The `frameworkName` each adapter reports (x-inngest-framework, and the sync's `framework`). */
const frameworkOf: Record<AdapterName, string> = { fastify: "fastify", koa: "koa", node: "nodejs", edge: "edge", next: "nextjs" };

export function serveAdapterScenarios(sdk: SdkUnderTest, adapters: AdapterSet): void {
  describe("serve adapters", () => {
    const env = useWeft();

    for (const name of adapterNames) {
      it(`${name}: syncs, then runs step.run, sleep, waitForEvent and invoke`, async () => {
        const event = `compat/adapter.${name}`;
        const client = sdk.createClient({ id: `adapter-${name}`, baseUrl: env.weft.url });
        const child = client.createFunction({ id: "child" }, [{ event: `${event}.child` }], async ({ event: e, step }) =>
          step.run("triple", () => Number(e.data.n) * 3),
        );
        const main = client.createFunction({ id: "main" }, [{ event }], async ({ event: e, step }) => {
          const greeting = await step.run("greet", () => `hello ${String(e.data.key)}`);
          await step.sleep("nap", "1s");
          const reply = await step.waitForEvent("reply", { event: `${event}.reply`, match: "data.key", timeout: "30s" });
          const tripled = await step.invoke("triple", { function: child, data: { n: 7 } });
          return { greeting, reply: reply?.data ?? null, tripled };
        });
        const app = env.track(await serveWithAdapter(sdk, adapters, name, client, [child, main]));

        expect(await syncApp(env.weft, app.url)).toMatchObject({ ok: true });
        expect((await functionsOfApp(env.weft, client.id)).map((f) => f.id)).toEqual([`${client.id}-child`, `${client.id}-main`]);
        const { data } = await api<{ data: { synced: { id: string; framework?: string }[] } }>(env.weft.url, "GET", "/v1/apps");
        expect(data.synced.find((a) => a.id === client.id)?.framework).toBe(frameworkOf[name]);

        const key = randomUUID();
        const run = await runOf(env.weft, event, { key });
        await stepWhere(env.weft, run.run_id, (s) => s.op === "WaitForEvent" && s.status === "Waiting", "the reply wait");
        await sendEvents(env.weft, [
          { name: `${event}.reply`, data: { key: "someone-else" } },
          { name: `${event}.reply`, data: { key, approved: true } },
        ]);
        const done = await runWithStatus(env.weft, run.run_id, "Completed");
        expect(done.output).toEqual({ greeting: `hello ${key}`, reply: { key, approved: true }, tripled: 21 });

        const ops = (await stepsOf(env.weft, run.run_id)).map((s) => `${s.op}:${s.status}`);
        expect(ops).toEqual(expect.arrayContaining(["Sleep:Completed", "WaitForEvent:Completed", "InvokeFunction:Completed"]));
        // The run's calls were answered by this adapter, not by a default one.
        const calls = app.answers.filter((a) => a.method === "POST");
        expect(calls.length).toBeGreaterThan(0);
        for (const call of calls) expect(call.headers["x-inngest-framework"]).toBe(frameworkOf[name]);
      });
    }
  });
}
