import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { ulid } from "@weft/core";
import { connectGatewayPath, connectSubprotocol, type StartResponse } from "@weft/connect-protocol";
import type { Engine, Logger } from "@weft/engine";
import type { RegistryStore } from "@weft/store";
import { WebSocketServer, type WebSocket } from "ws";
import { refuseUpgrade } from "../upgrade-router.js";
import { syncConnectApps } from "./connect-sync.js";
import { Presence } from "./presence.js";
import { SessionTokens } from "./session-token.js";
import type { WorkerPool } from "./worker-pool.js";
import { WorkerSession, type SessionTimings } from "./worker-session.js";

export interface ConnectGatewayOptions {
  engine: Engine;
  /** The pool the engine's driver and call gate read (made first: the engine needs it). */
  pool: WorkerPool;
  registry: RegistryStore;
  /** Production: the start request must carry the SDK's bearer, and tokens are signed with it. */
  signingKey?: string;
  log: Logger;
  /** Largest frame a worker may send (a reply carries a step's output). */
  maxMessageBytes: number;
  callTimeoutMs: number;
  timings?: Partial<SessionTimings>;
  now?: () => number;
}

const defaultTimings: Omit<SessionTimings, "callTimeoutMs"> = {
  heartbeatMs: 10_000,
  extendLeaseMs: 5_000,
  // Four missed extensions: the worker died or hangs.
  leaseMs: 20_000,
  ackMs: 10_000,
  handshakeMs: 10_000,
};

/**
 * The Connect gateway of this server process: answers start requests with a gateway URL and a
 * session token, accepts the workers' WebSockets (subprotocol `v0.connect.inngest.com`), and
 * keeps their sessions, the pool the driver calls through, and their presence in the store.
 */
export class ConnectGateway {
  /** This process, as the gateway group in start answers and `gatewayId` in presence. */
  readonly gatewayId = ulid();
  readonly pool: WorkerPool;
  private readonly tokens: SessionTokens;
  private readonly presence: Presence;
  private readonly sessions = new Set<WorkerSession>();
  private readonly wss: WebSocketServer;
  private readonly timings: SessionTimings;
  private readonly now: () => number;
  private draining = false;

  constructor(private readonly opts: ConnectGatewayOptions) {
    this.now = opts.now ?? Date.now;
    this.pool = opts.pool;
    this.tokens = new SessionTokens(opts.signingKey);
    this.timings = { ...defaultTimings, callTimeoutMs: opts.callTimeoutMs, ...opts.timings };
    this.presence = new Presence(opts.registry, this.pool, {
      gatewayId: this.gatewayId,
      ttlMs: 3 * this.timings.heartbeatMs,
      appsRefreshMs: 1000,
      now: this.now,
      log: opts.log,
    });
    this.wss = new WebSocketServer({
      noServer: true,
      maxPayload: opts.maxMessageBytes,
      // Already checked in `upgrade`: the worker asked for our subprotocol.
      handleProtocols: () => connectSubprotocol,
    });
  }

  start(): void {
    this.presence.start();
  }

  /** Whether start requests are refused: the server is shutting down. */
  get closing(): boolean {
    return this.draining;
  }

  /** What a start request is answered (protocol: `StartResponse`), for a worker that reached us as `host` (over TLS: `secure`). */
  startAnswer(host: string, secure = false): StartResponse {
    const connectionId = ulid();
    return {
      connectionId,
      gatewayEndpoint: `${secure ? "wss" : "ws"}://${host}${connectGatewayPath}`,
      gatewayGroup: this.gatewayId,
      sessionToken: this.tokens.issue(connectionId, this.now()),
      syncToken: "",
    };
  }

  /** The upgrade handler of `connectGatewayPath` (the browser guard has passed it already). */
  upgrade = async (req: IncomingMessage, socket: Duplex, head: Buffer): Promise<void> => {
    if (this.draining) return refuseUpgrade(socket, 503, "connect_gateway_closing: this server is shutting down");
    // A page in a browser may open a WebSocket to any address; workers are not pages.
    if (req.headers.origin !== undefined) return refuseUpgrade(socket, 403, "a browser page may not connect as a Connect worker");
    const asked = String(req.headers["sec-websocket-protocol"] ?? "")
      .split(",")
      .map((p) => p.trim());
    if (!asked.includes(connectSubprotocol)) return refuseUpgrade(socket, 400, `a Connect worker must ask for the WebSocket subprotocol ${connectSubprotocol}`);
    this.wss.handleUpgrade(req, socket, head, (ws) => this.accept(ws, req));
  };

  private accept(ws: WebSocket, req: IncomingMessage): void {
    const { engine, registry, log } = this.opts;
    const session = new WorkerSession(
      ws,
      {
        tokens: this.tokens,
        now: this.now,
        log,
        timings: this.timings,
        sync: async (info) => {
          for (const app of await syncConnectApps(engine, registry, info, this.now())) this.pool.markConnectOnly(app);
        },
        changed: (s) => {
          if (s.state === "ready" || s.state === "draining") this.pool.add(s);
          this.pool.changed();
          void this.presence.write(s);
        },
        closed: (s) => {
          this.sessions.delete(s);
          this.pool.remove(s);
          void this.presence.remove(s);
          if (s.info) log.info("Connect worker disconnected", { worker: s.label, apps: s.apps });
        },
        locate: (requestId) => this.pool.locate(requestId),
      },
      `${req.socket.remoteAddress}:${req.socket.remotePort}`,
    );
    this.sessions.add(session);
  }

  /** Shutting down: refuse new start requests and sockets; the sockets open stay for the calls in flight. */
  beginDrain(): void {
    this.draining = true;
  }

  /** Tell every worker to reconnect elsewhere (GATEWAY_CLOSING) and close the sockets. */
  async close(): Promise<void> {
    this.draining = true;
    this.presence.stop();
    await Promise.all(
      [...this.sessions].map((s) => {
        s.drain();
        return this.presence.remove(s);
      }),
    );
    await new Promise<void>((resolve) => this.wss.close(() => resolve()));
  }
}
