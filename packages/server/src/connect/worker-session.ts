import { ulid } from "@weft/core";
import { codecs, ConnectProtocolError, decodeFrame, encodeFrame, MessageKind, type WorkerConnectRequest } from "@weft/connect-protocol";
import type { DriverRequest, DriverResponse, Logger } from "@weft/engine";
import type { WebSocket } from "ws";
import { InFlightCalls, lostCall, type InFlightTimings } from "./in-flight-calls.js";
import { driverResponseOf } from "./sdk-reply.js";
import type { SessionTokens } from "./session-token.js";

export interface SessionTimings extends InFlightTimings {
  /** Told to the worker: how often it sends WORKER_HEARTBEAT. A socket silent for 3× this is closed. */
  heartbeatMs: number;
  /** Told to the worker: how often it extends the lease of each request it runs. */
  extendLeaseMs: number;
  /** From the socket's opening to WORKER_CONNECT. */
  handshakeMs: number;
}

export interface SessionHooks {
  tokens: SessionTokens;
  now(): number;
  log: Logger;
  timings: SessionTimings;
  /** Sync the worker's apps into the registry; throws with the reason on a bad config. */
  sync(request: WorkerConnectRequest): Promise<void>;
  /** Readiness or status changed (ready, draining, a heartbeat): presence is written, capacity recounted. */
  changed(session: WorkerSession): void;
  closed(session: WorkerSession): void;
  /** The in-flight calls holding a request, on whichever socket of this process it was sent: replies may come back on a newer one. */
  locate(requestId: string): InFlightCalls | undefined;
}

/** Close codes (4000–4999 are the application's): the reason says more. */
export const closeCodes = { malformed: 4002, unauthorized: 4001, syncFailed: 4003, silent: 4004, handshake: 4005, serverClosing: 1001 } as const;

type State = "handshake" | "syncing" | "connecting" | "ready" | "draining" | "closed";

const kindName = (kind: number) => Object.entries(MessageKind).find(([, k]) => k === kind)?.[0] ?? `kind ${kind}`;

/**
 * One `connect()` worker's WebSocket, server side: the handshake (GATEWAY_HELLO → WORKER_CONNECT
 * with a session token and the apps' function configs → sync → GATEWAY_CONNECTION_READY →
 * WORKER_READY), then calls (GATEWAY_EXECUTOR_REQUEST → WORKER_REQUEST_ACK → lease extensions →
 * WORKER_REPLY → WORKER_REPLY_ACK), heartbeats both ways, WORKER_PAUSE (it drains) and
 * GATEWAY_CLOSING (we drain). A frame that is not the protocol closes the socket with a reason;
 * nothing a worker sends can throw out of here.
 */
export class WorkerSession {
  state: State = "handshake";
  /** Its WORKER_CONNECT, once received and verified. */
  info: WorkerConnectRequest | undefined;
  readonly calls: InFlightCalls;
  readonly connectedAt: number;
  lastHeartbeatAt: number;
  private lastMessageAt: number;
  private readonly handshakeTimer: NodeJS.Timeout;
  private readonly silenceTimer: NodeJS.Timeout;

  constructor(
    private readonly ws: WebSocket,
    private readonly hooks: SessionHooks,
    readonly remote: string,
  ) {
    this.connectedAt = hooks.now();
    this.lastHeartbeatAt = this.connectedAt;
    this.lastMessageAt = this.connectedAt;
    this.calls = new InFlightCalls(hooks.timings, remote);
    ws.on("error", () => {});
    ws.on("message", (data, isBinary) => {
      try {
        this.receive(data as Buffer | Buffer[] | ArrayBuffer, isBinary);
      } catch (e) {
        const reason = e instanceof ConnectProtocolError ? e.message : `bad message: ${(e as Error).message}`;
        this.close(closeCodes.malformed, reason);
      }
    });
    ws.on("close", (code, reason) => this.onClosed(`${code}${reason.length ? ` ${reason.toString()}` : ""}`));
    this.handshakeTimer = setTimeout(() => this.close(closeCodes.handshake, "no WORKER_CONNECT in time"), hooks.timings.handshakeMs);
    this.silenceTimer = setInterval(() => {
      if (this.hooks.now() - this.lastMessageAt > 3 * hooks.timings.heartbeatMs) this.close(closeCodes.silent, "no heartbeat in time");
    }, hooks.timings.heartbeatMs);
    this.send(MessageKind.GatewayHello);
  }

