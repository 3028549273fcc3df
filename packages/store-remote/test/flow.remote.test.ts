import { StoreUnavailableError, isWeftError } from "@weft/core";
import { createMemoryStores } from "@weft/store";
import type { StateStores } from "@weft/store";
import { afterEach, describe, expect, it } from "vitest";
import { createRemoteStores } from "../src/index.js";
import type { RemoteStores } from "../src/index.js";
import { coordinate } from "./remote-harness.js";

// The client's flow store against what the coordinator hosts; the shared suite covers the flow
// store's behaviour itself.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function coordinatorOver(withFlow: boolean): Promise<string> {
  const backing = createMemoryStores();
  await backing.init();
  const { flow: _flow, ...rest } = backing;
  // Without flow: as a coordinator built before every backend had a flow store would host.
  const hosted = withFlow ? backing : (rest as unknown as StateStores);
  const coordinator = await coordinate(hosted);
  cleanups.push(async () => {
    await coordinator.close();
    await backing.close();
  });
  return coordinator.url;
}

function track(stores: RemoteStores): RemoteStores {
  cleanups.push(() => stores.close());
  return stores;
}

describe("a remote flow store", () => {
  it("is always there, and its calls reach the coordinator's flow store", async () => {
    const stores = track(createRemoteStores(await coordinatorOver(true)));
    await stores.init();
    expect(await stores.flow.acquireSlot("fn", "h1", 1, 10_000, 0)).toBe(true);
    expect(await stores.flow.acquireSlot("fn", "h2", 1, 10_000, 0)).toBe(false);
    expect(await stores.flow.putIf("debounce", "v1", 10_000, undefined, 0)).toBe(1);
  });

  it("from a coordinator without one, the bundle's init fails clearly", async () => {
    const stores = track(createRemoteStores(await coordinatorOver(false)));
    const error = await stores.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isWeftError(error, StoreUnavailableError)).toBe(true);
    expect((error as Error).message).toMatch(/hosts no flow store/);
  });
});
