import type { IncomingMessage, Server, ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Duplex } from "node:stream";
import { InvalidInputError } from "@weft/core";
import {
  appTlsConnect,
  consoleLogger,
  Engine,
  fixedBackoff,
  HttpDriver,
  UrlPolicy,
  type Backoff,
  type Limits,
  type Logger,
  type RetentionOptions,
} from "@weft/engine";
import { Agent } from "undici";
import { createWebServer, type ServerTls } from "./web-server.js";
import { systemClock, type Clock, type Stores } from "@weft/store";
import { apiRoutes } from "./api-routes.js";
import { metricsRoutes } from "./metrics-routes.js";
import { checkpointRoutes } from "./checkpoint-routes.js";
import { signalRoute } from "./signal-route.js";
import { devRoutes } from "./dev-routes.js";
import { discoverApps } from "./discovery.js";
import { AppSyncer } from "./app-syncer.js";
import { registerUrlRefusal } from "./app-url-check.js";
import { eventRoutes } from "./event-routes.js";
import { BodyTooLargeError, refusalStatus, sendJson } from "./http-util.js";
import { registerRoutes } from "./register-routes.js";
import { BrowserGuard } from "./browser-guard.js";
import { parseRequestTarget, type RequestTarget } from "./request-target.js";
import { Router } from "./router.js";
// Dashboard: static files, live updates, the API token.
import { apiTokenAccepted, apiTokenRefusal, needsApiToken } from "./api-token.js";
import { runTraceRoute } from "./run-trace-route.js";
import { metricsRoute } from "./telemetry/metrics-route.js";
import { startTelemetry } from "./telemetry/telemetry.js";
import { DashboardAssets } from "./dashboard-routes.js";
import { LiveUpdates } from "./live-updates.js";
import { notifyingHistory } from "./notifying-history.js";
import { realtimeRoutes } from "./realtime/realtime-routes.js";
import { UpgradeRouter } from "./upgrade-router.js";
// Connect: `inngest/connect` workers over a WebSocket.
import { connectGatewayPath } from "@weft/connect-protocol";
import { ConnectDriver } from "./connect/connect-driver.js";
import { ConnectGateway } from "./connect/gateway.js";
import { connectRoutes } from "./connect/start-routes.js";
import { WorkerPool } from "./connect/worker-pool.js";

export interface WeftServerOptions {
  stores: Stores;
  port?: number;
  host?: string;
  /** App URLs to sync (`weft dev -u`). */
  appUrls?: string[];
  /** Fixed retry delay instead of the 15 s … 2 h table (dev). */
  retryIntervalMs?: number;
  /** Accepted event keys; empty accepts any (dev). */
  eventKeys?: string[];
  /** Sign every request to apps and require the SDK's bearer key on /fn/register. */
  signingKey?: string;
  /** Look for apps on the usual local ports and paths until one is synced (dev). */
  discovery?: boolean;
  log?: Logger;
  /** How often apps are re-synced (default 5 s). */
  syncIntervalMs?: number;
  concurrency?: number;
  /** Calls of one app in flight at once (`--max-app-calls`, default half of `concurrency`): a hung app cannot starve the others. */
  maxCallsPerApp?: number;
  /** Injected time (tests); the system clock by default. */
  clock?: Clock;
  /** Job lease: how soon the jobs of a crashed process are redelivered (default 10 s). */
  leaseMs?: number;
  /**
   * Largest accepted event request body, refused before it is parsed (default 4 MiB, and never
   * below `limits.maxEventBytes`); each event in it is held to `limits.maxEventBytes`.
   */
  maxBodyBytes?: number;
  /** Size and count limits (event, events per request, nesting, step output, run state, steps, batch). */
  limits?: Partial<Limits>;
  /** Per-request timeout of calls to apps (`--call-timeout`, default 5 minutes). */
  callTimeoutMs?: number;
  /** Glob patterns of app URLs that may be synced and called (`--allow-app-url`); any when empty. */
  allowAppUrls?: string[];
  /** Glob patterns of URLs `step.fetch` and `step.ai.infer` may call (`--allow-fetch-url`); any when empty. */
  allowFetchUrls?: string[];
  /** Refuse `step.fetch` / `step.ai.infer` targets that resolve to private, loopback or link-local addresses (`weft start`). */
  denyPrivateFetch?: boolean;
  /** Production: the REST API (`/v1/*` but SDK checkpoints) requires `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  /** The built dashboard to serve at `/` (default: the installed @weft/dashboard package's dist/). */
  dashboardDir?: string;
  /** Serve HTTPS with this certificate and key (`--tls-cert`, `--tls-key`); plain HTTP without. */
  tls?: ServerTls;
  /** A CA (PEM) trusted for `https://` apps, their calls and syncs, besides Node's roots (`--app-ca`). */
  appCa?: string | Buffer;
  /**
   * More `Host` names answered on a loopback bind (`--allowed-host`); loopback names and the bound
   * host always are. Other names are refused, so DNS rebinding cannot reach a local server.
   */
  allowedHosts?: string[];
  /** Hit/miss counts of the state cache (`--state-cache`), served at `GET /v1/stats/cache`. */
  cacheStats?: () => unknown;
  /** How long a realtime subscription token may be used to connect (default 60 s). */
  realtimeTokenTtlMs?: number;
  /** How long events and finished runs are kept (`--retention*`); forever when unset. */
  retention?: RetentionOptions;
  /** Export traces over OTLP/HTTP to this base URL (`--otel-endpoint`); also on when `OTEL_EXPORTER_OTLP_ENDPOINT` is set. */
  otelEndpoint?: string;
  /** Prometheus metrics at `GET /metrics` (default true; `--no-metrics`). */
  metrics?: boolean;
}

