import { randomUUID } from "node:crypto";
import http2 from "node:http2";
import type { ClientHttp2Session, ClientHttp2Stream, OutgoingHttpHeaders } from "node:http2";
import { describeTlsProblem, StoreUnavailableError } from "@weft/core";
import { clientTlsSettings } from "./remote-tls.js";
import type { ClientTlsSettings, RemoteTlsOptions } from "./remote-tls.js";
import type { RemoteEndpoint, RemoteTarget } from "./remote-url.js";
import { Deadlines, LostInFlight, NotSent, exchangeOnStream, reasonOf } from "./stream-exchange.js";
import type { Answer } from "./stream-exchange.js";
import { callPath, clientIdHeader, healthPath, refusedHeader, repeatableMethods } from "./wire.js";
import type { CallReply, HealthReport, StoreName } from "./wire.js";
import { asWireError, fromWireError } from "./wire-errors.js";

export interface RemoteConnectionOptions {
  /** The coordinator's `--token`; overrides one given in the URL. */
  token?: string;
  /** How long to wait for a coordinator to accept a connection. Default 2 s. */
  connectTimeoutMs?: number;
  /** How long one call may wait for its answer before it is given up as lost. Default 30 s. */
  callTimeoutMs?: number;
  /**
   * How long a call keeps trying to reach a coordinator (the next in the URL, or the same one
   * restarting) before it fails with `StoreUnavailableError`. Default 5 s.
   */
  retryWindowMs?: number;
  /** For `weft+tls://`: PEM contents that override the URL's `ca`, `cert` and `key` files. */
  tls?: RemoteTlsOptions;
}

interface Live {
  session: ClientHttp2Session;
  ready: Promise<ClientHttp2Session>;
  streams: number;
  /** Whether any call on this session got an answer. */
  answered?: boolean;
}

interface Endpoint extends RemoteEndpoint {
  live: Live | undefined;
  failures: number;
  downUntil: number;
  /** The last error a session to it reported: a TLS alert can arrive after the handshake looked done. */
  lastSessionError?: unknown;
}

interface Request {
  method: "GET" | "POST";
  path: string;
  body?: string;
  /** For messages: `state.saveStep`, `health`. */
  what: string;
  /** Whether a call lost in flight may be sent again (see `repeatableMethods`). */
  repeatable: boolean;
  /** Try each endpoint once, with no waiting (init's health check). */
  once?: boolean;
}

/**
 * Stream ids are 31-bit and odd on the client side, so a session runs out after ~2^30 requests;
 * a session past this count is retired (closed gracefully) and the next call opens a fresh one.
 */
const maxStreamsPerSession = 1 << 29;
const backoffBaseMs = 50;
const backoffMaxMs = 1_000;

/**
 * The client side of the wire: one HTTP/2 session per coordinator, shared by every call (each call
 * is one stream, so they multiplex). Calls go to one coordinator at a time, chosen at random at
 * first so clients spread over several; when it cannot be reached they move to the next, with a
 * growing backoff per coordinator, for up to `retryWindowMs`. A call is only sent again when it
 * cannot have run (connection refused, stream refused, coordinator draining), or when it is a
 * read or same-answer write (`repeatableMethods`); otherwise a connection lost mid-call surfaces
 * as `StoreUnavailableError`, never a hang.
 */
export class RemoteConnection {
  readonly clientId = randomUUID();
  readonly display: string;
  /** Told every queue wakeup a call of this client caused (set by the remote queue). */
  onWakeup: ((availableAt: number) => void) | undefined;
  private readonly endpoints: Endpoint[];
  private readonly token: string | undefined;
  private readonly tls: ClientTlsSettings | undefined;
  private readonly connectTimeoutMs: number;
  private readonly deadlines: Deadlines;
  private readonly retryWindowMs: number;
  private preferred: number;
  private closed = false;
  private readying: Promise<HealthReport> | undefined;

  constructor(target: RemoteTarget, opts: RemoteConnectionOptions = {}) {
    this.display = target.display;
    this.endpoints = target.endpoints.map((e) => ({ ...e, live: undefined, failures: 0, downUntil: 0 }));
    this.preferred = Math.floor(Math.random() * this.endpoints.length);
    this.token = opts.token ?? target.token;
    this.tls = clientTlsSettings(target, opts.tls);
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 2_000;
    this.deadlines = new Deadlines(opts.callTimeoutMs ?? 30_000);
    this.retryWindowMs = opts.retryWindowMs ?? 5_000;
  }

  get isClosed(): boolean {
    return this.closed;
  }

  /** Close every session (calls in flight fail as unavailable); a second call is a no-op. */
  close(): void {
    if (this.closed) return;
    this.closed = true;
    for (const endpoint of this.endpoints) {
      endpoint.live?.session.destroy();
      endpoint.live = undefined;
    }
  }

