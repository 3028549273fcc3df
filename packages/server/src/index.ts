export { startWeftServer } from "./server.js";
export type { WeftServer, WeftServerOptions } from "./server.js";
export { openStores, closeStores, redactUrl } from "./stores-from-url.js";
export type { StoreConfig } from "./stores-from-url.js";
export { AppSyncer } from "./app-syncer.js";
export type { AppSyncStatus } from "./app-syncer.js";
