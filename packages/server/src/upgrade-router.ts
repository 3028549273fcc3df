import type { IncomingMessage } from "node:http";
import type { Duplex } from "node:stream";
import { parseRequestTarget } from "./request-target.js";

/** Takes over an HTTP upgrade (a WebSocket handshake) whose path it was registered for. */
export type UpgradeHandler = (req: IncomingMessage, socket: Duplex, head: Buffer, query: URLSearchParams) => Promise<void>;

/**
 * The server's one `upgrade` listener, routing by path, so each WebSocket feature (Realtime's
 * `/v1/realtime/connect`, Connect's gateway) registers its own path without knowing the others.
 * An upgrade to any other path, or one a handler fails on, is answered with a JSON error and closed.
 */
export class UpgradeRouter {
  private readonly routes = new Map<string, UpgradeHandler>();

  /** Handle upgrades to exactly `path`. */
  on(path: string, handler: UpgradeHandler): this {
    if (this.routes.has(path)) throw new Error(`an upgrade handler for ${path} is already registered`);
    this.routes.set(path, handler);
    return this;
  }

  /** The `upgrade` event's listener; `refusal` (the browser guard) is asked first. */
  handle(req: IncomingMessage, socket: Duplex, head: Buffer, refusal?: { status: number; error: string }): void {
    socket.on("error", () => {});
    const target = parseRequestTarget(req.url ?? "/");
    const handler = "error" in target ? undefined : this.routes.get(target.pathname);
    if (refusal) refuseUpgrade(socket, refusal.status, refusal.error);
    else if ("error" in target) refuseUpgrade(socket, 400, target.error);
    else if (handler === undefined) refuseUpgrade(socket, 404, `no WebSocket endpoint at ${target.pathname.slice(0, 200)}`);
    else handler(req, socket, head, target.query).catch(() => refuseUpgrade(socket, 503, "the server could not open this connection; retry it"));
  }
}

const reasons: Record<number, string> = { 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden", 404: "Not Found", 503: "Service Unavailable" };

/** Answer an upgrade request with a JSON error instead of switching protocols, then close the socket. */
export function refuseUpgrade(socket: Duplex, status: number, error: string): void {
  if (socket.destroyed || !socket.writable) return;
  const text = JSON.stringify({ error, status });
  // Destroyed once written: the socket is no longer read, so the client's close would never be seen.
  socket.end(
    `HTTP/1.1 ${status} ${reasons[status] ?? "Error"}\r\ncontent-type: application/json\r\ncontent-length: ${Buffer.byteLength(text)}\r\nconnection: close\r\n\r\n${text}`,
    () => socket.destroy(),
  );
}
