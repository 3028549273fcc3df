/**
 * One WebSocket to a Connect gateway (protocol §17): the handshake (GATEWAY_HELLO → WORKER_CONNECT
 * → GATEWAY_CONNECTION_READY), then heartbeats, and every later frame handed to the worker. A
 * socket that closes, errs, or misses two heartbeats in a row is lost: the worker opens another.
 */
import { parseDuration } from "@weft/core";
import {
  codecs,
  ConnectProtocolError,
  connectSubprotocol,
  decodeFrame,
  encodeFrame,
  MessageKind,
  type StartResponse,
  type WorkerConnectRequest,
} from "@weft/connect-protocol";
import WebSocket from "ws";
import { ReconnectError } from "./start-request.js";

/** What WORKER_CONNECT says besides the connection's own id and tokens. */
export type WorkerIdentity = Omit<WorkerConnectRequest, "connectionId" | "authData">;

export interface GatewaySocketHooks {
  /** A frame after the handshake that is neither a heartbeat nor GATEWAY_CLOSING. */
  message(socket: GatewaySocket, kind: number, payload: Uint8Array): void;
  /** GATEWAY_CLOSING: the server is shutting down; connect elsewhere, this socket still carries replies until it closes. */
  closing(socket: GatewaySocket): void;
  /** The socket is gone (closed, errored, silent). Called once. */
  lost(socket: GatewaySocket, why: string): void;
}

/** The handshake must finish within this, as the official SDK's (the gateway allows as long). */
const handshakeMs = 10_000;

/** Heartbeats sent without an answer before the socket counts as dead. */
const maxPendingHeartbeats = 2;

export class GatewaySocket {
  readonly connectionId: string;
  readonly gatewayGroup: string;
  /** From GATEWAY_CONNECTION_READY. */
  heartbeatMs = 10_000;
  extendLeaseMs = 5_000;
  dead = false;
  private pendingHeartbeats = 0;
  private heartbeat: NodeJS.Timeout | undefined;

  private constructor(
    private readonly ws: WebSocket,
    start: StartResponse,
    private readonly hooks: GatewaySocketHooks,
  ) {
    this.connectionId = start.connectionId;
    this.gatewayGroup = start.gatewayGroup;
  }

