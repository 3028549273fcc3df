/**
 * `connect()`: serve functions over an outbound WebSocket instead of an HTTP endpoint (protocol
 * §17), in the shape of the official SDK's `inngest/connect`. A reconcile loop keeps one socket
 * open: a start request, the handshake, WORKER_READY; a dropped socket or GATEWAY_CLOSING starts
 * again (backoff 1, 2, 5, 10… s; 0.5–1.5 s while a server shuts down). `close()` (and SIGINT /
 * SIGTERM, unless opted out) sends WORKER_PAUSE, lets the requests in flight finish, then closes.
 */
import { cpus, hostname, platform, totalmem } from "node:os";
import { codecs, MessageKind } from "@weft/connect-protocol";
import type { ClientConfig } from "../config.js";
import { sdkVersion } from "../constants.js";
import type { Logger } from "../types.js";
import { AppHandlers, type ConnectApp, connectFramework } from "./app-handlers.js";
import { GatewaySocket, type GatewaySocketHooks, type WorkerIdentity } from "./gateway-socket.js";
import { InFlightRequests } from "./in-flight-requests.js";
import { ReconnectError, requestStart, retryDelayMs } from "./start-request.js";

export type { ConnectApp } from "./app-handlers.js";

/** Where a worker connection stands; the official SDK's names. */
export const ConnectionState = {
  Connecting: "CONNECTING",
  Active: "ACTIVE",
  Reconnecting: "RECONNECTING",
  Closing: "CLOSING",
  Closed: "CLOSED",
} as const;
export type ConnectionState = (typeof ConnectionState)[keyof typeof ConnectionState];

export interface ConnectOptions {
  /** The apps this worker serves; they share the first client's server (base URL) and key. */
  apps: readonly ConnectApp[];
  /** Requests the server sends this worker at once. Default: no limit. */
  maxWorkerConcurrency?: number;
  /** Overrides the first client's signing key for the start request (sent hashed, as every SDK call). */
  signingKey?: string;
  /** How this worker is listed (`GET /v1/apps`). Default: the host name. */
  instanceId?: string;
  /** Signals that close the connection gracefully. Default `["SIGINT", "SIGTERM"]`; `[]` opts out. */
  handleShutdownSignals?: readonly NodeJS.Signals[];
  /** Open the socket here instead of where the start answer says (a proxy in between). */
  gatewayUrl?: string;
}

/** The handle `connect()` resolves to, once the first connection is ready. */
export interface WorkerConnection {
  readonly state: ConnectionState;
  /** The id of the connection in use now (it changes on every reconnect). */
  readonly connectionId: string | undefined;
  /** Resolves once the connection is closed for good (after `close()` or a shutdown signal). */
  readonly closed: Promise<void>;
  /** Stop taking work (WORKER_PAUSE), let the requests in flight finish, then close. */
  close(): Promise<void>;
}

const defaultSignals: readonly NodeJS.Signals[] = ["SIGINT", "SIGTERM"];

/**
 * Connect to the server and serve `apps` over the socket. Resolves once the first connection is
 * ready; from then on it reconnects by itself until closed.
 */
export async function connect(options: ConnectOptions): Promise<WorkerConnection> {
  const worker = new ConnectWorker(options);
  await worker.start();
  return worker;
}

class ConnectWorker implements WorkerConnection {
  private currentState: ConnectionState = ConnectionState.Connecting;
  private active: GatewaySocket | undefined;
  /** The socket that said GATEWAY_CLOSING, kept until its replacement is ready. */
  private draining: GatewaySocket | undefined;
  private shutdown = false;
  private readonly excludeGateways = new Set<string>();
  private readonly config: ClientConfig;
  private readonly logger: Logger;
  private readonly handlers: AppHandlers;
  private readonly requests: InFlightRequests;
  private readonly identity: Omit<WorkerIdentity, "startedAt">;
  private readonly signals: readonly NodeJS.Signals[];
  private readonly onSignal = () => void this.close();
  private wakePending = false;
  private wakeUp: (() => void) | undefined;
  private closePromise: Promise<void> | undefined;
  private markClosed: () => void = () => {};
  readonly closed: Promise<void>;

  constructor(private readonly options: ConnectOptions) {
    const first = options.apps[0];
    if (!first) throw new Error("Weft connect(): no apps given");
    for (const app of options.apps) {
      if (app.client.config.baseUrl !== first.client.config.baseUrl) {
        throw new Error(
          `Weft connect(): every app must use one server; ${app.client.id} uses ${app.client.config.baseUrl}, ${first.client.id} ${first.client.config.baseUrl}`,
        );
      }
    }
    const max = options.maxWorkerConcurrency;
    if (max !== undefined && !(Number.isInteger(max) && max > 0))
      throw new Error(`Weft connect(): maxWorkerConcurrency must be a positive integer, not ${max}`);
    this.config = { ...first.client.config, signingKey: options.signingKey ?? first.client.config.signingKey };
    this.logger = first.client.config.logger;
    this.handlers = new AppHandlers(options.apps);
    this.requests = new InFlightRequests({
      run: (request) => this.handlers.run(request),
      current: () => (this.active?.open ? this.active : undefined),
      logger: this.logger,
    });
    this.identity = {
      instanceId: options.instanceId || hostname(),
      capabilities: new TextEncoder().encode(JSON.stringify({ connect: "v1" })),
      apps: this.handlers.configurations(),
      workerManualReadinessAck: true,
      systemAttributes: { cpuCores: cpus().length, memBytes: totalmem(), os: platform() },
      framework: connectFramework,
      sdkVersion: `v${sdkVersion}`,
      sdkLanguage: "typescript",
      maxWorkerConcurrency: max,
    };
    this.signals = options.handleShutdownSignals ?? defaultSignals;
    this.closed = new Promise((resolve) => {
      this.markClosed = resolve;
    });
  }

