// Event keys: a server configured with keys refuses `POST /e/:key` for any other key with 401;
// the SDK client sends (and `step.sendEvent` sends) with its `eventKey`.
import { describe, expect, it } from "vitest";
import { runsOf, runWithStatus } from "../harness.js";
import type { SdkUnderTest } from "../sdk-under-test.js";
import { serveAndSync } from "../serve-inngest.js";
import { runsOfFunction, useWeft } from "./context.js";

export function eventKeyScenarios(sdk: SdkUnderTest): void {
  describe("event keys", () => {
    const env = useWeft({ eventKeys: ["k1"] });

    it("POST /e/:key refuses an unknown key with 401 and accepts a configured one", async () => {
      const post = (key: string) =>
        fetch(`${env.weft.url}/e/${key}`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify([{ name: "compat/keys.raw", data: {} }]),
        });
      const refused = await post("not-a-key");
      expect(refused.status).toBe(401);
      expect(await refused.json()).toMatchObject({ status: 401, error: expect.any(String) });
      const accepted = await post("k1");
      expect(accepted.status).toBe(200);
      expect(await accepted.json()).toMatchObject({ status: 200, ids: [expect.any(String)] });
    });

    it("the SDK client with eventKey k1 sends; step.sendEvent inside a function uses it too", async () => {
      const client = sdk.createClient({ id: "keys", baseUrl: env.weft.url, eventKey: "k1" });
      const relay = client.createFunction({ id: "relay" }, [{ event: "compat/keys.start" }], async ({ event, step }) => {
        await step.sendEvent("pass-on", { name: "compat/keys.relayed", data: { n: event.data.n } });
        return "relayed";
      });
      const relayed = client.createFunction({ id: "relayed" }, [{ event: "compat/keys.relayed" }], async ({ event }) => event.data.n);
      await serveAndSync(env.weft, sdk, client, [relay, relayed]).then(env.track);

      const { ids } = await client.send({ name: "compat/keys.start", data: { n: 7 } });
      expect(client.apiCalls.some((c) => c.url.pathname === "/e/k1")).toBe(true);
      const [run] = await runsOf(env.weft, ids[0]!);
      expect((await runWithStatus(env.weft, run!.run_id, "Completed")).output).toBe("relayed");
      const [second] = await runsOfFunction(env.weft, "keys-relayed", 1, "Completed");
      expect(second?.output).toBe(7);
    });

    it("the SDK client with a wrong event key is refused", async () => {
      const client = sdk.createClient({ id: "keys-wrong", baseUrl: env.weft.url, eventKey: "wrong" });
      await expect(client.send({ name: "compat/keys.start", data: { n: 1 } })).rejects.toThrow();
      expect(new Set(client.apiCalls.map((c) => c.url.pathname))).toEqual(new Set(["/e/wrong"]));
    });
  });
}
