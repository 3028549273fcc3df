// Inngest Realtime with the official SDK v3 and its add-on `@inngest/realtime` (0.4.7, the v3-era
// package): `realtimeMiddleware()` gives functions `publish`, and the package's
// `getSubscriptionToken()` + `subscribe()` read the messages over the same WebSocket protocol.
import { randomUUID } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { channel, getSubscriptionToken, subscribe, topic } from "@inngest/realtime";
import { realtimeMiddleware } from "@inngest/realtime/middleware";
import { Inngest } from "inngest-v3";
import { serve } from "inngest-v3/node";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runWithStatus } from "../src/harness.js";
import { collect, installWebSocket } from "../src/realtime-client.js";
import { useWeft } from "../src/scenarios/context.js";

const count = 5;
const progress = channel((id: string) => `v3-progress:${id}`)
  .addTopic(topic("status").type<{ step: number }>())
  .addTopic(topic("log").type<string>());

describe("inngest v3 + @inngest/realtime: middleware publish, package subscribe", () => {
  const env = useWeft();
  let inngest: Inngest;
  let http: Server;

  beforeAll(async () => {
    installWebSocket();
    inngest = new Inngest({ id: "realtime-v3", baseUrl: env.weft.url, isDev: true, middleware: [realtimeMiddleware()] });
    const fn = inngest.createFunction({ id: "report", retries: 0 }, { event: "rt3/progress" }, async (ctx) => {
      const { event, step } = ctx;
      // The middleware comes from @inngest/realtime's own copy of inngest 3, so its context type does not reach this client's.
      const { publish } = ctx as unknown as { publish: (message: Promise<unknown>) => Promise<unknown> };
      const ch = progress(String(event.data.id));
      for (let i = 0; i < count; i++) {
        await step.run(`work-${i}`, () => i);
        await publish(ch.status({ step: i }));
        await publish(ch.log(`line ${i}`));
      }
      return "done";
    });
    const handler = serve({ client: inngest, functions: [fn] });
    http = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/inngest`;
    const { data } = await api<{ data: { ok: boolean; error?: string } }>(env.weft.url, "POST", "/v1/apps", { url });
    if (!data.ok) throw new Error(`sync failed: ${data.error}`);
  });
  afterAll(
    () =>
      new Promise<void>((resolve) => {
        http?.closeAllConnections();
        http ? http.close(() => resolve()) : resolve();
      }),
  );

  it("every message of both topics arrives, in order per topic, tagged with the run", async () => {
    const id = randomUUID();
    const token = await getSubscriptionToken(inngest as never, { channel: progress(id), topics: ["status", "log"] });
    const stream = await subscribe({ ...token, app: inngest } as never);
    const received = collect(stream as unknown as ReadableStream<unknown>);
    const run = await runOf(env.weft, "rt3/progress", { id });
    const messages = await received.until(2 * count);
    await runWithStatus(env.weft, run.run_id, "Completed");
    await (stream as unknown as ReadableStream).cancel().catch(() => {});

    expect(messages.filter((m) => m.topic === "status").map((m) => m.data)).toEqual(Array.from({ length: count }, (_, i) => ({ step: i })));
    expect(messages.filter((m) => m.topic === "log").map((m) => m.data)).toEqual(Array.from({ length: count }, (_, i) => `line ${i}`));
    for (const m of messages) expect(m).toMatchObject({ channel: `v3-progress:${id}`, runId: run.run_id });
  });
});