  /**
   * Check once that a coordinator answers `/health` and accepts this client's token. Memoised;
   * a failure is not, so the next `init()` tries again.
   */
  ready(): Promise<HealthReport> {
    this.readying ??= this.checkHealth().catch((e: unknown) => {
      this.readying = undefined;
      throw e;
    });
    return this.readying;
  }

  private async checkHealth(): Promise<HealthReport> {
    const answer = await this.exchange({ method: "GET", path: healthPath, what: "health", repeatable: true, once: true });
    const report = answer.body as Partial<HealthReport> | undefined;
    if (answer.status !== 200 || report?.status !== "ok") {
      throw new StoreUnavailableError(`the coordinator at ${this.display} is not healthy: HTTP ${answer.status} ${JSON.stringify(report)}`);
    }
    if (report.auth === "missing") throw new StoreUnavailableError(`the coordinator at ${this.display} needs a token: pass its --token to the client`);
    if (report.auth === "bad") throw new StoreUnavailableError(`the coordinator at ${this.display} refused the token (wrong --token)`);
    return report as HealthReport;
  }

  /** Run `<store>.<method>(...args)` on the coordinator; rejects with the store's own error class. */
  async call(store: StoreName, method: string, args: readonly unknown[]): Promise<unknown> {
    const what = `${store}.${method}`;
    const answer = await this.exchange({
      method: "POST",
      path: callPath(store, method),
      body: JSON.stringify(args),
      what,
      repeatable: repeatableMethods.has(what),
    });
    if (answer.status === 200) {
      const reply = (answer.body ?? {}) as CallReply;
      if (reply.wakeups !== undefined) for (const at of reply.wakeups) this.onWakeup?.(at);
      return reply.result;
    }
    const wire = asWireError(answer.body, answer.status);
    if (answer.status === 401) {
      throw new StoreUnavailableError(
        `the coordinator at ${this.display} refused ${what}: ${wire.message} (HTTP 401); give the client the coordinator's --token`,
      );
    }
    throw fromWireError(wire);
  }

  /** Open a long-lived GET stream (one attempt); resolves once it answered 200. */
  async openStream(path: string): Promise<ClientHttp2Stream> {
    const endpoint = this.pick();
    const live = await this.connect(endpoint).catch((e: unknown) => {
      this.markDown(endpoint);
      throw e;
    });
    const stream = live.session.request(this.headers("GET", path), { endStream: true });
    live.streams += 1;
    stream.on("error", () => {});
    await new Promise<void>((resolve, reject) => {
      stream.once("response", (headers) => {
        if (headers[":status"] === 200) resolve();
        else {
          stream.close();
          reject(new Error(`${path} answered HTTP ${headers[":status"]}`));
        }
      });
      stream.once("close", () => reject(new Error(`${path} closed before answering`)));
    });
    return stream;
  }

  /** Send `req`, moving between coordinators and waiting out their backoff, as the class comment says. */
  private async exchange(req: Request): Promise<Answer> {
    const deadline = Date.now() + this.retryWindowMs;
    const tried = new Set<Endpoint>();
    let lastError: unknown;
    for (;;) {
      if (this.closed) throw new StoreUnavailableError(`${req.what}: the remote store ${this.display} is closed`);
      const endpoint = this.pick();
      if (req.once === true && tried.has(endpoint)) throw this.unavailable(req, "no coordinator answered", lastError, endpoint);
      tried.add(endpoint);
      const wait = endpoint.downUntil - Date.now();
      if (wait > 0 && req.once !== true) {
        if (Date.now() + wait > deadline) throw this.unavailable(req, `no coordinator answered within ${this.retryWindowMs} ms`, lastError, endpoint);
        await sleep(wait);
      }
      try {
        const live = await this.connect(endpoint).catch((e: unknown) => {
          throw new NotSent(`cannot connect to ${endpoint.label}: ${reasonOf(e)}`, { cause: e });
        });
        const answer = await this.send(live, req);
        if (answer.status === 503 && answer.headers[refusedHeader] !== undefined) {
          throw new NotSent(`${endpoint.label} is draining`);
        }
        endpoint.failures = 0;
        endpoint.downUntil = 0;
        endpoint.lastSessionError = undefined;
        this.preferred = this.endpoints.indexOf(endpoint);
        return answer;
      } catch (e) {
        if (!(e instanceof NotSent || e instanceof LostInFlight)) throw e;
        lastError = e;
        this.markDown(endpoint);
        if (e instanceof LostInFlight && !req.repeatable) {
          throw this.unavailable(req, `the connection to ${endpoint.label} was lost with the call in flight (it may or may not have run)`, e, endpoint);
        }
        if (Date.now() > deadline) throw this.unavailable(req, `no coordinator answered within ${this.retryWindowMs} ms`, e, endpoint);
      }
    }
  }

