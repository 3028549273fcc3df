import { Weft } from "@weft/sdk";
import { afterEach, describe, expect, it } from "vitest";
import { sendEvents } from "../src/send.js";
import { startFakeServer } from "./helpers.js";

describe("weft.send", () => {
  it("POSTs a JSON array to /e/{eventKey} with an id seed", async () => {
    const server = await startFakeServer();
    const weft = new Weft({ id: "app", baseUrl: server.url, eventKey: "key-123" });
    const before = Date.now();
    const out = await weft.send({ name: "app/user.created", data: { id: 1 }, user: { email: "a@b.c" } });
    expect(out).toEqual({ ids: ["01ID0"] });
    const [req] = server.requests;
    expect(req?.method).toBe("POST");
    expect(req?.path).toBe("/e/key-123");
    expect(req?.headers["content-type"]).toBe("application/json");
    const seed = String(req?.headers["x-inngest-event-id-seed"]);
    expect(seed).toMatch(/^\d+,[A-Za-z0-9+/]+=*$/);
    const [millis, entropy] = seed.split(",");
    expect(Number(millis)).toBeGreaterThanOrEqual(before);
    expect(Buffer.from(entropy ?? "", "base64")).toHaveLength(10);
    const [sent] = (req?.json ?? []) as Record<string, unknown>[];
    expect(sent).toEqual({ name: "app/user.created", data: { id: 1 }, user: { email: "a@b.c" }, ts: expect.any(Number) });
    expect(sent).not.toHaveProperty("id");
  });

  it("sends several events in one request and keeps ids and ts given", async () => {
    const server = await startFakeServer();
    const weft = new Weft({ id: "app", baseUrl: server.url });
    const out = await weft.send([{ name: "a", id: "mine", ts: 5 }, { name: "b" }]);
    expect(out.ids).toEqual(["01ID0", "01ID1"]);
    expect(server.requests[0]?.path).toBe("/e/NO_EVENT_KEY_SET");
    expect(server.requests[0]?.json).toEqual([
      { name: "a", data: {}, id: "mine", ts: 5 },
      { name: "b", data: {}, ts: expect.any(Number) },
    ]);
  });

  it("retries 5xx and dropped connections with the same seed", async () => {
    const server = await startFakeServer();
    server.next.push({ status: 503, body: { error: "busy" } }, "hang-up", { status: 502, body: {} });
    const weft = new Weft({ id: "app", baseUrl: server.url });
    const out = await weft.send({ name: "app/x" });
    expect(out.ids).toEqual(["01ID0"]);
    expect(server.requests).toHaveLength(4);
    const seeds = new Set(server.requests.map((r) => r.headers["x-inngest-event-id-seed"]));
    expect(seeds.size).toBe(1);
  });

  it("gives up after 5 attempts", async () => {
    const server = await startFakeServer();
    for (let i = 0; i < 5; i++) server.next.push({ status: 500, body: {} });
    const weft = new Weft({ id: "app", baseUrl: server.url });
    // the default backoff (100 ms doubling) would make this test sleep 1.5 s
    await expect(sendEvents(weft.config, [{ name: "app/x" }], { attempts: 5, baseDelayMs: 1 })).rejects.toThrow(/after 5 attempts/);
    expect(server.requests).toHaveLength(5);
  });

  it("throws the server's error on a 4xx, without retrying", async () => {
    const server = await startFakeServer();
    server.next.push({ status: 400, body: { ids: [], status: 400, error: "event name is reserved" } });
    const weft = new Weft({ id: "app", baseUrl: server.url });
    await expect(weft.send({ name: "inngest/x" })).rejects.toThrow("event name is reserved");
    expect(server.requests).toHaveLength(1);
  });

  it("requires {status: 200, ids} in the reply", async () => {
    const server = await startFakeServer();
    server.next.push({ status: 200, body: { ids: ["x"] } });
    const weft = new Weft({ id: "app", baseUrl: server.url });
    await expect(weft.send({ name: "app/x" })).rejects.toThrow(/Failed to send events/);
  });
});

describe("configuration from the environment", () => {
  const saved = { ...process.env };
  afterEach(() => {
    process.env = { ...saved };
  });

  it("reads WEFT_* before INNGEST_* and falls back to the dev defaults", () => {
    for (const k of [
      "WEFT_BASE_URL",
      "INNGEST_BASE_URL",
      "WEFT_EVENT_KEY",
      "INNGEST_EVENT_KEY",
      "WEFT_DEV",
      "INNGEST_DEV",
      "WEFT_SIGNING_KEY",
      "INNGEST_SIGNING_KEY",
    ]) {
      delete process.env[k];
    }
    expect(new Weft({ id: "a" }).config).toMatchObject({ baseUrl: "http://localhost:8288", eventKey: "NO_EVENT_KEY_SET", mode: "dev" });

    process.env.INNGEST_BASE_URL = "http://inngest:1";
    process.env.INNGEST_EVENT_KEY = "ik";
    expect(new Weft({ id: "a" }).config).toMatchObject({ baseUrl: "http://inngest:1", eventKey: "ik" });
    process.env.WEFT_BASE_URL = "http://weft:2";
    process.env.WEFT_EVENT_KEY = "wk";
    expect(new Weft({ id: "a" }).config).toMatchObject({ baseUrl: "http://weft:2", eventKey: "wk" });
    expect(new Weft({ id: "a", baseUrl: "http://opt:3", eventKey: "ok" }).config).toMatchObject({ baseUrl: "http://opt:3", eventKey: "ok" });

    process.env.INNGEST_DEV = "0";
    expect(new Weft({ id: "a" }).config.mode).toBe("cloud");
    delete process.env.INNGEST_DEV;
    expect(new Weft({ id: "a", signingKey: "signkey-test-00" }).config.mode).toBe("cloud");
    expect(new Weft({ id: "a", signingKey: "signkey-test-00", isDev: true }).config.mode).toBe("dev");
  });
});
