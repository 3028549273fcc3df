// step.fetch (`Gateway` op) and step.ai.infer (`AIGateway` op): the SDK hands the request to
// the server, the server makes it and stores the answer as the step's value (protocol §4.1).
import { beforeAll, describe, expect, it } from "vitest";
import { runOf, runWithStatus, stepsOf } from "../harness.js";
import { startFakeEndpoint, type FakeAnswer, type FakeEndpoint } from "../fake-endpoint.js";
import type { SdkUnderTest } from "../sdk-under-test.js";
import { callsOfRun, opsOf, serveAndSync, type ServedApp } from "../serve-inngest.js";
import { useWeft } from "./context.js";

const completion = {
  id: "chatcmpl-compat",
  object: "chat.completion",
  model: "gpt-compat",
  choices: [{ index: 0, message: { role: "assistant", content: "pong" }, finish_reason: "stop" }],
  usage: { prompt_tokens: 3, completion_tokens: 1, total_tokens: 4 },
};

export function gatewayScenarios(sdk: SdkUnderTest): void {
  describe("step.fetch and step.ai.infer", () => {
    const env = useWeft();
    let fake: FakeEndpoint;
    let app: ServedApp;

    beforeAll(async () => {
      fake = env.track(
        await startFakeEndpoint(
          (req): FakeAnswer =>
            req.path.startsWith("/v1/chat/completions")
              ? { status: 200, headers: { "content-type": "application/json" }, body: JSON.stringify(completion) }
              : { status: 201, headers: { "content-type": "application/json", "x-fake": "yes" }, body: JSON.stringify({ pong: true, got: req.body }) },
        ),
      );
      const client = sdk.createClient({ id: "gateway", baseUrl: env.weft.url });
      const fetcher = client.createFunction({ id: "fetcher", retries: 0 }, [{ event: "compat/gateway.fetch" }], async ({ event, step }) => {
        const res = await step.fetch(`${String(event.data.base)}/echo?x=1`, {
          method: "POST",
          headers: { "x-compat": "yes", "content-type": "text/plain" },
          body: "ping",
        });
        return { status: res.status, header: res.headers.get("x-fake"), body: await res.json() };
      });
      const asker = client.createFunction({ id: "asker", retries: 0 }, [{ event: "compat/gateway.ai" }], async ({ event, step }) =>
        step.ai.infer("ask", {
          model: step.ai.models.openai({ model: "gpt-compat", apiKey: "sk-compat", baseUrl: `${String(event.data.base)}/v1/` }),
          body: { messages: [{ role: "user", content: "ping" }] },
        }),
      );
      app = await serveAndSync(env.weft, sdk, client, [fetcher, asker]).then(env.track);
    });

    it("step.fetch: the server makes the request and the step gets the response", async () => {
      const before = fake.requests.length;
      const run = await runOf(env.weft, "compat/gateway.fetch", { base: fake.url });
      const done = await runWithStatus(env.weft, run.run_id, "Completed");
      expect(done.output).toEqual({ status: 201, header: "yes", body: { pong: true, got: "ping" } });

      const made = fake.requests.slice(before);
      expect(made).toHaveLength(1);
      expect(made[0]).toMatchObject({ method: "POST", path: "/echo?x=1", body: "ping", headers: { "x-compat": "yes" } });
      // The SDK asked for it with a Gateway op rather than fetching in-process.
      expect(
        callsOfRun(app, run.run_id)
          .flatMap(opsOf)
          .map((o) => o.op),
      ).toContain("Gateway");
      expect((await stepsOf(env.weft, run.run_id)).find((s) => s.op === "Gateway")).toMatchObject({ status: "Completed" });
    });

    it("step.ai.infer: the server calls the model provider and the step gets its answer", async () => {
      const before = fake.requests.length;
      const run = await runOf(env.weft, "compat/gateway.ai", { base: fake.url });
      const done = await runWithStatus(env.weft, run.run_id, "Completed");
      expect(done.output).toEqual(completion);

      const made = fake.requests.slice(before);
      expect(made).toHaveLength(1);
      expect(made[0]).toMatchObject({ method: "POST", path: "/v1/chat/completions", headers: { authorization: "Bearer sk-compat" } });
      expect(made[0]?.headers["content-type"]).toMatch(/^application\/json/);
      expect(JSON.parse(made[0]?.body ?? "null")).toEqual({ model: "gpt-compat", messages: [{ role: "user", content: "ping" }] });
      expect(
        callsOfRun(app, run.run_id)
          .flatMap(opsOf)
          .map((o) => o.op),
      ).toContain("AIGateway");
      expect((await stepsOf(env.weft, run.run_id)).find((s) => s.op === "AIGateway")).toMatchObject({ status: "Completed" });
    });
  });
}
