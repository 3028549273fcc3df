import { createServer, type RequestListener, type Server } from "node:http";
import { createServer as createHttpsServer } from "node:https";

/** The server's certificate and key (PEM): `weft dev|start --tls-cert FILE --tls-key FILE`. */
export interface ServerTls {
  cert: string | Buffer;
  key: string | Buffer;
}

/**
 * node:http, or node:https when given a certificate. An https server is an http server that
 * speaks TLS first: requests, `upgrade` and `connect` events, keep-alive and `closeAllConnections`
 * work the same, so everything wired to the server stays identical.
 */
export function createWebServer(tls: ServerTls | undefined, listener: RequestListener): Server {
  return tls === undefined ? createServer(listener) : createHttpsServer({ cert: tls.cert, key: tls.key }, listener);
}
