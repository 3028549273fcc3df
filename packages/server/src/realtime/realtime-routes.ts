import { MemoryRealtimeBus, type RealtimeBus } from "@weft/store";
import type { Router } from "../router.js";
import type { UpgradeRouter } from "../upgrade-router.js";
import { realtimePublishRoute } from "./publish-route.js";
import { RealtimeTokens, realtimeTokenSecret } from "./realtime-tokens.js";
import { realtimeSubscribeSocket } from "./subscribe-socket.js";
import { realtimeTokenRoute } from "./token-route.js";

export interface RealtimeOptions {
  /** The stores' bus; an in-process one when the backend has none (SQLite, layers). */
  bus?: RealtimeBus;
  signingKey?: string;
  apiToken?: string;
  maxMessageBytes: number;
  /** How long a subscription token may be used to connect (default 60 s). */
  tokenTtlMs?: number;
  /** Token time (the server's injected clock in tests). */
  now?: () => number;
}

/**
 * Inngest Realtime (protocol §16): token issue, publish and the subscribe WebSocket, over the
 * stores' `RealtimeBus`. `close()` drops the open subscriber connections.
 */
export function realtimeRoutes(router: Router, upgrades: UpgradeRouter, opts: RealtimeOptions): { close(): Promise<void> } {
  const ownBus = opts.bus === undefined ? new MemoryRealtimeBus() : undefined;
  const bus = opts.bus ?? (ownBus as RealtimeBus);
  const tokens = new RealtimeTokens(realtimeTokenSecret(opts.signingKey), opts.tokenTtlMs, opts.now);
  realtimeTokenRoute(router, tokens, opts);
  realtimePublishRoute(router, bus, opts);
  const sockets = realtimeSubscribeSocket(router, upgrades, bus, tokens);
  return {
    close: async () => {
      sockets.close();
      await ownBus?.close();
    },
  };
}