export interface WeftServer {
  engine: Engine;
  syncer: AppSyncer;
  url: string;
  /** Every API route (method and pattern), e.g. for the route fuzzer. */
  routes: { method: string; pattern: string }[];
  close(): Promise<void>;
}

/** The HTTP server: event API, sync, REST API, wired to an engine over the given stores. */
export async function startWeftServer(opts: WeftServerOptions): Promise<WeftServer> {
  const log = opts.log ?? consoleLogger;
  const backoff: Backoff | undefined = opts.retryIntervalMs !== undefined ? fixedBackoff(opts.retryIntervalMs) : undefined;
  // Dashboard: history writes notify live-update watchers (GET /v1/stream).
  const live = new LiveUpdates();
  // Traces and metrics (telemetry/): the engine's observer, and the stores timed when metrics are on.
  const telemetry = startTelemetry({
    stores: opts.stores,
    otelEndpoint: opts.otelEndpoint,
    metrics: opts.metrics ?? true,
    now: () => (opts.clock ?? systemClock).now(),
  });
  const history = notifyingHistory(telemetry.stores.history, (change) => live.notify(change));
  const dashboard = new DashboardAssets(opts.dashboardDir);
  const allowAppUrl = opts.allowAppUrls?.length ? new UrlPolicy(opts.allowAppUrls, "--allow-app-url") : undefined;
  const allowFetchUrl = opts.allowFetchUrls?.length ? new UrlPolicy(opts.allowFetchUrls, "--allow-fetch-url") : undefined;
  // Connect workers of this process: the driver calls through them, and the worker leases a
  // Connect-only app's job only while one of them has room (the pool is the call gate).
  const connectPool = new WorkerPool();
  const maxResponseBytes = Math.max(8 * 1024 * 1024, 2 * (opts.limits?.maxStepOutputBytes ?? 0));
  const engine = new Engine({
    stores: { ...telemetry.stores, history },
    observer: telemetry.observer,
    callGate: connectPool,
    log,
    backoff,
    concurrency: opts.concurrency,
    maxCallsPerApp: opts.maxCallsPerApp,
    leaseMs: opts.leaseMs,
    clock: opts.clock,
    limits: opts.limits,
    allowFetchUrl,
    denyPrivateFetch: opts.denyPrivateFetch,
    retention: opts.retention,
    // Room for the largest step output plus the op around it: an answer over this fails the run.
    driver: new ConnectDriver(
      connectPool,
      new HttpDriver({ signingKey: opts.signingKey, timeoutMs: opts.callTimeoutMs, allowUrl: allowAppUrl, maxResponseBytes, appCa: opts.appCa }),
    ),
  });
  const maxBodyBytes = Math.max(opts.maxBodyBytes ?? 4 * 1024 * 1024, engine.limits.maxEventBytes);

  // Syncs of https:// apps trust --app-ca as their calls do.
  const syncAgent = opts.appCa === undefined ? undefined : new Agent({ connect: appTlsConnect(opts.appCa) });
  const syncer = new AppSyncer(opts.appUrls ?? [], {
    log,
    intervalMs: opts.syncIntervalMs ?? 5000,
    serverKind: "dev",
    register: (body) => {
      // An in-band reply names its own URL and its functions' URLs: hold them to --allow-app-url too.
      const refused = registerUrlRefusal(body, allowAppUrl);
      if (refused) throw new InvalidInputError(refused);
      return engine.register(body);
    },
    allowUrl: allowAppUrl,
    signingKey: opts.signingKey,
    discover: opts.discovery ? () => discoverApps() : undefined,
    dispatcher: syncAgent,
  });

  const router = new Router();
  router.on("GET", "/health", async ({ res }) => sendJson(res, 200, { status: "ok" }));
  eventRoutes(router, engine, { eventKeys: opts.eventKeys ?? [], maxBodyBytes });
  const sdkAuth = { signingKey: opts.signingKey, log, maxBodyBytes: 8 * 1024 * 1024 };
  registerRoutes(router, engine, { ...sdkAuth, serverKind: "dev", allowAppUrl });
  apiRoutes(router, engine, opts.stores.registry, history, syncer, { maxBodyBytes, allowAppUrl });
  metricsRoutes(router, history, opts.stores.queue, () => (opts.clock ?? systemClock).now());
  metricsRoute(router, telemetry.metrics);
  runTraceRoute(router, history);
  live.routes(router);
  router.on("GET", "/v1/stats/cache", async ({ res }) =>
    opts.cacheStats ? sendJson(res, 200, { data: opts.cacheStats() }) : sendJson(res, 404, { error: "no state cache: start with --state-cache MB" }),
  );
  checkpointRoutes(router, engine, sdkAuth);
  signalRoute(router, engine, { signingKey: opts.signingKey, apiToken: opts.apiToken, maxBodyBytes });
  devRoutes(router, opts.stores, { signingKey: opts.signingKey, apiToken: opts.apiToken });
  // WebSocket endpoints register a path here; the server's one `upgrade` listener routes by it.
  const upgrades = new UpgradeRouter();
  const connect = new ConnectGateway({
    engine,
    pool: connectPool,
    registry: opts.stores.registry,
    signingKey: opts.signingKey,
    log,
    maxMessageBytes: maxResponseBytes,
    callTimeoutMs: opts.callTimeoutMs ?? 5 * 60_000,
  });
  connectRoutes(router, connect, { signingKey: opts.signingKey, log, maxBodyBytes: maxResponseBytes });
  upgrades.on(connectGatewayPath, connect.upgrade);
  const realtime = realtimeRoutes(router, upgrades, {
    bus: opts.stores.realtime,
    signingKey: opts.signingKey,
    apiToken: opts.apiToken,
    maxMessageBytes: engine.limits.maxStepOutputBytes,
    tokenTtlMs: opts.realtimeTokenTtlMs,
    now: opts.clock ? () => (opts.clock as Clock).now() : undefined,
  });

  // A store outage fails every request that writes: log the first failure, then at most one line
  // per 30 s with a count, instead of a line per request.
  let lastFailureLogAt = Number.NEGATIVE_INFINITY;
  let unlogged = 0;
  const logFailure = (line: string) => {
    const now = Date.now();
    if (now - lastFailureLogAt < 30_000) {
      unlogged++;
      return;
    }
    log.error(unlogged > 0 ? `${line} (and ${unlogged} more failed requests since the last such line)` : line);
    lastFailureLogAt = now;
    unlogged = 0;
  };

  const guard = new BrowserGuard({ host: opts.host ?? "127.0.0.1", allowedHosts: opts.allowedHosts });

  const handle = async (req: IncomingMessage, res: ServerResponse, target: RequestTarget): Promise<void> => {
    const refused = guard.refusal(req);
    if (refused) return sendJson(res, refused.status, { error: refused.error, status: refused.status });
    if ("error" in target) return sendJson(res, 400, { error: target.error, status: 400 });
    const { pathname, query } = target;
    if (opts.apiToken && needsApiToken(pathname) && !apiTokenAccepted(req, opts.apiToken)) {
      return sendJson(res, 401, apiTokenRefusal, { "www-authenticate": "Bearer" });
    }
    const found = router.match(req.method ?? "GET", pathname);
    if (found === "not-found" && dashboard.owns(req.method ?? "GET", pathname)) return dashboard.serve(req, res, pathname);
    if (found === "not-found" || found === "method") {
      return sendJson(res, found === "method" ? 405 : 404, { error: `${found === "method" ? "method not allowed" : "not found"}: ${req.method} ${pathname}` });
    }
    await found.handler({ req, res, params: found.params, query });
  };

  // Every request ends in an answer, whatever throws while it is handled (a bad path, a handler's
  // bug, a store outage): a throw that escaped this callback would stop the whole process.
  const server: Server = createWebServer(opts.tls, (req, res) => {
    const target = parseRequestTarget(req.url ?? "/");
    // The event key is part of the path of `POST /e/:key`: log the path without it.
    const logPath = "error" in target ? "(unreadable path)" : target.pathname.replace(/^\/e\/[^/]*/, "/e/***").slice(0, 200);
    handle(req, res, target)
      .catch((e: unknown) => {
        if (e instanceof BodyTooLargeError) {
          // Close the connection rather than read the rest of an oversized body.
          if (!res.headersSent) sendJson(res, 413, { error: e.message, status: 413 }, { connection: "close" });
          else res.destroy();
          return;
        }
        const refusal = refusalStatus(e);
        if (refusal !== undefined && !res.headersSent) {
          sendJson(res, refusal, { error: (e as Error).message, status: refusal });
          return;
        }
        logFailure(`${req.method} ${logPath} failed: ${e instanceof Error ? e.message : String(e)}`);
        if (!res.headersSent) sendJson(res, 503, { error: "the server could not complete the request; nothing was acknowledged, retry it", status: 503 });
        else res.destroy();
      })
      // Answering can fail too (the client is gone): drop the connection, never the process.
      .catch(() => res.destroy());
  });
  server.keepAliveTimeout = 60_000;
  // CONNECT is not ours to serve (no proxying); answered rather than dropped without a word.
  server.on("upgrade", (req: IncomingMessage, socket: Duplex, head: Buffer) => upgrades.handle(req, socket, head, guard.refusal(req)));
  server.on("connect", (_req: IncomingMessage, socket: Duplex) => {
    const text = JSON.stringify({ error: "method not allowed: CONNECT", status: 405 });
    socket.on("error", () => {});
    // Destroyed once written: the socket is no longer read, so the client's close would never be seen.
    socket.end(
      `HTTP/1.1 405 Method Not Allowed\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
      () => socket.destroy(),
    );
  });

  await engine.start();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8288, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `${opts.tls ? "https" : "http"}://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
  syncer.start();
  connect.start();

  return {
    engine,
    syncer,
    url,
    routes: router.table(),
    async close() {
      syncer.stop();
      await syncAgent?.close();
      live.close();
      await realtime.close();
      // Connect: no new workers; the ones connected answer the calls in flight, then are told to go.
      // Their sockets count as the server's connections, so its close completes only after theirs.
      connect.beginDrain();
      server.closeAllConnections();
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.stop();
      await telemetry.close();
      await connect.close();
      await closed;
    },
  };
}
