import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { InvalidInputError } from "@weft/core";
import { consoleLogger, Engine, fixedBackoff, HttpDriver, UrlPolicy, type Backoff, type Limits, type Logger } from "@weft/engine";
import type { Clock, Stores } from "@weft/store";
import { apiRoutes } from "./api-routes.js";
import { checkpointRoutes } from "./checkpoint-routes.js";
import { discoverApps } from "./discovery.js";
import { AppSyncer } from "./app-syncer.js";
import { registerUrlRefusal } from "./app-url-check.js";
import { eventRoutes } from "./event-routes.js";
import { BodyTooLargeError, sendJson } from "./http-util.js";
import { registerRoutes } from "./register-routes.js";
import { Router } from "./router.js";
// Dashboard: static files, live updates, the API token.
import { apiTokenAccepted, apiTokenRefusal, needsApiToken } from "./api-token.js";
import { DashboardAssets } from "./dashboard-routes.js";
import { LiveUpdates } from "./live-updates.js";
import { notifyingHistory } from "./notifying-history.js";

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
  /** Production: the REST API (`/v1/*` but SDK checkpoints) requires `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  /** The built dashboard to serve at `/` (default packages/dashboard/dist). */
  dashboardDir?: string;
  /** Hit/miss counts of the state cache (`--state-cache`), served at `GET /v1/stats/cache`. */
  cacheStats?: () => unknown;
}

export interface WeftServer {
  engine: Engine;
  syncer: AppSyncer;
  url: string;
  close(): Promise<void>;
}

/** The HTTP server: event API, sync, REST API, wired to an engine over the given stores. */
export async function startWeftServer(opts: WeftServerOptions): Promise<WeftServer> {
  const log = opts.log ?? consoleLogger;
  const backoff: Backoff | undefined = opts.retryIntervalMs !== undefined ? fixedBackoff(opts.retryIntervalMs) : undefined;
  // Dashboard: history writes notify live-update watchers (GET /v1/stream).
  const live = new LiveUpdates();
  const history = notifyingHistory(opts.stores.history, (change) => live.notify(change));
  const dashboard = new DashboardAssets(opts.dashboardDir);
  const allowAppUrl = opts.allowAppUrls?.length ? new UrlPolicy(opts.allowAppUrls, "--allow-app-url") : undefined;
  const allowFetchUrl = opts.allowFetchUrls?.length ? new UrlPolicy(opts.allowFetchUrls, "--allow-fetch-url") : undefined;
  const engine = new Engine({
    stores: { ...opts.stores, history },
    log,
    backoff,
    concurrency: opts.concurrency,
    leaseMs: opts.leaseMs,
    clock: opts.clock,
    limits: opts.limits,
    allowFetchUrl,
    // Room for the largest step output plus the op around it: an answer over this fails the run.
    driver: new HttpDriver({
      signingKey: opts.signingKey,
      timeoutMs: opts.callTimeoutMs,
      allowUrl: allowAppUrl,
      maxResponseBytes: Math.max(8 * 1024 * 1024, 2 * (opts.limits?.maxStepOutputBytes ?? 0)),
    }),
  });
  const maxBodyBytes = Math.max(opts.maxBodyBytes ?? 4 * 1024 * 1024, engine.limits.maxEventBytes);

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
  });

  const router = new Router();
  router.on("GET", "/health", async ({ res }) => sendJson(res, 200, { status: "ok" }));
  eventRoutes(router, engine, { eventKeys: opts.eventKeys ?? [], maxBodyBytes });
  const sdkAuth = { signingKey: opts.signingKey, log, maxBodyBytes: 8 * 1024 * 1024 };
  registerRoutes(router, engine, { ...sdkAuth, serverKind: "dev", allowAppUrl });
  apiRoutes(router, engine, history, syncer, { maxBodyBytes, allowAppUrl });
  live.routes(router);
  router.on("GET", "/v1/stats/cache", async ({ res }) =>
    opts.cacheStats ? sendJson(res, 200, { data: opts.cacheStats() }) : sendJson(res, 404, { error: "no state cache: start with --state-cache MB" }),
  );
  checkpointRoutes(router, engine, sdkAuth);

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

  const server: Server = createServer((req, res) => {
    const parsed = new URL(req.url ?? "/", "http://localhost");
    // The event key is part of the path of `POST /e/:key`: log the path without it.
    const logPath = parsed.pathname.replace(/^\/e\/[^/]*/, "/e/***");
    if (opts.apiToken && needsApiToken(parsed.pathname) && !apiTokenAccepted(req, opts.apiToken)) {
      sendJson(res, 401, apiTokenRefusal, { "www-authenticate": "Bearer" });
      return;
    }
    const found = router.match(req.method ?? "GET", parsed.pathname);
    if (found === "not-found" && dashboard.owns(req.method ?? "GET", parsed.pathname)) {
      dashboard.serve(req, res, parsed.pathname).catch((e: unknown) => {
        log.error(`${req.method} ${logPath} failed: ${(e as Error).message}`);
        res.destroy();
      });
      return;
    }
    if (found === "not-found" || found === "method") {
      sendJson(res, found === "method" ? 405 : 404, { error: `${found === "method" ? "method not allowed" : "not found"}: ${req.method} ${parsed.pathname}` });
      return;
    }
    found.handler({ req, res, params: found.params, query: parsed.searchParams }).catch((e: unknown) => {
      if (e instanceof BodyTooLargeError) {
        // Close the connection rather than read the rest of an oversized body.
        sendJson(res, 413, { error: e.message, status: 413 }, { connection: "close" });
        return;
      }
      logFailure(`${req.method} ${logPath} failed: ${(e as Error).message}`);
      if (!res.headersSent) sendJson(res, 503, { error: "the server could not complete the request; nothing was acknowledged, retry it", status: 503 });
      else res.destroy();
    });
  });
  server.keepAliveTimeout = 60_000;

  await engine.start();
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(opts.port ?? 8288, opts.host ?? "127.0.0.1", () => resolve());
  });
  const addr = server.address() as AddressInfo;
  const url = `http://${addr.family === "IPv6" ? `[${addr.address}]` : addr.address}:${addr.port}`;
  syncer.start();

  return {
    engine,
    syncer,
    url,
    async close() {
      syncer.stop();
      live.close();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
      await engine.stop();
    },
  };
}
