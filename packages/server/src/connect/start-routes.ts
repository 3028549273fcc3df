import type { IncomingMessage, ServerResponse } from "node:http";
import { codecs, ConnectProtocolError, connectFlushPath, connectStartPath, protobufContentType } from "@weft/connect-protocol";
import type { Logger } from "@weft/engine";
import { sdkAuthorized } from "../auth.js";
import { readBodyBytes, sendJson } from "../http-util.js";
import type { Router } from "../router.js";
import type { ConnectGateway } from "./gateway.js";
import { driverResponseOf } from "./sdk-reply.js";

/**
 * The HTTP half of Connect. `POST /v0/connect/start` (a protobuf `StartRequest`; in production
 * with the SDK's `Authorization: Bearer <hashed signing key>`) answers a protobuf `StartResponse`:
 * the gateway URL on this process, a connection id and the session token its WORKER_CONNECT must
 * present. `POST /v0/connect/flush` takes a reply (`SDKResponse`) a worker could not send over its
 * socket. Refusals are JSON `{ error }`: 401 bad key, 400 bad body, 503 while shutting down (its
 * text holds `connect_gateway_closing`, which the SDK retries after a short jitter).
 */
export function connectRoutes(router: Router, gateway: ConnectGateway, opts: { signingKey?: string; log: Logger; maxBodyBytes: number }): void {
  const authorized = (req: IncomingMessage, res: ServerResponse): boolean => {
    if (sdkAuthorized(req, opts.signingKey)) return true;
    opts.log.warn("refused a Connect start: the worker's signing key differs from the server's --signing-key", { from: req.socket.remoteAddress });
    sendJson(res, 401, { error: "unauthorized: the worker's signing key does not match the server's", status: 401 });
    return false;
  };

  router.on("POST", connectStartPath, async ({ req, res }) => {
    if (!authorized(req, res)) return;
    if (gateway.closing) {
      sendJson(res, 503, { error: "connect_gateway_closing: this server is shutting down", status: 503 });
      return;
    }
    try {
      codecs.startRequest.decode(await readBodyBytes(req, 64 * 1024));
    } catch (e) {
      if (!(e instanceof ConnectProtocolError)) throw e;
      sendJson(res, 400, { error: `the start request's body is not a protobuf StartRequest: ${e.message}`, status: 400 });
      return;
    }
    const host = req.headers.host;
    if (!host) {
      sendJson(res, 400, { error: "the start request needs a Host header (the gateway URL is built from it)", status: 400 });
      return;
    }
    // A TLS socket (`--tls-*`) means the worker must open its WebSocket over TLS too.
    const secure = (req.socket as { encrypted?: boolean }).encrypted === true;
    sendProtobuf(res, codecs.startResponse.encode(gateway.startAnswer(host, secure)));
  });

  router.on("POST", connectFlushPath, async ({ req, res }) => {
    if (!authorized(req, res)) return;
    let requestId: string;
    try {
      const reply = codecs.sdkResponse.decode(await readBodyBytes(req, opts.maxBodyBytes));
      requestId = reply.requestId;
      // Settled if a call here still waits for it; otherwise that call was given up and retried.
      gateway.pool.locate(requestId)?.settle(requestId, driverResponseOf(reply));
    } catch (e) {
      if (!(e instanceof ConnectProtocolError)) throw e;
      sendJson(res, 400, { error: `the flush body is not a protobuf SDKResponse: ${e.message}`, status: 400 });
      return;
    }
    sendProtobuf(res, codecs.flushResponse.encode({ requestId }));
  });
}

function sendProtobuf(res: ServerResponse, body: Uint8Array): void {
  res.writeHead(200, { "content-type": protobufContentType, "content-length": body.byteLength });
  res.end(body);
}
