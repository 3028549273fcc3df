// Who may read what over Realtime, against a real server: a token reads one channel and the topics
// it was granted, nothing else, whatever the client asks for; a forged, altered or expired token is
// refused before the WebSocket opens, with a JSON error saying why; bad publishes are 4xx JSON.
// The isolation checks use a raw WebSocket, not the SDK, since the SDK also filters on its side.
import { randomUUID } from "node:crypto";
import { Inngest } from "inngest";
import { getSubscriptionToken, subscribe } from "inngest/realtime";
import { WebSocket } from "undici";
import { beforeAll, describe, expect, it } from "vitest";
import { ManualClock } from "@weft/store";
import { startTestWeft } from "../src/harness.js";
import { installWebSocket } from "../src/realtime-client.js";
import { useWeft } from "../src/scenarios/context.js";

/** POST a realtime message the way the SDK does. */
async function publish(base: string, channel: string, topic: string, data: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const url = new URL("/v1/realtime/publish", base);
  url.searchParams.set("channel", channel);
  url.searchParams.set("topic", topic);
  return fetch(url, { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(data) });
}

/** A raw WebSocket on the subscribe endpoint: its frames, parsed, once open. */
async function rawSubscriber(
  base: string,
  token: string,
): Promise<{ frames: { channel: string; topic: string; data: unknown }[]; next(): Promise<void>; close(): void }> {
  const url = new URL("/v1/realtime/connect", base);
  url.protocol = "ws:";
  url.searchParams.set("token", token);
  const ws = new WebSocket(url);
  const frames: { channel: string; topic: string; data: unknown }[] = [];
  let wake: () => void = () => {};
  ws.onmessage = (e) => {
    frames.push(JSON.parse(String(e.data)));
    wake();
  };
  await new Promise<void>((resolve, reject) => {
    ws.onopen = () => resolve();
    ws.onerror = () => reject(new Error("the WebSocket did not open"));
  });
  return {
    frames,
    next: () =>
      new Promise<void>((resolve) => {
        wake = resolve;
      }),
    close: () => ws.close(),
  };
}

/** The HTTP answer to a GET of the subscribe endpoint with this token (no upgrade). */
async function connectAnswer(base: string, token: string): Promise<{ status: number; error?: string }> {
  const res = await fetch(new URL(`/v1/realtime/connect?token=${encodeURIComponent(token)}`, base));
  return { status: res.status, error: ((await res.json()) as { error?: string }).error };
}