  /** Open the socket the start answer names and finish the handshake; throws `ReconnectError` when it does not. */
  static open(start: StartResponse, endpoint: string, identity: WorkerIdentity, hooks: GatewaySocketHooks): Promise<GatewaySocket> {
    // No Origin header (ws sends none unless asked): the gateway refuses browser pages.
    const ws = new WebSocket(endpoint, [connectSubprotocol], { handshakeTimeout: handshakeMs, perMessageDeflate: false });
    const socket = new GatewaySocket(ws, start, hooks);
    return new Promise<GatewaySocket>((resolve, reject) => {
      let settled = false;
      const fail = (why: string, cause?: unknown) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        socket.dead = true;
        ws.removeAllListeners();
        ws.on("error", () => {});
        if (ws.readyState === WebSocket.OPEN || ws.readyState === WebSocket.CONNECTING) ws.terminate();
        reject(new ReconnectError(`connection ${start.connectionId} to ${endpoint}: ${why}`, { cause }));
      };
      const timer = setTimeout(() => fail(`no GATEWAY_CONNECTION_READY within ${handshakeMs} ms`), handshakeMs);
      let helloSeen = false;
      ws.on("error", (err) => fail(err.message, err));
      ws.on("close", (code, reason) => fail(`closed during the handshake (${code}${reason.length ? ` ${reason.toString()}` : ""})`));
      ws.on("message", (data) => {
        if (settled) return;
        try {
          const frame = decodeFrame(toBytes(data));
          if (!helloSeen) {
            if (frame.kind !== MessageKind.GatewayHello) return fail(`expected GATEWAY_HELLO, got kind ${frame.kind}`);
            helloSeen = true;
            const hello: WorkerConnectRequest = {
              ...identity,
              connectionId: start.connectionId,
              authData: { sessionToken: start.sessionToken, syncToken: start.syncToken },
            };
            ws.send(encodeFrame(MessageKind.WorkerConnect, codecs.workerConnect.encode(hello)));
            return;
          }
          if (frame.kind === MessageKind.SyncFailed) return fail("the gateway could not sync the apps (SYNC_FAILED)");
          if (frame.kind !== MessageKind.GatewayConnectionReady) return fail(`expected GATEWAY_CONNECTION_READY, got kind ${frame.kind}`);
          const ready = codecs.connectionReady.decode(frame.payload);
          socket.heartbeatMs = durationOr(ready.heartbeatInterval, 10_000);
          socket.extendLeaseMs = durationOr(ready.extendLeaseInterval, 5_000);
          settled = true;
          clearTimeout(timer);
          socket.attach();
          resolve(socket);
        } catch (err) {
          fail(err instanceof ConnectProtocolError ? err.message : `bad frame: ${(err as Error).message}`, err);
        }
      });
    });
  }

  get open(): boolean {
    return !this.dead && this.ws.readyState === WebSocket.OPEN;
  }

  /** Send one frame; false when the socket is not open (the caller decides what is lost). */
  send(kind: MessageKind, payload?: Uint8Array): boolean {
    if (!this.open) return false;
    this.ws.send(encodeFrame(kind, payload));
    return true;
  }

  /** Close on purpose (the worker is done with it); `lost` is not called. */
  close(code = 1000, reason = "worker closing"): void {
    this.stop();
    this.ws.removeAllListeners();
    this.ws.on("error", () => {});
    if (this.ws.readyState === WebSocket.OPEN || this.ws.readyState === WebSocket.CONNECTING) this.ws.close(code, reason);
    // A peer that never answers the close handshake does not hold the process open.
    setTimeout(() => this.ws.terminate(), 1000).unref();
  }

  /** After the handshake: the worker's own handlers and the heartbeat. */
  private attach(): void {
    this.ws.removeAllListeners();
    this.ws.on("error", (err) => this.lose(`socket error: ${err.message}`));
    this.ws.on("close", (code, reason) => this.lose(`closed (${code}${reason.length ? ` ${reason.toString()}` : ""})`));
    this.ws.on("message", (data) => {
      let frame: { kind: number; payload: Uint8Array };
      try {
        frame = decodeFrame(toBytes(data));
      } catch {
        // A frame we cannot read says nothing we could act on; the gateway's own timeouts cover it.
        return;
      }
      this.pendingHeartbeats = 0;
      if (frame.kind === MessageKind.GatewayHeartbeat) return;
      if (frame.kind === MessageKind.GatewayClosing) return this.hooks.closing(this);
      this.hooks.message(this, frame.kind, frame.payload);
    });
    this.heartbeat = setInterval(() => {
      if (this.pendingHeartbeats >= maxPendingHeartbeats) return this.lose(`${maxPendingHeartbeats} heartbeats unanswered`);
      this.pendingHeartbeats++;
      this.send(MessageKind.WorkerHeartbeat);
    }, this.heartbeatMs);
  }

  private lose(why: string): void {
    if (this.dead) return;
    this.dead = true;
    this.stop();
    if (this.ws.readyState !== WebSocket.CLOSED) this.ws.terminate();
    this.hooks.lost(this, why);
  }

  private stop(): void {
    this.dead = true;
    clearInterval(this.heartbeat);
  }
}

function toBytes(data: WebSocket.RawData): Uint8Array {
  if (Array.isArray(data)) return Buffer.concat(data);
  return data instanceof ArrayBuffer ? new Uint8Array(data) : data;
}

/** A `GATEWAY_CONNECTION_READY` interval ("10000ms", "10s"); empty or unreadable: the default. */
function durationOr(text: string, fallback: number): number {
  try {
    const ms = parseDuration(text);
    return ms > 0 ? ms : fallback;
  } catch {
    return fallback;
  }
}
