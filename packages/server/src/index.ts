export { startWeftServer } from "./server.js";
export type { WeftServer, WeftServerOptions } from "./server.js";
export { openStores, closeStores, redactUrl, openStateLayout, openStateUrl, splitStateUrls } from "./stores-from-url.js";
export type { StoreConfig, OpenedStores } from "./stores-from-url.js";
export { AppSyncer } from "./app-syncer.js";
export type { AppSyncStatus } from "./app-syncer.js";
export { isLoopbackHost } from "./browser-guard.js";
