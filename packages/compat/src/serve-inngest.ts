// Serve an official-SDK app on a free loopback port at /api/inngest, with express or hono, and
// sync it into a Weft server. Every exchange with the app is recorded, so tests can check what
// the server sent (headers, signatures, sync kind) and what the SDK answered.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { serve as serveNode } from "@hono/node-server";
import express from "express";
import { Hono } from "hono";
import { api, type TestWeft } from "./harness.js";
import { headersOf } from "./recording-fetch.js";
import type { CompatClient, CompatFunction, ExpressHandler, HonoHandler, SdkUnderTest } from "./sdk-under-test.js";

export type Framework = "express" | "hono";

/** One request to the app and the app's answer. */
export interface AppExchange {
  method: string;
  url: URL;
  headers: Record<string, string>;
  /** The raw request body, exactly as received (what a signature covers). */
  body: string;
  status: number;
  responseHeaders: Record<string, string>;
  responseBody: string;
}

export interface ServedApp {
  url: string;
  framework: Framework;
  exchanges: AppExchange[];
  /** Serve another client or function list at the same URL, as a redeploy of the app would. */
  replace(client: CompatClient, functions: CompatFunction[]): void;
  close(): Promise<void>;
}

export interface SyncResult {
  ok: boolean;
  error?: string;
}

const path = "/api/inngest";

/** Serve `functions` with the SDK's express or hono handler. Does not sync. */
export async function serveInngest(sdk: SdkUnderTest, client: CompatClient, functions: CompatFunction[], framework: Framework = "express"): Promise<ServedApp> {
  const exchanges: AppExchange[] = [];
  let server: Server;
  let replace: ServedApp["replace"];
  if (framework === "express") {
    let handler: ExpressHandler = sdk.expressHandler(client, functions);
    replace = (c, fns) => {
      handler = sdk.expressHandler(c, fns);
    };
    const app = express();
    app.use(
      express.json({
        limit: "8mb",
        verify: (req, _res, buf) => {
          (req as IncomingMessage & { rawBody?: string }).rawBody = buf.toString("utf8");
        },
      }),
    );
    app.use(path, (req, res, next) => {
      recordExpress(req, res, exchanges);
      handler(req, res, next);
    });
    server = createServer(app);
    await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  } else {
    let handler: HonoHandler = sdk.honoHandler(client, functions);
    replace = (c, fns) => {
      handler = sdk.honoHandler(c, fns);
    };
    const app = new Hono();
    app.all(path, async (c) => {
      const body = c.req.method === "GET" || c.req.method === "HEAD" ? "" : await c.req.text();
      const res = await handler(c);
      exchanges.push({
        method: c.req.method,
        url: new URL(c.req.url),
        headers: headersOf(c.req.raw.headers),
        body,
        status: res.status,
        responseHeaders: headersOf(res.headers),
        responseBody: await res.clone().text(),
      });
      return res;
    });
    // Not overriding the global Request/Response keeps this test process's fetch untouched.
    server = await new Promise<Server>((resolve) => {
      const s = serveNode({ fetch: app.fetch, port: 0, hostname: "127.0.0.1", overrideGlobalObjects: false }, () => resolve(s as Server));
    });
  }
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}${path}`;
  return {
    url,
    framework,
    exchanges,
    replace: (c, fns) => replace(c, fns),
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

function recordExpress(req: IncomingMessage & { rawBody?: string; originalUrl?: string }, res: ServerResponse, exchanges: AppExchange[]): void {
  const chunks: Buffer[] = [];
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  // express's res.send() ends the response with the whole body: keep a copy on the way out.
  res.end = ((...args: unknown[]) => {
    const [chunk] = args;
    if (typeof chunk === "string" || chunk instanceof Uint8Array) chunks.push(Buffer.from(chunk));
    return end(...args);
  }) as ServerResponse["end"];
  res.on("finish", () => {
    const responseHeaders: Record<string, string> = {};
    for (const [name, value] of Object.entries(res.getHeaders())) responseHeaders[name] = String(value);
    exchanges.push({
      method: req.method ?? "GET",
      url: new URL(req.originalUrl ?? req.url ?? "/", `http://${req.headers.host}`),
      headers: Object.fromEntries(Object.entries(req.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(", ") : (v ?? "")])),
      body: req.rawBody ?? "",
      status: res.statusCode,
      responseHeaders,
      responseBody: Buffer.concat(chunks).toString("utf8"),
    });
  });
}

/** Ask Weft to sync an app URL (`POST /v1/apps`), as `weft dev -u <url>` would. */
export async function syncApp(weft: TestWeft, url: string): Promise<SyncResult> {
  return (await api<{ data: SyncResult }>(weft.url, "POST", "/v1/apps", { url })).data;
}

/** Serve and sync; throws if the sync fails. */
export async function serveAndSync(
  weft: TestWeft,
  sdk: SdkUnderTest,
  client: CompatClient,
  functions: CompatFunction[],
  framework: Framework = "express",
): Promise<ServedApp> {
  const app = await serveInngest(sdk, client, functions, framework);
  const synced = await syncApp(weft, app.url);
  if (!synced.ok) {
    await app.close();
    throw new Error(`sync of ${app.url} failed: ${synced.error}`);
  }
  return app;
}

/** The calls the server made to the app for one run (the SDK's `X-Run-ID` header). */
export function callsOfRun(app: ServedApp, runId: string): AppExchange[] {
  return app.exchanges.filter((e) => e.method === "POST" && e.headers["x-run-id"] === runId);
}

/** The ops of a 206 answer (an array of opcodes), or [] for any other answer. */
export function opsOf(exchange: AppExchange): { op: string; id?: string; name?: string; data?: unknown }[] {
  if (exchange.status !== 206) return [];
  const parsed: unknown = JSON.parse(exchange.responseBody);
  return Array.isArray(parsed) ? (parsed as { op: string }[]) : [parsed as { op: string }];
}
