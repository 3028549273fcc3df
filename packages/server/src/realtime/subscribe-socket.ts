import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import type { RealtimeBus, RealtimeSubscription } from "@weft/store";
import { WebSocketServer, type WebSocket } from "ws";
import { bearerOf } from "../auth.js";
import { sendJson } from "../http-util.js";
import type { Router } from "../router.js";
import { refuseUpgrade, type UpgradeRouter } from "../upgrade-router.js";
import { RealtimeTokenError, type RealtimeTokens } from "./realtime-tokens.js";

export const realtimeConnectPath = "/v1/realtime/connect";

/** Keepalive: a ping this often; a client that has not answered the previous one is dropped. */
const pingIntervalMs = 30_000;
/** A subscriber this far behind (bytes queued for it) is disconnected rather than buffered without end. */
const maxBufferedBytes = 16 * 1024 * 1024;

/**
 * The subscribe stream (protocol §16): `GET /v1/realtime/connect?token=<jwt>` upgraded to a
 * WebSocket, as the SDK's `subscribe()` opens it. The token decides the channel and topics; each
 * message published there is sent as one JSON text frame, in the bus's order. The bus subscription
 * is active before the handshake completes, so whatever is published once the SDK's `subscribe()`
 * has resolved is delivered. A missing, forged or expired token is refused before the upgrade:
 * 401 with a JSON `{ error }`. Messages the client sends are ignored (Inngest's `sub`/`unsub`
 * frames are not used by the SDK).
 */
export function realtimeSubscribeSocket(router: Router, upgrades: UpgradeRouter, bus: RealtimeBus, tokens: RealtimeTokens): { close(): void } {
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const tokenOf = (req: IncomingMessage, query: URLSearchParams) => query.get("token") ?? bearerOf(req);

  // A plain GET (no upgrade) is told what is wrong with its token, or that it must upgrade.
  router.on("GET", realtimeConnectPath, async ({ req, res, query }) => {
    try {
      await tokens.verify(tokenOf(req, query));
    } catch (e) {
      if (e instanceof RealtimeTokenError) return sendJson(res, 401, { error: e.message, status: 401 });
      throw e;
    }
    sendJson(res, 426, { error: "this endpoint is a WebSocket: connect with Upgrade: websocket", status: 426 }, { upgrade: "websocket" });
  });

  upgrades.on(realtimeConnectPath, async (req: IncomingMessage, socket: Duplex, head: Buffer, query: URLSearchParams) => {
    let grant: Awaited<ReturnType<RealtimeTokens["verify"]>>;
    try {
      grant = await tokens.verify(tokenOf(req, query));
    } catch (e) {
      if (e instanceof RealtimeTokenError) return refuseUpgrade(socket, 401, e.message);
      throw e;
    }
    // Subscribe first; what arrives before the socket is open waits here, in order.
    let ws: WebSocket | undefined;
    const early: string[] = [];
    const subscription: RealtimeSubscription = await bus.subscribe(grant.channel, grant.topics, (_topic, message) => {
      if (ws === undefined) early.push(message);
      else send(ws, message);
    });
    if (socket.destroyed) return void subscription.close();
    // A handshake that ws refuses (bad headers) never opens: let go of the subscription then too.
    socket.once("close", () => {
      if (ws === undefined) void subscription.close();
    });
    wss.handleUpgrade(req, socket, head, (opened) => {
      ws = opened;
      for (const message of early.splice(0)) send(opened, message);
      let alive = true;
      opened.on("pong", () => {
        alive = true;
      });
      const ping = setInterval(() => {
        if (!alive) return opened.terminate();
        alive = false;
        opened.ping();
      }, pingIntervalMs);
      ping.unref();
      opened.on("error", () => {});
      opened.on("close", () => {
        clearInterval(ping);
        void subscription.close();
      });
    });
  });

  return {
    close: () => {
      // "Going away": clients see a clean close and may reconnect elsewhere; any that does not
      // answer within a second is cut off (the server's close does not wait for it).
      for (const client of wss.clients) {
        client.close(1001, "server shutting down");
        setTimeout(() => client.terminate(), 1_000).unref();
      }
      wss.close();
    },
  };
}

function send(ws: WebSocket, message: string): void {
  if (ws.readyState !== ws.OPEN) return;
  if (ws.bufferedAmount > maxBufferedBytes) {
    ws.close(1008, "subscriber too slow: messages were piling up");
    return;
  }
  ws.send(message);
}
