// A signed call from the server to an app can be captured and sent again while its signature is
// fresh (5 minutes, as Inngest). The app then runs the step again: nothing in the call can tell it
// the step already ran. What the server holds does not change: the step's first result was saved
// write-once, the replayed run's checkpoint of a different result is refused, and the replayed
// call's response goes to whoever replayed it, not to the server. See docs/security.md.
import { randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, Weft } from "@weft/sdk";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runWithStatus, sendEvents, startTestWeft, stepsOf, waitFor, type TestWeft } from "../src/index.js";

const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
let weft: TestWeft;
let app: Server;
let appUrl = "";
let executions = 0;
/** The server's calls to the app, as sent: what someone on the path could capture. */
const captured: { url: string; headers: Record<string, string>; body: string }[] = [];

beforeAll(async () => {
  weft = await startTestWeft({ store: "sqlite", signingKey, eventKeys: ["test-key"], retryIntervalMs: 20 });
  const client = new Weft({ id: "replay-app", baseUrl: weft.url, signingKey, isDev: false });
  const fn = client.createFunction({ id: "pay" }, { event: "replay/go" }, async ({ step }) => {
    const charge = await step.run("charge", () => ++executions);
    await step.waitForEvent("confirmed", { event: "replay/confirmed", timeout: "1h" });
    return { charge };
  });
  const handler = serve({ client, functions: [fn] });
  app = createServer(async (req: IncomingMessage & { body?: string }, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    req.body = Buffer.concat(chunks).toString("utf8");
    if (req.method === "POST") {
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(req.headers)) if (typeof v === "string" && k !== "host" && k !== "content-length") headers[k] = v;
      captured.push({ url: req.url ?? "/", headers, body: req.body });
    }
    await handler(req, res);
  });
  await new Promise<void>((r) => app.listen(0, "127.0.0.1", r));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}`;
  const synced = await api<{ data: { ok: boolean; error?: string } }>(weft.url, "POST", "/v1/apps", { url: `${appUrl}/api/inngest` });
  expect(synced.data).toMatchObject({ ok: true });
});
afterAll(async () => {
  app?.closeAllConnections();
  app?.close();
  await weft?.close();
});

describe("a replayed call to an app", () => {
  it("runs the step in the app again, but the server keeps the first result and the run goes on from it", { timeout: 15_000 }, async () => {
    const run = await runOf(weft, "replay/go");
    // The first call ran `charge` and checkpointed it; the run now waits.
    await waitFor(async () => ((await stepsOf(weft, run.run_id)).some((s) => s.op === "WaitForEvent") ? true : undefined), "the run to wait");
    expect(executions).toBe(1);
    const first = captured.find((c) => c.url.includes("fnId="));
    expect(first?.headers["x-inngest-signature"]).toMatch(/^t=\d+&s=[0-9a-f]+$/);

    // Replayed as captured, signature and all, within its window: the app accepts it.
    const replay = await request(new URL(first!.url, appUrl), { method: "POST", headers: first!.headers, body: first!.body });
    expect(replay.statusCode).toBeLessThan(300);
    await replay.body.dump();
    expect(executions).toBe(2);

    // The server still holds the first result, once, and the run is still waiting on its one pause.
    const steps = await stepsOf(weft, run.run_id);
    expect(steps.filter((s) => s.name === "charge").map((s) => [s.status, s.output])).toEqual([["Completed", 1]]);
    expect(steps.filter((s) => s.op === "WaitForEvent")).toHaveLength(1);

    await sendEvents(weft, { name: "replay/confirmed", data: {} });
    expect((await runWithStatus(weft, run.run_id, "Completed")).output).toEqual({ charge: 1 });
  });

  it("is refused once its signature is out of the window, or altered", async () => {
    const first = captured.find((c) => c.url.includes("fnId="));
    const old = first!.headers["x-inngest-signature"]!.replace(/^t=(\d+)/, (_m, t: string) => `t=${Number(t) - 301}`);
    for (const signature of [old, `${first!.headers["x-inngest-signature"]}0`]) {
      const res = await request(new URL(first!.url, appUrl), {
        method: "POST",
        headers: { ...first!.headers, "x-inngest-signature": signature },
        body: first!.body,
      });
      expect(res.statusCode).toBe(401);
      await res.body.dump();
    }
    expect(executions).toBe(2);
  });
});