describe("realtime access: channels, topics, forged and expired tokens", () => {
  const clock = new ManualClock(Date.now());
  const env = useWeft({ clock, signingKey: "signkey-test-0123456789abcdef" });
  let inngest: Inngest;
  const authHeader = () => ({ authorization: `Bearer ${(inngest as unknown as { inngestApi: { hashedKey: string } }).inngestApi.hashedKey}` });

  beforeAll(() => {
    installWebSocket();
    inngest = new Inngest({ id: "realtime-access", baseUrl: env.weft.url, isDev: false, signingKey: "signkey-test-0123456789abcdef" });
  });

  it("a token for channel A hears only A's granted topics: not channel B, not another topic of A", async () => {
    const a = `a-${randomUUID()}`;
    const b = `b-${randomUUID()}`;
    const token = await getSubscriptionToken(inngest, { channel: a, topics: ["granted"] });
    const sub = await rawSubscriber(env.weft.url, token.key as string);
    for (const [channel, topic, data] of [
      [b, "granted", "b-granted"],
      [a, "other", "a-other"],
      [b, "other", "b-other"],
      [a, "granted", "a-granted"],
    ] as const) {
      expect((await publish(env.weft.url, channel, topic, data, authHeader())).status).toBe(200);
    }
    // The bus keeps publish order, so the granted message, published last, arrives after anything else would have.
    while (sub.frames.length === 0) await sub.next();
    sub.close();
    expect(sub.frames.map((f) => [f.channel, f.topic, f.data])).toEqual([[a, "granted", "a-granted"]]);
  });

  it("a token altered to name another channel is refused: 401 with a JSON error, and the SDK's subscribe() rejects", async () => {
    const token = (await getSubscriptionToken(inngest, { channel: "mine", topics: ["t"] })).key as string;
    const [header, payload, signature] = token.split(".") as [string, string, string];
    const claims = JSON.parse(Buffer.from(payload, "base64url").toString());
    claims.topics = [{ kind: "run", channel: "someone-else", name: "t" }];
    const altered = `${header}.${Buffer.from(JSON.stringify(claims)).toString("base64url")}.${signature}`;
    expect(await connectAnswer(env.weft.url, altered)).toEqual({ status: 401, error: expect.stringMatching(/not valid/) });
    await expect(subscribe({ channel: "someone-else", topics: ["t"], key: altered, apiBaseUrl: env.weft.url })).rejects.toBeDefined();
    // A token from another server (another secret) and no token at all are refused the same way.
    const elsewhere = await startTestWeft({ store: "memory" });
    const foreign = await new Inngest({ id: "x", baseUrl: elsewhere.url, isDev: true }).realtime.token({ channel: "mine", topics: ["t"] });
    await elsewhere.close();
    expect(await connectAnswer(env.weft.url, foreign.key as string)).toEqual({ status: 401, error: expect.stringMatching(/not issued by this server/) });
    expect(await connectAnswer(env.weft.url, "")).toEqual({ status: 401, error: expect.stringMatching(/no realtime token/) });
    expect(await connectAnswer(env.weft.url, "eyJhbGciOiJIUzI1NiJ9.e30.x")).toMatchObject({ status: 401 });
  });

  it("an expired token is refused with an error saying so; a fresh one connects", async () => {
    const token = (await getSubscriptionToken(inngest, { channel: "late", topics: ["t"] })).key as string;
    expect(await connectAnswer(env.weft.url, token)).toMatchObject({ status: 426 });
    clock.advance(2 * 60_000);
    expect(await connectAnswer(env.weft.url, token)).toEqual({ status: 401, error: expect.stringMatching(/expired/) });
    await expect(subscribe({ channel: "late", topics: ["t"], key: token, apiBaseUrl: env.weft.url })).rejects.toBeDefined();
    const fresh = (await getSubscriptionToken(inngest, { channel: "late", topics: ["t"] })).key as string;
    const sub = await rawSubscriber(env.weft.url, fresh);
    sub.close();
  });

  it("tokens are issued only to the app (signing key) and for one channel; bad publishes are 4xx JSON", async () => {
    const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
      fetch(new URL(path, env.weft.url), { method: "POST", headers: { "content-type": "application/json", ...headers }, body: JSON.stringify(body) });
    const refused = await post("/v1/realtime/token", [{ channel: "c", name: "t", kind: "run" }]);
    expect(refused.status).toBe(401);
    expect(((await refused.json()) as { error: string }).error).toMatch(/not authorized/);
    const twoChannels = await post(
      "/v1/realtime/token",
      [
        { channel: "c1", name: "t", kind: "run" },
        { channel: "c2", name: "t", kind: "run" },
      ],
      authHeader(),
    );
    expect(twoChannels.status).toBe(400);
    expect(((await twoChannels.json()) as { error: string }).error).toMatch(/same channel/);
    expect((await post("/v1/realtime/token", { channel: "c" }, authHeader())).status).toBe(400);

    expect((await publish(env.weft.url, "c", "t", 1)).status).toBe(401);
    const noChannel = await publish(env.weft.url, "", "t", 1, authHeader());
    expect(noChannel.status).toBe(400);
    expect(((await noChannel.json()) as { error: string }).error).toMatch(/channel must be a non-empty string/);
    const control = await publish(env.weft.url, "bad\u0001channel", "t", 1, authHeader());
    expect(control.status).toBe(400);
    const tooLong = await publish(env.weft.url, "x".repeat(300), "t", 1, authHeader());
    expect(tooLong.status).toBe(400);
    const huge = await publish(env.weft.url, "c", "t", "x".repeat(5 * 1024 * 1024), authHeader());
    expect(huge.status).toBe(413);
    expect(((await huge.json()) as { error: string }).error).toMatch(/exceeds the limit/);
  });
});
