// Inngest Realtime with the official SDK v4 over real HTTP: a function publishes on two topics
// (`step.realtime.publish`, and `inngest.realtime.publish` inside a step), and a browser-free
// subscriber using the SDK's own `getSubscriptionToken()` + `subscribe()` (a WebSocket to
// /v1/realtime/connect) receives every message, in order per topic, tagged with the run.
import { randomUUID } from "node:crypto";
import { type Inngest, realtime, staticSchema } from "inngest";
import { getSubscriptionToken, subscribe } from "inngest/realtime";
import { beforeAll, describe, expect, it } from "vitest";
import { runOf, runWithStatus } from "../src/harness.js";
import { collect, installWebSocket, type ReceivedMessage } from "../src/realtime-client.js";
import { useWeft } from "../src/scenarios/context.js";
import type { CompatFunction } from "../src/sdk-under-test.js";
import { inngestV4 } from "../src/sdk-v4.js";
import { serveAndSync } from "../src/serve-inngest.js";

const progress = realtime.channel({
  name: (id: string) => `progress:${id}`,
  topics: { status: { schema: staticSchema<{ step: number }>() }, log: { schema: staticSchema<{ line: string }>() } },
});

/** The messages of one topic, in arrival order. */
const ofTopic = (messages: ReceivedMessage[], topic: string) => messages.filter((m) => m.topic === topic).map((m) => m.data);

describe(`${inngestV4.label}: realtime publish and subscribe`, () => {
  const env = useWeft();
  let inngest: Inngest;
  const count = 6;

  beforeAll(async () => {
    installWebSocket();
    const client = inngestV4.createClient({ id: "realtime-v4", baseUrl: env.weft.url });
    inngest = (client as unknown as { inngest: Inngest }).inngest;
    const fn = inngest.createFunction({ id: "report-progress", retries: 0, triggers: [{ event: "rt/progress" }] }, async ({ event, step }) => {
      const channel = progress(String(event.data.id));
      for (let i = 0; i < count; i++) {
        await step.realtime.publish(`status-${i}`, channel.status, { step: i });
        await step.run(`log-${i}`, () => inngest.realtime.publish(channel.log, { line: `line ${i}` }));
      }
      return "done";
    });
    await serveAndSync(env.weft, inngestV4, client, [fn as unknown as CompatFunction]).then(env.track);
  });

  it("a subscriber receives every message of both topics, in order per topic, tagged with the run", async () => {
    const id = randomUUID();
    const token = await getSubscriptionToken(inngest, { channel: progress(id), topics: ["status", "log"] });
    expect(typeof token.key).toBe("string");
    const stream = await subscribe(token);
    const received = collect(stream as unknown as ReadableStream<unknown>);
    const run = await runOf(env.weft, "rt/progress", { id });
    const messages = await received.until(2 * count);
    await runWithStatus(env.weft, run.run_id, "Completed");
    stream.close();

    expect(ofTopic(messages, "status")).toEqual(Array.from({ length: count }, (_, i) => ({ step: i })));
    expect(ofTopic(messages, "log")).toEqual(Array.from({ length: count }, (_, i) => ({ line: `line ${i}` })));
    for (const m of messages) {
      expect(m).toMatchObject({ kind: "data", channel: `progress:${id}`, runId: run.run_id });
    }
  });

  it("the callback form of subscribe() gets the same messages, and only its own channel's", async () => {
    const mine = randomUUID();
    const other = randomUUID();
    const got: ReceivedMessage[] = [];
    let arrived: () => void = () => {};
    const all = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const token = await getSubscriptionToken(inngest, { channel: progress(mine), topics: ["status"] });
    const subscription = await subscribe({
      ...token,
      onMessage: (message: unknown) => {
        got.push(message as unknown as ReceivedMessage);
        if (got.length === count) arrived();
      },
    });
    // A run on another channel first: none of its messages may reach this subscriber.
    const otherRun = await runOf(env.weft, "rt/progress", { id: other });
    await runWithStatus(env.weft, otherRun.run_id, "Completed");
    const run = await runOf(env.weft, "rt/progress", { id: mine });
    await runWithStatus(env.weft, run.run_id, "Completed");
    await all;
    subscription.close();
    expect(got.map((m) => [m.channel, m.topic, m.data])).toEqual(Array.from({ length: count }, (_, i) => [`progress:${mine}`, "status", { step: i }]));
  });
});
