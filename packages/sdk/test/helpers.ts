/**
 * Test helpers: real HTTP on loopback. `startApp` serves functions with `serve()`;
 * `startFakeServer` stands in for the Weft server and records what the SDK sends it.
 */
import { createServer } from "node:http";
import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { hashStepId } from "@weft/core";
import { afterEach } from "vitest";

const servers: Server[] = [];
afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => new Promise((r) => s.close(r))));
});

async function listen(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

/** Serve an app on loopback; resolves to its serve URL (`http://127.0.0.1:<port>/api/inngest`). */
export async function startApp(handler: (req: IncomingMessage, res: ServerResponse) => Promise<void>): Promise<string> {
  const origin = await listen((req, res) => void handler(req, res));
  return `${origin}/api/inngest`;
}

export interface Recorded {
  method: string;
  path: string;
  headers: IncomingMessage["headers"];
  body: string;
  json: unknown;
}

type Reply = { status: number; body: unknown } | "hang-up";

/** A stand-in Weft server: records requests; replies come from `next` or a default per path. */
export async function startFakeServer() {
  const requests: Recorded[] = [];
  const next: Reply[] = [];
  const url = await listen((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      const body = Buffer.concat(chunks).toString("utf8");
      let json: unknown;
      try {
        json = JSON.parse(body);
      } catch {
        json = undefined;
      }
      const path = req.url ?? "/";
      requests.push({ method: req.method ?? "", path, headers: req.headers, body, json });
      const reply =
        next.shift() ??
        (path.startsWith("/e/")
          ? { status: 200, body: { ids: (json as unknown[]).map((_, i) => `01ID${i}`), status: 200 } }
          : { status: 200, body: { ok: true, modified: true } });
      if (reply === "hang-up") {
        req.socket.destroy();
        return;
      }
      res.writeHead(reply.status, { "content-type": "application/json" }).end(JSON.stringify(reply.body));
    });
  });
  return { url, requests, next };
}

export interface CallOptions {
  fnId: string;
  stepId?: string;
  event?: Record<string, unknown>;
  events?: Record<string, unknown>[];
  steps?: Record<string, unknown>;
  stack?: string[];
  attempt?: number;
  maxAttempts?: number;
  disableImmediateExecution?: boolean;
}

export interface CallResult {
  status: number;
  headers: Headers;
  body: unknown;
}

export function event(name: string, data: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: "01EVT", name, data, user: {}, ts: 1_700_000_000_000 };
}

/** The body the server POSTs to a step URL (protocol §3). */
export function callBody(o: CallOptions): Record<string, unknown> {
  const e = o.event ?? event("app/test");
  return {
    event: e,
    events: o.events ?? [e],
    steps: o.steps ?? {},
    version: 1,
    use_api: false,
    ctx: {
      run_id: "01RUN",
      attempt: o.attempt ?? 0,
      max_attempts: o.maxAttempts ?? 4,
      disable_immediate_execution: o.disableImmediateExecution ?? false,
      use_api: false,
      stack: { stack: o.stack ?? Object.keys(o.steps ?? {}), current: 0 },
    },
  };
}

/** POST a call to an app, as the server does. */
export async function call(serveUrl: string, o: CallOptions, init: { headers?: Record<string, string> } = {}): Promise<CallResult> {
  const url = new URL(serveUrl);
  url.searchParams.set("fnId", o.fnId);
  url.searchParams.set("stepId", o.stepId ?? "step");
  const res = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", ...init.headers },
    body: JSON.stringify(callBody(o)),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text === "" ? undefined : JSON.parse(text) };
}

/** The wire id of a user step id. */
export const h = (id: string): string => hashStepId(id);

/** The ops of a 206 body. */
export function ops(result: CallResult): Record<string, unknown>[] {
  if (result.status !== 206 || !Array.isArray(result.body)) throw new Error(`expected 206 ops, got ${result.status} ${JSON.stringify(result.body)}`);
  return result.body as Record<string, unknown>[];
}
