import { StoreUnavailableError, isWeftError } from "@weft/core";
import { createMemoryStores } from "@weft/store";
import { afterEach, describe, expect, it } from "vitest";
import { createRemoteStores, openRemoteStores } from "../src/index.js";
import type { RemoteStores } from "../src/index.js";
import { closeBacking, closeRemote, coordinate, initBacking } from "./remote-harness.js";

// Whether a client gets a flow store depends on the coordinator's backend, which only the
// coordinator knows; the shared suite covers the flow store's behaviour itself.

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function coordinatorOver(withFlow: boolean): Promise<string> {
  const { history, flow, ...rest } = createMemoryStores();
  await history.close();
  const backing = withFlow ? { ...rest, flow } : rest;
  await initBacking(backing);
  const coordinator = await coordinate(backing);
  cleanups.push(async () => {
    await coordinator.close();
    await closeBacking(backing);
  });
  return coordinator.url;
}

function track(stores: RemoteStores): RemoteStores {
  cleanups.push(async () => {
    await closeRemote(stores);
    await stores.flow?.close();
  });
  return stores;
}

describe("a remote flow store", () => {
  it("openRemoteStores answers one exactly when the coordinator hosts one", async () => {
    const hosted = track(await openRemoteStores(await coordinatorOver(true)));
    expect(hosted.flow).toBeDefined();
    expect(await hosted.flow?.acquireSlot("fn", "h1", 1, 10_000, 0)).toBe(true);
    expect(await hosted.flow?.acquireSlot("fn", "h2", 1, 10_000, 0)).toBe(false);
    expect(await hosted.flow?.putIf("debounce", "v1", 10_000, undefined, 0)).toBe(1);

    const none = track(await openRemoteStores(await coordinatorOver(false)));
    expect(none.flow).toBeUndefined();
    expect(await none.queue.size()).toBe(0);
  });

  it("asked for with { flow: true } from a coordinator without one, its init fails clearly", async () => {
    const stores = track(createRemoteStores(await coordinatorOver(false), { flow: true }));
    const error = await stores.flow?.init().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isWeftError(error, StoreUnavailableError)).toBe(true);
    expect((error as Error).message).toMatch(/hosts no flow store/);
  });
});
