import { createServer, type Server } from "node:http";
import { mkdtempSync, rmSync } from "node:fs";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import type { ApiRun, ApiStep } from "@weft/core";
import { silentLogger } from "@weft/engine";
import { serve, type ServeOptions } from "@weft/sdk";
import type { Clock } from "@weft/store";
import { closeStores, openStores, startWeftServer, type StoreConfig, type WeftServer, type WeftServerOptions } from "@weft/server";
import { request } from "undici";

export interface TestWeft {
  server: WeftServer;
  url: string;
  close(): Promise<void>;
}

/** A Weft server on a free loopback port, over a fresh store (SQLite in a temp dir by default). */
export interface TestWeftOptions {
  /** memory, SQLite in a temp dir (default), or explicit store URLs (Postgres, Redis, …). */
  store?: "memory" | "sqlite" | StoreConfig;
  retryIntervalMs?: number;
  clock?: Clock;
  signingKey?: string;
  eventKeys?: string[];
  /** Any other server option (limits, call timeout, URL allow-lists, a capturing logger, …). */
  server?: Omit<Partial<WeftServerOptions>, "stores">;
}

export async function startTestWeft(opts: TestWeftOptions = {}): Promise<TestWeft> {
  const dir = mkdtempSync(join(tmpdir(), "weft-e2e-"));
  const config = typeof opts.store === "object" ? opts.store : opts.store === "memory" ? "memory:" : `sqlite:${join(dir, "weft.db")}`;
  const stores = await openStores(config);
  const server = await startWeftServer({
    stores,
    port: 0,
    retryIntervalMs: opts.retryIntervalMs ?? 50,
    log: process.env.WEFT_TEST_LOG ? undefined : silentLogger,
    syncIntervalMs: 60_000,
    clock: opts.clock,
    signingKey: opts.signingKey,
    eventKeys: opts.eventKeys,
    cacheStats: stores.cacheStats,
    ...opts.server,
  });
  return {
    server,
    url: server.url,
    async close() {
      await server.close();
      await closeStores(stores);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Serve functions with the SDK on a free port and sync them into `weft`. Answers the serve URL. */
export async function serveApp(
  weft: TestWeft,
  client: ServeOptions["client"],
  functions: ServeOptions["functions"],
): Promise<{ url: string; close(): Promise<void> }> {
  const handler = serve({ client, functions });
  const http: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/inngest`;
  const synced = await api<{ data: { ok: boolean; error?: string } }>(weft.url, "POST", "/v1/apps", { url });
  if (!synced.data.ok) throw new Error(`sync failed: ${synced.data.error}`);
  return {
    url,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}

/** Call the Weft REST API; throws on a non-2xx answer. */
export async function api<T>(base: string, method: string, path: string, body?: unknown): Promise<T> {
  const res = await request(new URL(path, base), {
    method: method as "GET",
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = (await res.body.json()) as T;
  if (res.statusCode >= 300) throw new Error(`${method} ${path} → ${res.statusCode} ${JSON.stringify(json)}`);
  return json;
}

/** Poll until `probe` answers something other than undefined (bounded; never a bare sleep). */
export async function waitFor<T>(probe: () => Promise<T | undefined>, what: string, timeoutMs = 10_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

/** The REST API's run and step shapes, declared once in @weft/core. */
export type { ApiRun, ApiStep };

/** The runs an event started, once there are `count` of them. */
export function runsOf(weft: TestWeft, eventId: string, count = 1): Promise<ApiRun[]> {
  return waitFor(async () => {
    const { data } = await api<{ data: ApiRun[] }>(weft.url, "GET", `/v1/events/${eventId}/runs`);
    return data.length >= count ? data : undefined;
  }, `${count} run(s) of event ${eventId}`);
}

/** Send one event and answer the run it starts. */
export async function runOf(weft: TestWeft, name: string, data: Record<string, unknown> = {}): Promise<ApiRun> {
  const [eventId] = await sendEvents(weft, { name, data });
  return (await runsOf(weft, eventId as string))[0] as ApiRun;
}

/** A run, once it has reached `status`. */
export function runWithStatus(weft: TestWeft, runId: string, status: string, timeoutMs?: number): Promise<ApiRun> {
  return waitFor(
    async () => {
      const { data } = await api<{ data: ApiRun }>(weft.url, "GET", `/v1/runs/${runId}`);
      return data.status === status ? data : undefined;
    },
    `run ${runId} to be ${status}`,
    timeoutMs,
  );
}

export async function stepsOf(weft: TestWeft, runId: string): Promise<ApiStep[]> {
  return (await api<{ data: ApiStep[] }>(weft.url, "GET", `/v1/runs/${runId}/steps`)).data;
}

/** Send events through the public event API, as an app would. */
export async function sendEvents(weft: TestWeft, events: unknown): Promise<string[]> {
  return (await api<{ ids: string[] }>(weft.url, "POST", "/e/test-key", events)).ids;
}

/**
 * A plain HTTP server on a free loopback port (a fake app or a fetch target), kept in `servers` so
 * the test's `afterAll` can close them all. Answers its base URL.
 */
export async function listenPlain(handler: Parameters<typeof createServer>[1], servers: Server[]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}
