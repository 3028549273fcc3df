// Weft's own SDK and the official SDK in one deployment: one event starts functions in both apps,
// and each side invokes the other by `<appId>-<fnId>`.
import { referenceFunction, Weft } from "@weft/sdk";
import { beforeAll, describe, expect, it } from "vitest";
import { runOf, runsOf, runWithStatus, sendEvents, serveApp } from "../harness.js";
import type { SdkUnderTest } from "../sdk-under-test.js";
import { serveAndSync } from "../serve-inngest.js";
import { useWeft } from "./context.js";

export function interopScenarios(sdk: SdkUnderTest): void {
  describe("with Weft's own SDK", () => {
    const env = useWeft();

    beforeAll(async () => {
      const weftClient = new Weft({ id: "weft-side", baseUrl: env.weft.url });
      const double = weftClient.createFunction({ id: "double" }, { event: "compat/interop.double" }, async ({ event, step }) => {
        const doubled = await step.run("double", () => Number(event.data.n) * 2);
        return { doubled, by: "weft" };
      });
      const weftCaller = weftClient.createFunction({ id: "caller" }, { event: "compat/interop.weft-calls" }, async ({ event, step }) =>
        step.invoke("call-inngest", { function: referenceFunction({ appId: "inngest-side", functionId: "triple" }), data: { n: event.data.n } }),
      );
      const weftBoth = weftClient.createFunction({ id: "both" }, { event: "compat/interop.both" }, async () => "weft");
      env.track(await serveApp(env.weft, weftClient, [double, weftCaller, weftBoth]));

      const client = sdk.createClient({ id: "inngest-side", baseUrl: env.weft.url });
      const triple = client.createFunction({ id: "triple" }, [{ event: "compat/interop.triple" }], async ({ event, step }) => {
        const tripled = await step.run("triple", () => Number(event.data.n) * 3);
        return { tripled, by: sdk.label };
      });
      const caller = client.createFunction({ id: "caller" }, [{ event: "compat/interop.inngest-calls" }], async ({ event, step }) =>
        step.invoke("call-weft", { function: sdk.referenceFunction({ appId: "weft-side", functionId: "double" }), data: { n: event.data.n } }),
      );
      const both = client.createFunction({ id: "both" }, [{ event: "compat/interop.both" }], async () => sdk.label);
      env.track(await serveAndSync(env.weft, sdk, client, [triple, caller, both]));
    });

    it(`a Weft-SDK function invokes an ${sdk.label} function`, async () => {
      const run = await runOf(env.weft, "compat/interop.weft-calls", { n: 5 });
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toEqual({ tripled: 15, by: sdk.label });
    });

    it(`an ${sdk.label} function invokes a Weft-SDK function`, async () => {
      const run = await runOf(env.weft, "compat/interop.inngest-calls", { n: 4 });
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toEqual({ doubled: 8, by: "weft" });
    });

    it("one event starts functions in both apps", async () => {
      const [eventId] = await sendEvents(env.weft, { name: "compat/interop.both", data: {} });
      const runs = await runsOf(env.weft, eventId!, 2);
      const outputs = await Promise.all(runs.map(async (r) => (await runWithStatus(env.weft, r.run_id, "Completed")).output));
      expect(outputs.sort()).toEqual([sdk.label, "weft"].sort());
    });
  });
}
