import { createHash, randomUUID, timingSafeEqual } from "node:crypto";
import http2 from "node:http2";
import type { IncomingHttpHeaders, ServerHttp2Session, ServerHttp2Stream } from "node:http2";
import type { AddressInfo } from "node:net";
import type { StateStores } from "@weft/store";
import { handleCall, respond, respondError } from "./call-handler.js";
import type { CallContext } from "./call-handler.js";
import { CallStats } from "./call-stats.js";
import { ConcurrencyLimiter } from "./concurrency-limiter.js";
import { LeaseCoalescer } from "./lease-coalescer.js";
import { formatEndpoint, remoteScheme, remoteTlsScheme } from "./remote-url.js";
import { WakeupHub } from "./wakeup-hub.js";
import { toWireError } from "./wire-errors.js";
import { callPathPrefix, clientIdHeader, healthPath, refusedHeader, storeNames, subscribePath } from "./wire.js";
import type { HealthReport } from "./wire.js";

export interface CoordinatorOptions {
  /**
   * The backing stores, already initialised; the coordinator never inits or closes them (their
   * bundle's owner does, after `drain()` or `close()`). History and the registry are never hosted
   * (they stay with the server's `--db`).
   */
  stores: StateStores;
  /** Where to listen; port 0 picks a free port (read it back from `url`). */
  listen: { host: string; port: number };
  /** When set, every call and subscription must carry `authorization: Bearer <token>`. */
  token?: string;
  /**
   * Most backend operations at once; the rest wait their turn in the coordinator. Size the
   * backend's pool to match (`createPostgresStores(url, { poolSize })`). Default 16.
   */
  maxInFlight?: number;
  /** Largest request body accepted. Default 16 MiB. */
  maxBodyBytes?: number;
  /**
   * Merge lease calls that wait for a backend slot into one backend lease (see `LeaseCoalescer`).
   * Default true.
   */
  coalesceLeases?: boolean;
  /**
   * Serve TLS (`weft coordinator --tls-cert --tls-key`; clients use `weft+tls://`). With `ca`, every
   * client must present a certificate signed by it (mutual TLS, `--tls-ca`): a connection without
   * one, or with another CA's, is refused during the handshake.
   */
  tls?: CoordinatorTls;
}

/** PEM contents of the coordinator's certificate and key, and of the CA its clients' certificates must chain to. */
export interface CoordinatorTls {
  cert: string | Buffer;
  key: string | Buffer;
  ca?: string | Buffer;
}

export interface Coordinator {
  /** `weft://host:port` (`weft+tls://` with `tls`), what engines pass as `--state`. */
  readonly url: string;
  /** The same report `GET /health` answers. */
  health(): HealthReport;
  /**
   * Graceful stop: refuse new calls (clients retry them on another coordinator, or here after a
   * restart), let the ones in flight finish, end subscriptions, then close. After `timeoutMs`
   * (default 30 s) what is left is cut off as by `close()`.
   */
  drain(opts?: { timeoutMs?: number }): Promise<void>;
  /** Hard stop: drop every connection now; calls in flight fail on their clients as StoreUnavailableError. */
  close(): Promise<void>;
}

const defaultMaxInFlight = 16;
const defaultMaxBodyBytes = 16 * 1024 * 1024;

/**
 * Host the run-state store, pause store and queue of any backend behind HTTP/2 (see README.md for
 * the protocol and why). Resolves once listening.
 */
