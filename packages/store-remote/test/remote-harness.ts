import { MemoryHistoryStore } from "@weft/store";
import type { Clock, Stores } from "@weft/store";
import type { StoreSuiteOptions } from "@weft/store-conformance";
import { createRemoteStores, startCoordinator } from "../src/index.js";
import type { Coordinator, RemoteStores, RemoteStoresOptions } from "../src/index.js";

/** The backing stores of one case, and how to tear them down once the coordinator is gone. */
export interface Backing {
  stores: Omit<Stores, "history">;
  cleanup: () => Promise<void>;
}

export async function initBacking(stores: Omit<Stores, "history">): Promise<void> {
  await Promise.all([stores.state.init(), stores.pauses.init(), stores.queue.init(), stores.flow?.init()]);
}

export async function closeBacking(stores: Omit<Stores, "history">): Promise<void> {
  await Promise.all([stores.state.close(), stores.pauses.close(), stores.queue.close(), stores.flow?.close()]);
}

/** A coordinator on a free loopback port over `stores` (already initialised). */
export function coordinate(
  stores: Omit<Stores, "history">,
  opts: { token?: string; maxInFlight?: number; port?: number; coalesceLeases?: boolean } = {},
): Promise<Coordinator> {
  const { port = 0, ...rest } = opts;
  return startCoordinator({ stores, listen: { host: "127.0.0.1", port }, ...rest });
}

export function closeRemote(remote: RemoteStores): Promise<void> {
  return closeBacking(remote);
}

/**
 * Conformance-suite options for "remote over <backend>": each case gets fresh backing stores on the
 * case's clock, its own coordinator (with a token, so auth is on the path every case takes) and a
 * client; history stays in memory, as a remote deployment keeps it in its `--db`.
 */
export function remoteSuite(name: string, makeBacking: (clock: Clock) => Promise<Backing>, clientOpts: RemoteStoresOptions = {}): StoreSuiteOptions {
  const teardowns = new Map<Stores, () => Promise<void>>();
  return {
    name,
    create: async ({ clock }) => {
      const backing = await makeBacking(clock);
      await initBacking(backing.stores);
      const token = "conformance-token";
      const coordinator = await coordinate(backing.stores, { token });
      // The flow cases run wherever the backend has a FlowStore to host.
      const remote = createRemoteStores(coordinator.url, { token, flow: backing.stores.flow !== undefined, ...clientOpts });
      const stores: Stores = { ...remote, history: new MemoryHistoryStore() };
      teardowns.set(stores, async () => {
        await coordinator.close();
        await backing.cleanup();
      });
      return stores;
    },
    destroy: async (stores) => {
      await Promise.all([stores.state.close(), stores.pauses.close(), stores.queue.close(), stores.history.close(), stores.flow?.close()]);
      await teardowns.get(stores)?.();
      teardowns.delete(stores);
    },
  };
}