  private unavailable(req: Request, problem: string, cause: unknown, endpoint: Endpoint): StoreUnavailableError {
    const reason = cause === undefined ? "" : `: ${reasonOf(cause)}`;
    // A certificate problem is named with its fix; a TLS alert may have reached the session, not the call.
    const fixes = { ca: "?ca=FILE in the weft+tls:// URL", clientCert: "&cert=FILE&key=FILE in the weft+tls:// URL" };
    const tls =
      describeTlsProblem(cause, fixes) ??
      describeTlsProblem(endpoint.lastSessionError, fixes) ??
      (endpoint.lastSessionError instanceof ClosedAfterHandshake
        ? "TLS: the coordinator closed the connection after the handshake without answering, as one started with --tls-ca does when it refuses the client certificate (not signed by a CA it trusts)"
        : undefined);
    return new StoreUnavailableError(`${req.what} on the remote store ${this.display}: ${problem}${reason}${tls ? ` (${tls})` : ""}`, { cause });
  }

  /** The preferred coordinator if it is not backing off, else the next that is not, else the one back soonest. */
  private pick(): Endpoint {
    const now = Date.now();
    const n = this.endpoints.length;
    let soonest: Endpoint | undefined;
    for (let i = 0; i < n; i++) {
      const endpoint = this.endpoints[(this.preferred + i) % n] as Endpoint;
      if (endpoint.downUntil <= now) return endpoint;
      if (soonest === undefined || endpoint.downUntil < soonest.downUntil) soonest = endpoint;
    }
    return soonest as Endpoint;
  }

  private markDown(endpoint: Endpoint): void {
    endpoint.failures += 1;
    const backoff = Math.min(backoffMaxMs, backoffBaseMs * 2 ** (endpoint.failures - 1));
    // Jittered, so clients cut off together do not all come back in the same millisecond.
    endpoint.downUntil = Date.now() + backoff * (0.5 + Math.random() / 2);
  }

  /** The endpoint's session, connecting (once, however many calls ask) when there is none. */
  private connect(endpoint: Endpoint): Promise<Live> {
    const current = endpoint.live;
    if (current !== undefined && !current.session.closed && !current.session.destroyed) return current.ready.then(() => current);
    const session = http2.connect(endpoint.authority, { settings: { enablePush: false }, ...this.tls });
    const live: Live = { session, streams: 0, ready: Promise.resolve(session) };
    const forget = () => {
      if (endpoint.live === live) endpoint.live = undefined;
    };
    // Errors reach the calls through their streams; an unhandled 'error' would crash the process.
    session.on("error", (e) => {
      endpoint.lastSessionError = e;
    });
    session.on("close", forget);
    // Node checks a client certificate after the TLS 1.3 handshake and, refusing it, just closes the
    // connection: no alert reaches the client. A TLS session closed before any answer and without an
    // error is recorded as that, so the message can say what most likely happened.
    if (this.tls?.cert !== undefined) {
      session.once("close", () => {
        if (!live.answered && endpoint.lastSessionError === undefined) endpoint.lastSessionError = closedAfterHandshake();
      });
    }
    // The coordinator is draining: streams already open finish here; new calls open a new session.
    session.on("goaway", forget);
    live.ready = new Promise<ClientHttp2Session>((resolve, reject) => {
      const timer = setTimeout(() => {
        const e = new Error(`no connection within ${this.connectTimeoutMs} ms`);
        session.destroy(e);
        reject(e);
      }, this.connectTimeoutMs);
      session.once("connect", () => {
        clearTimeout(timer);
        resolve(session);
      });
      session.once("error", (e) => {
        clearTimeout(timer);
        reject(e);
      });
      session.once("close", () => {
        clearTimeout(timer);
        reject(new Error("connection closed"));
      });
    });
    live.ready.catch(forget);
    endpoint.live = live;
    return live.ready.then(() => live);
  }

  private headers(method: "GET" | "POST", path: string): OutgoingHttpHeaders {
    const headers: OutgoingHttpHeaders = { ":method": method, ":path": path, [clientIdHeader]: this.clientId };
    if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
    if (method === "POST") headers["content-type"] = "application/json";
    return headers;
  }

  /** One stream on `live`, retiring the session when its stream ids run low. */
  private send(live: Live, req: Request): Promise<Answer> {
    live.streams += 1;
    if (live.streams >= maxStreamsPerSession) this.retire(live);
    return exchangeOnStream(live.session, this.headers(req.method, req.path), req.body, this.deadlines).then((answer) => {
      live.answered = true;
      return answer;
    });
  }

  /** Let a session's open streams finish and send new calls over a fresh one. */
  private retire(live: Live): void {
    for (const endpoint of this.endpoints) if (endpoint.live === live) endpoint.live = undefined;
    live.session.close();
  }
}

/** A TLS session with a client certificate that the coordinator closed before answering (see `connect`). */
class ClosedAfterHandshake extends Error {}
function closedAfterHandshake(): Error {
  return new ClosedAfterHandshake("the coordinator closed the TLS connection before answering");
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}
