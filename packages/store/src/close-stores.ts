import type { Lifecycle } from "./stores.js";

/** Close a bundle (kept for callers that close what they opened; a second close is a no-op). */
export async function closeStores(bundle: Lifecycle): Promise<void> {
  await bundle.close();
}
