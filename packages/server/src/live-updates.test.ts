import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { afterEach, describe, expect, it } from "vitest";
import { LiveUpdates } from "./live-updates.js";
import { Router } from "./router.js";

const cleanups: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c();
});

async function serveStream(live: LiveUpdates): Promise<string> {
  const router = new Router();
  live.routes(router);
  const server = createServer((req, res) => {
    const found = router.match(req.method ?? "GET", req.url ?? "/");
    if (typeof found === "string") res.writeHead(404).end();
    else void found.handler({ req, res, params: found.params, query: new URLSearchParams() });
  });
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  cleanups.push(() => {
    live.close();
    server.closeAllConnections();
    return new Promise<void>((r) => server.close(() => r()));
  });
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/stream`;
}

/** Read the stream's data messages for `ms`. */
async function messages(url: string, during: () => void, ms: number): Promise<string[]> {
  const controller = new AbortController();
  const res = await fetch(url, { signal: controller.signal });
  expect(res.headers.get("content-type")).toBe("text/event-stream");
  const reader = (res.body as ReadableStream<Uint8Array>).getReader();
  const decoder = new TextDecoder();
  let text = "";
  const reading = (async () => {
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) return;
      text += decoder.decode(value, { stream: true });
    }
  })();
  // Let the connection register before changes happen.
  await new Promise((r) => setTimeout(r, 50));
  during();
  await new Promise((r) => setTimeout(r, ms));
  controller.abort();
  await reading;
  return text
    .split("\n")
    .filter((l) => l.startsWith("data: "))
    .map((l) => l.slice(6));
}

describe("LiveUpdates", () => {
  it("throttles a burst to a leading and a trailing message per kind", async () => {
    const live = new LiveUpdates({ throttleMs: 100 });
    const url = await serveStream(live);
    const got = await messages(
      url,
      () => {
        for (let i = 0; i < 50; i++) live.notify("runs");
        live.notify("events");
        setTimeout(() => live.notify("runs"), 20);
      },
      300,
    );
    expect(got.filter((m) => m.includes("runs-changed"))).toHaveLength(2);
    expect(got.filter((m) => m.includes('"event"'))).toHaveLength(1);
  });
});
