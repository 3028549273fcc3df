// What an SDK or Inngest's tooling reads from a dev server besides the protocol: GET /dev lists a
// synced official-SDK app's functions at the URLs Weft calls, and GET /v0/runs/:id/actions|batch
// answer a live run's state as the SDK's use_api path parses it.
import { describe, expect, it } from "vitest";
import { api, runOf } from "../src/harness.js";
import { sha1Hex, stepWhere, useWeft } from "../src/scenarios/context.js";
import { inngestV4 } from "../src/sdk-v4.js";
import { serveAndSync } from "../src/serve-inngest.js";

describe("dev server endpoints with inngest v4 on Weft (SQLite)", () => {
  const env = useWeft();

  it("GET /dev lists the app's functions and step URLs; /v0 answers the run's steps and events", async () => {
    const client = inngestV4.createClient({ id: "dev-doc", baseUrl: env.weft.url });
    const fn = client.createFunction({ id: "napper" }, [{ event: "compat/dev.nap" }], async ({ step }) => {
      await step.run("greet", () => "hello");
      await step.sleep("long-nap", "1h");
      return "woke";
    });
    const app = env.track(await serveAndSync(env.weft, inngestV4, client, [fn]));

    const doc = await api<{ functions: { slug: string; steps: { uri: string }[] }[]; handlers: { url: string }[] }>(env.weft.url, "GET", "/dev");
    const listed = doc.functions.find((f) => f.slug === "dev-doc-napper");
    expect(new URL(listed?.steps[0]?.uri ?? "").origin + new URL(listed?.steps[0]?.uri ?? "").pathname).toBe(app.url);
    expect(doc.handlers.map((h) => h.url)).toContain(app.url);

    const run = await runOf(env.weft, "compat/dev.nap", { n: 1 });
    await stepWhere(env.weft, run.run_id, (s) => s.op === "Sleep" && s.status === "Waiting", "the sleep");
    expect(await api(env.weft.url, "GET", `/v0/runs/${run.run_id}/actions`)).toEqual({ [sha1Hex("greet")]: { data: "hello" } });
    expect(await api(env.weft.url, "GET", `/v0/runs/${run.run_id}/batch`)).toEqual([expect.objectContaining({ name: "compat/dev.nap", data: { n: 1 } })]);
  });
});
