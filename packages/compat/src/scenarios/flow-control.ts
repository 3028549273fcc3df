// Flow control declared with the official SDK's documented function options: the engine reads
// them from the synced config and enforces them (the same engine code every backend shares; the
// per-backend checks are in packages/e2e/test/flow-control.test.ts).
import { describe, expect, it } from "vitest";
import { api, runsOf, runWithStatus, waitFor, type ApiRun } from "../harness.js";
import type { SdkUnderTest } from "../sdk-under-test.js";
import { serveAndSync } from "../serve-inngest.js";
import { useWeft } from "./context.js";

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function flowControlScenarios(sdk: SdkUnderTest): void {
  describe("flow control through the SDK's function options", () => {
    const env = useWeft();
    let inFlight = 0;
    let peak = 0;

    it("concurrency, rateLimit, debounce, batchEvents and idempotency as the SDK declares them", async () => {
      const client = sdk.createClient({ id: "flow", baseUrl: env.weft.url });
      const limited = client.createFunction(
        { id: "limited", concurrency: { limit: 1, key: "event.data.user" } },
        [{ event: "compat/flow.limited" }],
        async ({ step }) => {
          await step.run("work", async () => {
            peak = Math.max(peak, ++inFlight);
            await sleep(100);
            inFlight--;
          });
        },
      );
      const rated = client.createFunction({ id: "rated", rateLimit: { limit: 1, period: "1m" } }, [{ event: "compat/flow.rated" }], async () => "ran");
      const debounced = client.createFunction(
        { id: "debounced", debounce: { period: "1s" } },
        [{ event: "compat/flow.debounced" }],
        async ({ event }) => event.data.n,
      );
      const batched = client.createFunction(
        { id: "batched", batchEvents: { maxSize: 2, timeout: "1s" } },
        [{ event: "compat/flow.batched" }],
        async ({ events }) => events.length,
      );
      const idempotent = client.createFunction({ id: "idempotent", idempotency: "event.data.order" }, [{ event: "compat/flow.order" }], async () => "once");
      await serveAndSync(env.weft, sdk, client, [limited, rated, debounced, batched, idempotent]).then(env.track);

      const { ids: limitedIds } = await client.send([1, 2, 3].map((n) => ({ name: "compat/flow.limited", data: { user: "u", n } })));
      await client.send([1, 2].map((n) => ({ name: "compat/flow.rated", data: { n } })));
      await client.send([1, 2, 3].map((n) => ({ name: "compat/flow.debounced", data: { n } })));
      await client.send([1, 2].map((n) => ({ name: "compat/flow.batched", data: { n } })));
      const { ids: orderIds } = await client.send([
        { name: "compat/flow.order", data: { order: 9 } },
        { name: "compat/flow.order", data: { order: 9 } },
      ]);

      for (const id of limitedIds) await runWithStatus(env.weft, (await runsOf(env.weft, id))[0]!.run_id, "Completed", 10_000);
      expect(peak).toBe(1);
      const list = async (fn: string) => (await api<{ data: ApiRun[] }>(env.weft.url, "GET", `/v1/runs?function_id=flow-${fn}`)).data;
      const settled = (fn: string, n: number) =>
        waitFor(
          async () => {
            const runs = await list(fn);
            return runs.length === n && runs.every((r) => r.status === "Completed") ? runs : undefined;
          },
          `${n} completed run(s) of ${fn}`,
          5000,
        );
      expect((await settled("debounced", 1)).map((r) => r.output)).toEqual([3]);
      expect((await settled("batched", 1)).map((r) => r.output)).toEqual([2]);
      expect(await settled("rated", 1)).toHaveLength(1);
      // Two events of one key in one request are handled at once: either may be the one that starts the run.
      const [once] = await settled("idempotent", 1);
      expect(orderIds).toContain((await api<{ data: { event_id: string } }>(env.weft.url, "GET", `/v1/runs/${once!.run_id}`)).data.event_id);
    });
  });
}