  get label(): string {
    return this.info ? `${this.info.instanceId || this.remote} (${this.info.connectionId})` : this.remote;
  }

  get apps(): string[] {
    return this.info?.apps.map((a) => a.appName) ?? [];
  }

  /** Requests it takes at once; Infinity when it set no `maxWorkerConcurrency`. */
  get capacity(): number {
    return this.info?.maxWorkerConcurrency ?? Number.POSITIVE_INFINITY;
  }

  hasRoom(): boolean {
    return this.state === "ready" && this.calls.size < this.capacity;
  }

  /** Send one call (the executor's request) and wait for its reply, or for its loss. */
  call(req: DriverRequest): Promise<DriverResponse> {
    const requestId = ulid();
    const { leaseId, outcome } = this.calls.start(requestId);
    const payload = codecs.executorRequest.encode({
      requestId,
      accountId: "",
      envId: "",
      appId: req.fn.appId,
      // The SDK finds the app's handler by this name (its app id).
      appName: req.fn.appId,
      functionId: req.fn.id,
      // The SDK looks the function up by its composite id, as `fnId` on HTTP.
      functionSlug: req.fn.id,
      stepId: req.stepId,
      requestPayload: Buffer.from(req.body),
      systemTraceCtx: new Uint8Array(0),
      userTraceCtx: new Uint8Array(0),
      runId: req.runId,
      leaseId,
      jobId: "",
    });
    this.send(MessageKind.GatewayExecutorRequest, payload, (err) =>
      this.calls.settle(requestId, lostCall(`sending to worker ${this.label} failed: ${err.message}`)),
    );
    return outcome;
  }

  /** We are shutting down: tell the worker to connect elsewhere (GATEWAY_CLOSING), then close. */
  drain(): void {
    this.send(MessageKind.GatewayClosing);
    this.close(closeCodes.serverClosing, "server shutting down");
  }

  close(code: number, reason: string): void {
    if (this.state === "closed") return;
    // A close reason is at most 123 bytes.
    this.ws.close(code, Buffer.from(reason).subarray(0, 120).toString());
    this.onClosed(`${code} ${reason}`);
  }

  private onClosed(why: string): void {
    if (this.state === "closed") return;
    this.state = "closed";
    clearTimeout(this.handshakeTimer);
    clearInterval(this.silenceTimer);
    this.calls.failAll(why);
    // A socket closed without a close handshake (a killed worker) is released at once.
    if (this.ws.readyState !== this.ws.CLOSED) setTimeout(() => this.ws.terminate(), 1000).unref();
    this.hooks.closed(this);
  }

  private send(kind: (typeof MessageKind)[keyof typeof MessageKind], payload?: Uint8Array, failed?: (err: Error) => void): void {
    if (this.ws.readyState !== this.ws.OPEN) {
      failed?.(new Error("the socket is closed"));
      return;
    }
    this.ws.send(encodeFrame(kind, payload), (err) => {
      if (err) failed?.(err);
    });
  }

