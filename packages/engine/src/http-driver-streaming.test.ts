// The HTTP driver reading streamed answers (protocol §15) over real HTTP: the SDK's 201, keep-alive
// whitespace, then the envelope. The envelope decides the call; the call timeout and the response
// size limit bound the stream as they bound any answer.
import { createServer, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { FunctionRecord } from "@weft/store";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { HttpDriver } from "./http-driver.js";

const sdkHeaders = { "x-inngest-sdk": "inngest-js:v4.24.0", "x-inngest-req-version": "2" };

/** How the fake app answers each path. */
const answers = new Map<string, (res: ServerResponse) => void>();
let server: Server;
let base: string;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on("end", () => answers.get(new URL(req.url ?? "/", "http://x").pathname)?.(res));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

/** Answer `path` as the SDK streams: 201 with its headers, keep-alive spaces in chunks, then `tail`. */
function streams(path: string, tail: string, keepAliveChunks = 3): void {
  answers.set(path, (res) => {
    res.writeHead(201, { ...sdkHeaders, "content-type": "application/json" });
    for (let i = 0; i < keepAliveChunks; i++) res.write(" ");
    res.end(tail);
  });
}

function envelope(status: number, body: unknown, headers: Record<string, string> = {}): string {
  return JSON.stringify({ status, headers: { ...sdkHeaders, ...headers }, body: JSON.stringify(body), version: 2 });
}

function call(driver: HttpDriver, path: string) {
  const fn: FunctionRecord = {
    id: "app-fn",
    appId: "app",
    name: "fn",
    config: { id: "app-fn", triggers: [], steps: { step: { id: "step", name: "step", runtime: { type: "http", url: `${base}${path}` } } } },
  };
  return driver.call({ fn, runId: "run-1", stepId: "step", version: 2, body: "{}" });
}

describe("HttpDriver: streamed answers", () => {
  const driver = new HttpDriver();
  afterAll(() => driver.close());

  it("reads the envelope's result, not the envelope, as the function's return value", async () => {
    streams("/hello", envelope(200, "Hello, Inngest!"));
    expect(await call(driver, "/hello")).toEqual({ type: "complete", data: "Hello, Inngest!", version: 2 });
  });

  it("reads the envelope's ops", async () => {
    const ops = [{ id: "a1", op: "Sleep", name: "1s" }];
    streams("/ops", envelope(206, ops));
    expect(await call(driver, "/ops")).toEqual({ type: "ops", ops, version: 2, noRetry: false, retryAfterMs: undefined });
  });

  it("reads an error envelope as a failure, with its no-retry and retry-after headers", async () => {
    const error = { name: "NonRetriableError", message: "refused" };
    streams("/fatal", envelope(400, error, { "x-inngest-no-retry": "true" }));
    expect(await call(driver, "/fatal")).toMatchObject({ type: "error", error, retriable: false });

    streams("/later", envelope(500, { name: "Error", message: "busy" }, { "x-inngest-no-retry": "false", "retry-after": "30" }));
    const later = await call(driver, "/later");
    expect(later).toMatchObject({ type: "error", error: { message: "busy" }, retriable: true });
    expect(later.type === "error" && later.retryAfterMs).toBeGreaterThan(0);
  });

  it("takes the SDK headers from the 201 when the envelope carries none", async () => {
    streams("/bare", JSON.stringify({ status: 200, body: JSON.stringify({ n: 1 }) }));
    expect(await call(driver, "/bare")).toEqual({ type: "complete", data: { n: 1 }, version: 2 });
  });

  it("retries a stream that ends without an envelope or with a broken one", async () => {
    streams("/empty", "");
    expect(await call(driver, "/empty")).toMatchObject({
      type: "error",
      error: { name: "InvalidResponse", message: expect.stringMatching(/streamed its answer \(201\).*ended before/) },
      retriable: true,
    });
    streams("/broken", '{"status":200,"bo');
    expect(await call(driver, "/broken")).toMatchObject({ type: "error", error: { name: "InvalidResponse" }, retriable: true });
  });

  it("stops reading a stream at the response size limit, keep-alive whitespace included", async () => {
    const small = new HttpDriver({ maxResponseBytes: 1024 });
    try {
      streams("/chatty", envelope(200, "late"), 2048);
      expect(await call(small, "/chatty")).toMatchObject({ type: "error", error: { name: "ResponseTooLarge" }, retriable: false });
    } finally {
      await small.close();
    }
  });

  it("gives up on a stream that never finishes at the call timeout", async () => {
    // Keep-alive forever: the deadline covers the whole exchange, so the whitespace never extends it.
    answers.set("/endless", (res) => {
      res.writeHead(201, sdkHeaders);
      const beat = setInterval(() => res.write(" "), 20);
      res.on("close", () => clearInterval(beat));
    });
    const impatient = new HttpDriver({ timeoutMs: 300 });
    try {
      expect(await call(impatient, "/endless")).toMatchObject({
        type: "error",
        error: { name: "Timeout", message: expect.stringMatching(/streamed its answer but did not finish it within 300 ms/) },
        retriable: true,
      });
    } finally {
      await impatient.close();
    }
  });
});
