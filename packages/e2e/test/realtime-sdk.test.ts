// Realtime with Weft's own SDK, round trip over real HTTP: a function publishes with
// `step.realtime.publish` on two topics, a backend publishes with `weft.realtime.publish`, and a
// subscriber from `getSubscriptionToken` + `subscribe` receives each in order per topic; a
// subscriber of one topic hears nothing of the other.
import { randomUUID } from "node:crypto";
import { getSubscriptionToken, realtime, subscribe, topic, Weft, type RealtimeMessage } from "@weft/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOf, runWithStatus, serveApp, startTestWeft, type TestWeft } from "../src/index.js";

const progress = realtime.channel({
  name: (id: string) => `job:${id}`,
  topics: { status: topic<{ step: number }>(), log: topic<string>() },
});

/** Collect a subscription's messages until `count` have arrived. */
async function take(stream: ReadableStream<RealtimeMessage>, count: number): Promise<RealtimeMessage[]> {
  const reader = stream.getReader();
  const got: RealtimeMessage[] = [];
  while (got.length < count) {
    const { done, value } = await reader.read();
    if (done) break;
    got.push(value);
  }
  reader.releaseLock();
  return got;
}

describe("Weft SDK: realtime publish and subscribe", () => {
  let weft: TestWeft;
  let client: Weft;
  let app: { close(): Promise<void> };
  const count = 5;

  beforeAll(async () => {
    weft = await startTestWeft();
    client = new Weft({ id: "realtime-sdk", baseUrl: weft.url });
    const fn = client.createFunction({ id: "job", retries: 0 }, { event: "job/run" }, async ({ event, step }) => {
      const ch = progress(String(event.data.id));
      for (let i = 0; i < count; i++) {
        await step.realtime.publish(`status-${i}`, ch.status, { step: i });
        await step.realtime.publish(`log-${i}`, ch.log, `line ${i}`);
      }
      return "ok";
    });
    app = await serveApp(weft, client, [fn]);
  });
  afterAll(async () => {
    await app?.close();
    await weft?.close();
  });

  it("a function's publishes reach the subscriber in order per topic, tagged with the run", async () => {
    const id = randomUUID();
    const token = await getSubscriptionToken(client, { channel: progress(id), topics: ["status", "log"] });
    const sub = await subscribe(token);
    const run = await runOf(weft, "job/run", { id });
    const got = await take(sub, 2 * count);
    await runWithStatus(weft, run.run_id, "Completed");
    sub.close();
    expect(got.filter((m) => m.topic === "status").map((m) => m.data)).toEqual(Array.from({ length: count }, (_, i) => ({ step: i })));
    expect(got.filter((m) => m.topic === "log").map((m) => m.data)).toEqual(Array.from({ length: count }, (_, i) => `line ${i}`));
    for (const m of got) expect(m).toMatchObject({ kind: "data", channel: `job:${id}`, runId: run.run_id });
  });

  it("weft.realtime.publish from a backend; a subscriber of one topic hears only that topic", async () => {
    const ch = progress(randomUUID());
    const seen: RealtimeMessage[] = [];
    const sub = await client.realtime.subscribe(await client.realtime.token({ channel: ch, topics: ["log"] }), (m) => seen.push(m));
    await client.realtime.publish(ch.status, { step: 99 });
    await client.realtime.publish(ch.log, "first");
    await client.realtime.publish(ch.log, "second");
    const got = await take(sub, 2);
    sub.close();
    expect(got.map((m) => [m.topic, m.data])).toEqual([
      ["log", "first"],
      ["log", "second"],
    ]);
    expect(seen.map((m) => m.data)).toEqual(["first", "second"]);
  });

  it("a token the server did not issue is refused", async () => {
    const ch = progress(randomUUID());
    await expect(subscribe({ channel: ch.name, topics: ["log"], key: "not-a-token", apiBaseUrl: weft.url })).rejects.toThrow(/refused/);
  });
});