  get state(): ConnectionState {
    return this.currentState;
  }

  get connectionId(): string | undefined {
    return this.active?.connectionId;
  }

  /** Start the loop; resolves once the first connection is ready (or the worker was closed first). */
  start(): Promise<void> {
    for (const signal of this.signals) process.on(signal, this.onSignal);
    return new Promise((resolve, reject) => {
      this.loop(resolve).then(resolve, reject);
    });
  }

  close(): Promise<void> {
    this.closePromise ??= this.closeOnce();
    return this.closePromise;
  }

  private async closeOnce(): Promise<void> {
    for (const signal of this.signals) process.off(signal, this.onSignal);
    this.shutdown = true;
    this.currentState = ConnectionState.Closing;
    // The server sends nothing more to a paused worker; the requests it has finish.
    this.active?.send(MessageKind.WorkerPause);
    this.wake();
    await this.closed;
  }

  private setState(state: ConnectionState): void {
    if (this.currentState === ConnectionState.Closing || this.currentState === ConnectionState.Closed) return;
    this.currentState = state;
  }

  private async loop(firstReady: () => void): Promise<void> {
    let attempt = 0;
    let connectedBefore = false;
    try {
      for (;;) {
        if (this.shutdown && this.requests.size === 0) break;
        if (!this.active) {
          this.setState(connectedBefore ? ConnectionState.Reconnecting : ConnectionState.Connecting);
          try {
            const socket = await this.establish();
            this.draining?.close(1000, "replaced");
            this.draining = undefined;
            this.active = socket;
            attempt = 0;
            connectedBefore = true;
            this.setState(ConnectionState.Active);
            // Shutting down already: connected only to deliver the replies still running.
            socket.send(this.shutdown ? MessageKind.WorkerPause : MessageKind.WorkerReady);
            firstReady();
          } catch (err) {
            if (!(err instanceof ReconnectError)) throw err;
            attempt++;
            const delay = retryDelayMs(attempt, err);
            this.logger.info(`Weft connect(): ${err.message}; trying again in ${Math.round(delay)} ms`);
            await this.pause(delay);
            continue;
          }
        }
        await this.nextWake();
      }
    } finally {
      this.active?.close(1000, "worker closed");
      this.active = undefined;
      this.draining?.close(1000, "worker closed");
      this.draining = undefined;
      this.currentState = ConnectionState.Closed;
      this.markClosed();
    }
  }

  private async establish(): Promise<GatewaySocket> {
    const start = await requestStart(this.config, [...this.excludeGateways]);
    const endpoint = this.options.gatewayUrl ?? start.gatewayEndpoint;
    try {
      const socket = await GatewaySocket.open(start, endpoint, { ...this.identity, startedAt: Date.now() }, this.socketHooks);
      this.excludeGateways.delete(start.gatewayGroup);
      return socket;
    } catch (err) {
      this.excludeGateways.add(start.gatewayGroup);
      throw err;
    }
  }

  private readonly socketHooks: GatewaySocketHooks = {
    message: (socket, kind, payload) => {
      switch (kind) {
        case MessageKind.GatewayExecutorRequest: {
          const request = codecs.executorRequest.decode(payload);
          // Not acknowledged: the server gives it to another worker once its ack times out.
          if (this.shutdown || this.currentState !== ConnectionState.Active) return;
          if (!this.handlers.has(request.appName)) {
            this.logger.warn(`Weft connect(): a request for app "${request.appName}", which this worker does not serve, was left unanswered`);
            return;
          }
          void this.requests.handle(request, socket).then(() => {
            if (this.shutdown) this.wake();
          });
          return;
        }
        case MessageKind.WorkerRequestExtendLeaseAck:
          this.requests.leaseAcknowledged(payload);
          return;
        default:
          // WORKER_REPLY_ACK and anything newer: nothing to do (replies are not buffered for a flush).
          return;
      }
    },
    closing: (socket) => {
      if (socket !== this.active) return;
      this.logger.info(`Weft connect(): the server is shutting down connection ${socket.connectionId}; connecting again`);
      this.draining = socket;
      this.active = undefined;
      this.wake();
    },
    lost: (socket, why) => {
      if (socket === this.draining) this.draining = undefined;
      if (socket !== this.active) return;
      if (!this.shutdown) this.logger.info(`Weft connect(): connection ${socket.connectionId} lost (${why}); connecting again`);
      this.excludeGateways.add(socket.gatewayGroup);
      this.active = undefined;
      this.wake();
    },
  };

  private wake(): void {
    this.wakePending = true;
    this.wakeUp?.();
  }

  private async nextWake(): Promise<void> {
    if (!this.wakePending) await new Promise<void>((resolve) => (this.wakeUp = resolve));
    this.wakePending = false;
    this.wakeUp = undefined;
  }

  /** Wait `ms` before the next attempt, unless closing with nothing left in flight. */
  private async pause(ms: number): Promise<void> {
    const until = Date.now() + ms;
    while (Date.now() < until && !(this.shutdown && this.requests.size === 0)) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([new Promise<void>((resolve) => (timer = setTimeout(resolve, until - Date.now()))), this.nextWake()]);
      clearTimeout(timer);
    }
  }
}
