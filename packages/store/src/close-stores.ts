import type { Stores } from "./stores.js";

/** Close every store of a bundle (each backend makes a second close of one store a no-op). */
export async function closeStores(stores: Stores): Promise<void> {
  await Promise.all([stores.state.close(), stores.pauses.close(), stores.queue.close(), stores.history.close(), stores.flow?.close()]);
}