  private receive(data: Buffer | Buffer[] | ArrayBuffer, isBinary: boolean): void {
    if (this.state === "closed") return;
    if (!isBinary) throw new ConnectProtocolError("text frame: Connect messages are binary protobuf");
    const bytes = Array.isArray(data) ? Buffer.concat(data) : Buffer.isBuffer(data) ? data : Buffer.from(data);
    const message = decodeFrame(bytes);
    this.lastMessageAt = this.hooks.now();
    switch (this.state) {
      case "handshake":
        if (message.kind !== MessageKind.WorkerConnect) throw new ConnectProtocolError(`expected WORKER_CONNECT, got ${kindName(message.kind)}`);
        this.connect(codecs.workerConnect.decode(message.payload));
        return;
      case "syncing":
        throw new ConnectProtocolError(`${kindName(message.kind)} before GATEWAY_CONNECTION_READY`);
      default:
        this.dispatch(message.kind, message.payload);
    }
  }

  private connect(info: WorkerConnectRequest): void {
    clearTimeout(this.handshakeTimer);
    const token = info.authData?.sessionToken ?? "";
    if (!this.hooks.tokens.verify(token, info.connectionId, this.hooks.now())) {
      this.hooks.log.warn("refused a Connect worker: its session token is missing, expired or not ours", { from: this.remote });
      this.close(closeCodes.unauthorized, "unauthorized: the session token is missing, expired or not for this connection");
      return;
    }
    if (info.apps.length === 0) throw new ConnectProtocolError("WORKER_CONNECT names no app");
    this.info = info;
    this.state = "syncing";
    this.hooks.sync(info).then(
      () => {
        if (this.state !== "syncing") return;
        const ms = (n: number) => `${Math.round(n)}ms`;
        this.send(
          MessageKind.GatewayConnectionReady,
          codecs.connectionReady.encode({
            heartbeatInterval: ms(this.hooks.timings.heartbeatMs),
            extendLeaseInterval: ms(this.hooks.timings.extendLeaseMs),
            statusInterval: "",
          }),
        );
        // An SDK that does not acknowledge readiness itself takes work from now.
        this.state = info.workerManualReadinessAck ? "connecting" : "ready";
        this.hooks.changed(this);
      },
      (e: unknown) => {
        const reason = `sync failed: ${(e as Error).message}`;
        this.hooks.log.warn(`Connect worker ${this.label}: ${reason}`);
        this.send(MessageKind.SyncFailed);
        this.close(closeCodes.syncFailed, reason);
      },
    );
  }

  private dispatch(kind: number, payload: Uint8Array): void {
    switch (kind) {
      case MessageKind.WorkerReady:
        if (this.state === "connecting") this.state = "ready";
        this.hooks.changed(this);
        return;
      case MessageKind.WorkerHeartbeat:
        this.lastHeartbeatAt = this.hooks.now();
        this.send(MessageKind.GatewayHeartbeat);
        this.hooks.changed(this);
        return;
      case MessageKind.WorkerPause:
        this.state = "draining";
        this.hooks.changed(this);
        return;
      case MessageKind.WorkerRequestAck: {
        const ack = codecs.requestAck.decode(payload);
        this.hooks.locate(ack.requestId)?.acknowledge(ack.requestId);
        return;
      }
      case MessageKind.WorkerRequestExtendLease: {
        const ext = codecs.extendLease.decode(payload);
        const newLeaseId = this.hooks.locate(ext.requestId)?.extend(ext.requestId);
        this.send(
          MessageKind.WorkerRequestExtendLeaseAck,
          codecs.extendLeaseAck.encode({ requestId: ext.requestId, accountId: "", envId: "", appId: ext.appId, functionSlug: ext.functionSlug, newLeaseId }),
        );
        return;
      }
      case MessageKind.WorkerReply: {
        const reply = codecs.sdkResponse.decode(payload);
        this.hooks.locate(reply.requestId)?.settle(reply.requestId, driverResponseOf(reply));
        // Acknowledged even when the request was given up: the worker must not buffer it for a flush.
        this.send(MessageKind.WorkerReplyAck, codecs.replyAck.encode({ requestId: reply.requestId }));
        return;
      }
      case MessageKind.WorkerStatus:
        codecs.workerStatus.decode(payload);
        return;
      default:
        throw new ConnectProtocolError(`unexpected ${kindName(kind)} from a worker`);
    }
  }
}
