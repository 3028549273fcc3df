export { createSqliteStores } from "./sqlite-stores.js";
export { SqliteDatabase } from "./sqlite-database.js";
export type { SqlParams, SqlValue } from "./sqlite-database.js";
export { migrations } from "./migrations.js";
export type { Migration } from "./migrations.js";
export { SqliteRunStateStore } from "./sqlite-run-state-store.js";
export { SqlitePauseStore } from "./sqlite-pause-store.js";
export { SqliteQueue } from "./sqlite-queue.js";
export { SqliteHistoryStore } from "./sqlite-history-store.js";
