import type { Clock, StateBundle, StateStores, StoreBundle } from "@weft/store";
import { withMemoryRegistryAndHistory } from "@weft/store-conformance";
import type { StoreSuiteOptions } from "@weft/store-conformance";
import { createRemoteStores, startCoordinator } from "../src/index.js";
import type { Coordinator, RemoteStoresOptions } from "../src/index.js";

/** The backing bundle of one case, and what to tear down once it is closed (keys, a schema). */
export interface Backing {
  stores: StateBundle;
  cleanup?: () => Promise<void>;
}

/** A coordinator on a free loopback port over `stores` (already initialised). */
export function coordinate(
  stores: StateStores,
  opts: { token?: string; maxInFlight?: number; port?: number; coalesceLeases?: boolean } = {},
): Promise<Coordinator> {
  const { port = 0, ...rest } = opts;
  return startCoordinator({ stores, listen: { host: "127.0.0.1", port }, ...rest });
}

/**
 * Conformance-suite options for "remote over <backend>": each case gets a fresh backing bundle on the
 * case's clock, its own coordinator (with a token, so auth is on the path every case takes) and a
 * client; the registry and history stay in memory, as a remote deployment keeps them in its `--db`.
 */
export function remoteSuite(name: string, makeBacking: (clock: Clock) => Promise<Backing>, clientOpts: RemoteStoresOptions = {}): StoreSuiteOptions {
  const teardowns = new Map<StoreBundle, () => Promise<void>>();
  return {
    name,
    create: async ({ clock }) => {
      const backing = await makeBacking(clock);
      await backing.stores.init();
      const token = "conformance-token";
      const coordinator = await coordinate(backing.stores, { token });
      const stores = withMemoryRegistryAndHistory(createRemoteStores(coordinator.url, { token, ...clientOpts }));
      teardowns.set(stores, async () => {
        await coordinator.close();
        await backing.stores.close();
        await backing.cleanup?.();
      });
      return stores;
    },
    // After the suite has closed the client bundle.
    destroy: async (stores) => {
      await teardowns.get(stores)?.();
      teardowns.delete(stores);
    },
  };
}