export async function startCoordinator(opts: CoordinatorOptions): Promise<Coordinator> {
  // Hosted by name, so what is hosted is decided once, here.
  const hosted = { state: opts.stores.state, pauses: opts.stores.pauses, queue: opts.stores.queue, flow: opts.stores.flow };
  const limiter = new ConcurrencyLimiter(opts.maxInFlight ?? defaultMaxInFlight);
  const hub = new WakeupHub(opts.stores.queue);
  const ctx: CallContext = {
    stores: hosted,
    limiter,
    hub,
    leases: opts.coalesceLeases === false ? undefined : new LeaseCoalescer(limiter, (leaseOpts) => hosted.queue.lease(leaseOpts)),
    maxBodyBytes: opts.maxBodyBytes ?? defaultMaxBodyBytes,
    stats: new CallStats(),
  };
  const tokenDigest = opts.token === undefined ? undefined : digest(opts.token);
  const startedAt = Date.now();
  const sessions = new Set<ServerHttp2Session>();
  let draining = false;
  let active = 0;
  const quietWaiters: (() => void)[] = [];

  const settings = { maxConcurrentStreams: 10_000 };
  const tls = opts.tls;
  const server =
    tls === undefined
      ? http2.createServer({ settings })
      : http2.createSecureServer({
          settings,
          cert: tls.cert,
          key: tls.key,
          ...(tls.ca === undefined ? {} : { ca: tls.ca, requestCert: true, rejectUnauthorized: true }),
        });
  // A client whose handshake fails (untrusted, no client certificate) learns why from the TLS alert.
  server.on("tlsClientError", () => {});
  server.on("session", (session) => {
    sessions.add(session);
    session.on("close", () => sessions.delete(session));
    // A client that vanishes mid-stream is routine: its streams fail and nobody is left to tell.
    session.on("error", () => {});
  });
  server.on("sessionError", () => {});

  function authOf(headers: IncomingHttpHeaders): HealthReport["auth"] {
    if (tokenDigest === undefined) return "none";
    const header = headers.authorization;
    if (typeof header !== "string" || !header.startsWith("Bearer ")) return "missing";
    // Compared as fixed-length digests in constant time, so timing reveals nothing of the token.
    return timingSafeEqual(digest(header.slice("Bearer ".length)), tokenDigest) ? "ok" : "bad";
  }

  function health(auth: HealthReport["auth"] = "none"): HealthReport {
    return {
      status: draining ? "draining" : "ok",
      inFlight: limiter.inFlight,
      waiting: limiter.waiting,
      maxInFlight: limiter.max,
      peakInFlight: limiter.peak,
      sessions: sessions.size,
      subscribers: hub.subscriberCount,
      calls: ctx.stats.calls,
      errors: ctx.stats.errors,
      mergedLeases: ctx.leases?.merged ?? 0,
      methods: ctx.stats.report(),
      uptimeMs: Date.now() - startedAt,
      stores: storeNames.filter((name) => hosted[name] !== undefined),
      auth,
    };
  }

  function refuseDraining(stream: ServerHttp2Stream): void {
    respondError(stream, { code: "STORE_UNAVAILABLE", message: "the coordinator is draining" }, 503, { [refusedHeader]: "draining" });
  }

  server.on("stream", (stream, headers) => {
    // A reset from the client (it gave up, or its session died) is not ours to report.
    stream.on("error", () => {});
    // Whatever a request makes throw (a stream that closed under `respond`, a bug) ends as a 500
    // on that stream: a throw escaping this listener would stop the coordinator and every engine's state.
    try {
      onStream(stream, headers);
    } catch (e) {
      respondError(stream, toWireError(e));
    }
  });

  function onStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): void {
    const method = headers[":method"];
    const path = (headers[":path"] ?? "").split("?")[0] ?? "";
    const auth = authOf(headers);
    if (path === healthPath && method === "GET") {
      // Draining answers 503 (and the refused header) so load balancers and clients move on.
      const refused: Record<string, string> = draining ? { [refusedHeader]: "draining" } : {};
      respond(stream, draining ? 503 : 200, health(auth), { "cache-control": "no-store", ...refused });
      return;
    }
    if (auth === "missing" || auth === "bad") {
      const message = auth === "missing" ? "this coordinator needs a token: authorization: Bearer <token>" : "wrong token";
      respondError(stream, { code: "UNAUTHORIZED", message }, 401, { "www-authenticate": "Bearer" });
      return;
    }
    const clientHeader = headers[clientIdHeader];
    // A caller that names no client (curl) is a client of its own: its wakeups reach everyone else.
    const clientId = typeof clientHeader === "string" && clientHeader !== "" ? clientHeader : `anonymous:${randomUUID()}`;
    if (path === subscribePath && method === "GET") {
      if (draining) refuseDraining(stream);
      else hub.add(stream, clientId);
      return;
    }
    if (path.startsWith(callPathPrefix) && method === "POST") {
      if (draining) {
        refuseDraining(stream);
        return;
      }
      active += 1;
      handleCall(ctx, stream, path.slice(callPathPrefix.length), clientId)
        .catch((e: unknown) => respondError(stream, toWireError(e)))
        .finally(() => {
          active -= 1;
          if (active === 0) for (const waiter of quietWaiters.splice(0)) waiter();
        });
      return;
    }
    respondError(stream, { code: "INVALID_INPUT", message: `no such endpoint: ${method ?? "?"} ${path}` }, 404);
  }

  try {
    await new Promise<void>((resolve, reject) => {
      server.once("error", reject);
      server.listen(opts.listen.port, opts.listen.host, () => {
        server.off("error", reject);
        resolve();
      });
    });
  } catch (e) {
    // Port taken, bad host: leave the backing queue as it was found.
    hub.close();
    throw e;
  }
  const { port } = server.address() as AddressInfo;
  const url = `${tls === undefined ? remoteScheme : remoteTlsScheme}${formatEndpoint(opts.listen.host, port)}`;

  let closed: Promise<void> | undefined;
  /** Stop listening (once) and resolve when every session is gone. */
  function closeServer(): Promise<void> {
    closed ??= new Promise<void>((resolve) => server.close(() => resolve()));
    return closed;
  }

  /** Resolves when no call handler is running and no backend operation is in flight. */
  async function quiet(): Promise<void> {
    if (active > 0) await new Promise<void>((resolve) => quietWaiters.push(resolve));
    await limiter.idle();
  }

  let draining$: Promise<void> | undefined;
  let closing$: Promise<void> | undefined;

  function close(): Promise<void> {
    closing$ ??= (async () => {
      draining = true;
      hub.close();
      const done = closeServer();
      for (const session of sessions) session.destroy();
      await done;
    })();
    return closing$;
  }

  function drain(drainOpts: { timeoutMs?: number } = {}): Promise<void> {
    draining$ ??= (async () => {
      draining = true;
      const done = closeServer();
      hub.close();
      // GOAWAY: the client opens no new streams here; the ones in flight run to their answer.
      for (const session of sessions) session.close();
      let timer: NodeJS.Timeout | undefined;
      const timedOut = new Promise<"timeout">((resolve) => {
        timer = setTimeout(() => resolve("timeout"), drainOpts.timeoutMs ?? 30_000);
      });
      const finished = await Promise.race([Promise.all([done, quiet()]).then(() => "done" as const), timedOut]);
      clearTimeout(timer);
      if (finished === "timeout") await close();
    })();
    return draining$;
  }

  return { url, health: () => health(), drain, close };
}

function digest(token: string): Buffer {
  return createHash("sha256").update(token).digest();
}
