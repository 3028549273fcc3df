import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { consoleLogger, Engine, fixedBackoff, HttpDriver, type Backoff, type Logger } from "@weft/engine";
import type { Clock, Stores } from "@weft/store";
import { apiRoutes } from "./api-routes.js";
import { checkpointRoutes } from "./checkpoint-routes.js";
import { discoverApps } from "./discovery.js";
import { AppSyncer } from "./app-syncer.js";
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
  /** Largest accepted request body (default 512 KB, the event size limit). */
  maxBodyBytes?: number;
  /** Production: the REST API (`/v1/*` but SDK checkpoints) requires `Authorization: Bearer <apiToken>`. */
  apiToken?: string;
  /** The built dashboard to serve at `/` (default packages/dashboard/dist). */
  dashboardDir?: string;
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
  const engine = new Engine({
    stores: { ...opts.stores, history },
    log,
    backoff,
    concurrency: opts.concurrency,
    leaseMs: opts.leaseMs,
    clock: opts.clock,
    driver: new HttpDriver({ signingKey: opts.signingKey }),
  });
  const maxBodyBytes = opts.maxBodyBytes ?? 512 * 1024;

  const syncer = new AppSyncer(opts.appUrls ?? [], {
    log,
    intervalMs: opts.syncIntervalMs ?? 5000,
    serverKind: "dev",
    register: (body) => engine.register(body),
    signingKey: opts.signingKey,
    discover: opts.discovery ? () => discoverApps() : undefined,
  });

  const router = new Router();
  router.on("GET", "/health", async ({ res }) => sendJson(res, 200, { status: "ok" }));
  eventRoutes(router, engine, { eventKeys: opts.eventKeys ?? [], maxBodyBytes });
  const sdkAuth = { signingKey: opts.signingKey, log, maxBodyBytes: 8 * 1024 * 1024 };
  registerRoutes(router, engine, { ...sdkAuth, serverKind: "dev" });
  apiRoutes(router, engine, history, syncer);
  live.routes(router);
  checkpointRoutes(router, engine, sdkAuth);

  const server: Server = createServer((req, res) => {
    const parsed = new URL(req.url ?? "/", "http://localhost");
    if (opts.apiToken && needsApiToken(parsed.pathname) && !apiTokenAccepted(req, opts.apiToken)) {
      sendJson(res, 401, apiTokenRefusal, { "www-authenticate": "Bearer" });
      return;
    }
    const found = router.match(req.method ?? "GET", parsed.pathname);
    if (found === "not-found" && dashboard.owns(req.method ?? "GET", parsed.pathname)) {
      dashboard.serve(req, res, parsed.pathname).catch((e: unknown) => {
        log.error(`${req.method} ${parsed.pathname} failed: ${(e as Error).message}`);
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
      log.error(`${req.method} ${parsed.pathname} failed: ${(e as Error).message}`);
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
