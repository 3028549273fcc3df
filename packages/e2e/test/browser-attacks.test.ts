// A web page open in the developer's browser attacks `weft dev` on 127.0.0.1: DNS rebinding (its
// own name re-pointed at 127.0.0.1, so it reads the API as same-origin with a foreign Host), simple
// cross-site POSTs (text/plain, forms, no-cors) to /e, /fn/register and /v1/apps, and reading what
// an internal address answered from a sync error. Each request is sent as the browser would send
// it (Host, Origin, Sec-Fetch-Site, content type), and nothing may be read, written or synced;
// the dashboard's own same-origin requests still work.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, sendEvents, startTestWeft, type TestWeft } from "../src/index.js";

let weft: TestWeft;
let host: string;
let internal: Server;
let internalUrl: string;
const secret = "router-admin-password-4711";

beforeAll(async () => {
  weft = await startTestWeft({ store: "sqlite", server: { allowedHosts: ["weft.test"] } });
  host = new URL(weft.url).host;
  // Something on the developer's network that answers with what a page must never read.
  internal = createServer((_req, res) => {
    res.writeHead(404, { "content-type": "text/html" });
    res.end(`<html>${secret}</html>`);
  });
  await new Promise<void>((resolve) => internal.listen(0, "127.0.0.1", resolve));
  internalUrl = `http://127.0.0.1:${(internal.address() as AddressInfo).port}/admin`;
});
afterAll(async () => {
  await weft?.close();
  await new Promise<void>((resolve) => internal?.close(() => resolve()));
});

async function send(method: string, path: string, headers: Record<string, string>, body?: string) {
  const res = await request(new URL(path, weft.url), { method: method as "GET", headers: { host, ...headers }, body });
  return { status: res.statusCode, text: await res.body.text() };
}

const eventCount = async () => (await api<{ data: unknown[] }>(weft.url, "GET", "/v1/events?limit=1000")).data.length;
const syncedUrls = async () => (await api<{ data: { urls: { url: string }[] } }>(weft.url, "GET", "/v1/apps")).data.urls.map((u) => u.url);

describe("a web page attacking weft dev", () => {
  it("cannot read the API through DNS rebinding: a foreign Host is refused", async () => {
    await sendEvents(weft, { name: "browser/private", data: { card: "4111" } });
    for (const path of ["/v1/events", "/v1/runs", "/v1/apps", "/health", "/"]) {
      const res = await send("GET", path, { host: `evil.example:${new URL(weft.url).port}` });
      expect(res.status, path).toBe(403);
      expect(res.text, path).not.toContain("4111");
      expect(JSON.parse(res.text).error).toMatch(/--allowed-host/);
    }
    // Loopback names and --allowed-host names are answered.
    for (const name of [host, `localhost:${new URL(weft.url).port}`, "weft.test:8288"]) {
      expect((await send("GET", "/v1/events", { host: name })).status, name).toBe(200);
    }
  });

  it("cannot send events, register an app or add an app URL with a cross-site POST", async () => {
    const before = await eventCount();
    const attempts: [string, Record<string, string>, string][] = [
      ["/e/key", { origin: "http://evil.example", "content-type": "text/plain;charset=UTF-8" }, '{"name":"browser/forged"}'],
      ["/e/key", { origin: "http://evil.example", "content-type": "application/json" }, '{"name":"browser/forged"}'],
      ["/e/key", { "sec-fetch-site": "cross-site", "content-type": "text/plain" }, '{"name":"browser/forged"}'],
      // A browser that sends no Origin still cannot make a text/plain or form body JSON.
      ["/e/key", { "content-type": "text/plain" }, '{"name":"browser/forged"}'],
      ["/e/key", { "content-type": "application/x-www-form-urlencoded" }, '{"name":"browser/forged"}'],
      ["/fn/register", { origin: "null", "content-type": "text/plain" }, JSON.stringify({ appName: "forged", url: internalUrl, functions: [] })],
      ["/fn/register", { "content-type": "multipart/form-data; boundary=x" }, JSON.stringify({ appName: "forged", url: internalUrl, functions: [] })],
      ["/v1/apps", { origin: "http://evil.example", "content-type": "text/plain" }, JSON.stringify({ url: internalUrl })],
      ["/v1/apps", { "sec-fetch-site": "same-site", "content-type": "application/json" }, JSON.stringify({ url: internalUrl })],
      ["/v1/apps/sync", { origin: "http://evil.example" }, ""],
      ["/v1/events", { origin: `http://localhost:1`, "content-type": "application/json" }, '{"name":"browser/forged"}'],
    ];
    for (const [path, headers, body] of attempts) {
      const res = await send("POST", path, headers, body);
      expect([403, 415], `${path} ${JSON.stringify(headers)}`).toContain(res.status);
      expect(JSON.parse(res.text).error).toEqual(expect.any(String));
    }
    expect(await eventCount()).toBe(before);
    expect(await syncedUrls()).not.toContain(internalUrl);
    expect((await api<{ data: { synced: { id: string }[] } }>(weft.url, "GET", "/v1/apps")).data.synced.map((a) => a.id)).not.toContain("forged");
  });

  it("the dashboard's same-origin requests still work", async () => {
    const before = await eventCount();
    const res = await send(
      "POST",
      "/v1/events",
      { origin: weft.url, "sec-fetch-site": "same-origin", "content-type": "application/json" },
      '{"name":"browser/from-dashboard"}',
    );
    expect(res.status).toBe(200);
    expect(await eventCount()).toBe(before + 1);
    expect((await send("GET", "/v1/runs", { "sec-fetch-site": "same-origin" })).status).toBe(200);
  });

  it("cannot read what an internal address answered from a failed sync", async () => {
    const { data } = await api<{ data: { ok: boolean; error?: string } }>(weft.url, "POST", "/v1/apps", { url: internalUrl });
    expect(data.ok).toBe(false);
    expect(data.error).toMatch(/HTTP 404/);
    expect(data.error).not.toContain(secret);
    const listed = await send("GET", "/v1/apps", {});
    expect(listed.text).not.toContain(secret);
  });
});
