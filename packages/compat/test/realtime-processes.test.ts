// Realtime across engine processes: two `weft start` processes share one store, first Postgres
// (fan-out by LISTEN/NOTIFY), then Redis as `--state` (pub/sub). Two apps on the official SDK v4
// publish through different processes (each client's base URL is one of them); a subscriber
// connected to process A with a token issued by process B (same signing key) receives every
// message of both, in order per topic. Real processes from the built CLI, real HTTP.
import type { ChildProcess } from "node:child_process";
import { randomUUID } from "node:crypto";
import { freePort, kill9, processLog, requireBuiltCli, startWeftProcess } from "@weft/e2e";
import {
  deleteKeysWithPrefix,
  dropSchemas,
  postgresReachable,
  postgresUrl,
  redisReachable,
  testRedisUrl,
  testSchema,
  withAdmin,
  withParam,
} from "@weft/testing";
import { type Inngest, realtime } from "inngest";
import { getSubscriptionToken, subscribe } from "inngest/realtime";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { api, runWithStatus, type ApiRun } from "../src/harness.js";
import { collect, installWebSocket } from "../src/realtime-client.js";
import type { CompatFunction } from "../src/sdk-under-test.js";
import { inngestV4 } from "../src/sdk-v4.js";
import { serveInngest, type ServedApp } from "../src/serve-inngest.js";

const signingKey = "signkey-test-5eed5eed5eed5eed";
const perApp = 8;
const fanout = realtime.channel({ name: (id: string) => `fan:${id}`, topics: { a: {} as never, b: {} as never } });

/** An app `rt-<topic>` whose client talks to `baseUrl`: its function publishes `perApp` messages on `topic`. */
async function publishingApp(topic: "a" | "b", baseUrl: string): Promise<{ app: ServedApp; inngest: Inngest }> {
  const client = inngestV4.createClient({ id: `rt-${topic}`, baseUrl, signingKey, isDev: false });
  const inngest = (client as unknown as { inngest: Inngest }).inngest;
  const fn = inngest.createFunction({ id: `publish-${topic}`, retries: 0, triggers: [{ event: "rt/fan" }] }, async ({ event, step }) => {
    const channel = fanout(String(event.data.id));
    for (let i = 0; i < perApp; i++) await step.realtime.publish(`${topic}-${i}`, channel[topic], { topic, i });
    return "published";
  });
  return { app: await serveInngest(inngestV4, client, [fn as unknown as CompatFunction]), inngest };
}

const backends: { name: string; reachable: () => Promise<boolean>; args: (tag: string) => string[]; cleanup: (tag: string) => Promise<void> }[] = [
  {
    name: "Postgres (LISTEN/NOTIFY)",
    reachable: () => postgresReachable("realtime-processes"),
    args: (schema) => ["--db", withParam(postgresUrl, "schema", schema)],
    cleanup: (schema) => withAdmin((c) => dropSchemas(c, [schema])),
  },
  {
    name: "Redis --state (pub/sub) with Postgres --db",
    reachable: async () => (await postgresReachable("realtime-processes")) && (await redisReachable("realtime-processes")),
    args: (tag) => ["--db", withParam(postgresUrl, "schema", tag), "--state", `${testRedisUrl}?keyPrefix=${tag}:`, "--redis-no-persistence-ok"],
    cleanup: async (tag) => {
      await withAdmin((c) => dropSchemas(c, [tag]));
      const admin = new Redis(testRedisUrl);
      await deleteKeysWithPrefix(admin, `${tag}:`);
      admin.disconnect();
    },
  },
];

describe.each(backends)("realtime across two weft start processes: $name", (backend) => {
  const processes: ChildProcess[] = [];
  const apps: ServedApp[] = [];
  const tag = testSchema("weft_rt");
  afterAll(async () => {
    for (const p of processes) await kill9(p);
    for (const a of apps) await a.close();
    await backend.cleanup(tag).catch(() => {});
  });

  it("a subscriber on process A receives every message published through A and B, in order per topic", { timeout: 60_000 }, async (ctx) => {
    if (!(await backend.reachable())) return ctx.skip();
    requireBuiltCli();
    installWebSocket();
    const [portA, portB] = [await freePort(), await freePort()];
    const [urlA, urlB] = [`http://127.0.0.1:${portA}`, `http://127.0.0.1:${portB}`];
    const viaA = await publishingApp("a", urlA);
    const viaB = await publishingApp("b", urlB);
    apps.push(viaA.app, viaB.app);
    const start = (port: number) =>
      startWeftProcess(
        ["start", "--insecure-dev", "--signing-key", signingKey, ...backend.args(tag), "--port", String(port), "--no-discovery", "--retry-interval", "100ms"],
        "Weft start server on",
      );
    processes.push(await start(portA));
    processes.push(await start(portB));
    for (const app of [viaA.app, viaB.app]) {
      const { data } = await api<{ data: { ok: boolean; error?: string } }>(urlA, "POST", "/v1/apps", { url: app.url });
      expect(data, `sync of ${app.url}: ${JSON.stringify(data)}`).toMatchObject({ ok: true });
    }

    const id = randomUUID();
    // Issued by B, used on A: processes sharing a signing key accept each other's tokens.
    const token = await getSubscriptionToken(viaB.inngest, { channel: fanout(id), topics: ["a", "b"] });
    const stream = await subscribe({ ...token, apiBaseUrl: urlA });
    const received = collect(stream as unknown as ReadableStream<unknown>);
    const { ids } = await api<{ ids: string[] }>(urlA, "POST", "/e/any-key", { name: "rt/fan", data: { id } });
    const messages = await received.until(2 * perApp, 30_000).catch((e: Error) => {
      throw new Error(`${e.message}\nA: ${processLog(processes[0] as ChildProcess).slice(-2000)}\nB: ${processLog(processes[1] as ChildProcess).slice(-2000)}`);
    });
    stream.close();

    const ofTopic = (topic: string) => messages.filter((m) => m.topic === topic).map((m) => (m.data as { i: number }).i);
    const expected = Array.from({ length: perApp }, (_, i) => i);
    expect(ofTopic("a")).toEqual(expected);
    expect(ofTopic("b")).toEqual(expected);
    expect(new Set(messages.map((m) => m.channel))).toEqual(new Set([`fan:${id}`]));
    // Both runs finished; each publish of a run carried its run id.
    const { data: runs } = await api<{ data: ApiRun[] }>(urlA, "GET", `/v1/events/${ids[0]}/runs`);
    expect(runs).toHaveLength(2);
    for (const run of runs) await runWithStatus({ url: urlA } as never, run.run_id, "Completed");
    expect(new Set(messages.map((m) => m.runId))).toEqual(new Set(runs.map((r) => r.run_id)));
  });
});
