import type { FunctionConfig } from "@weft/core";

export interface AppRecord {
  id: string;
  url: string;
  sdk?: string;
  framework?: string;
  /** Last sync error, or undefined when the last sync worked. */
  error?: string;
  syncedAt?: number;
  /** Hash of the last register body, so identical syncs are no-ops. */
  checksum?: string;
}

export interface FunctionRecord {
  /** The composite slug `<appId>-<fnId>`. */
  id: string;
  appId: string;
  name: string;
  config: FunctionConfig;
}

/**
 * The apps and functions synced to the server: what the engine reads to decide which function an
 * event triggers and how to call it. Unlike history, the engine relies on it.
 *
 * Guarantees: `replaceFunctions` swaps an app's whole function list at once (a reader sees the old
 * list or the new one, never a mix); `upsertApp` replaces the app's record by id.
 */
export interface RegistryStore {
  upsertApp(app: AppRecord): Promise<void>;
  getApp(id: string): Promise<AppRecord | undefined>;
  listApps(): Promise<AppRecord[]>;
  /** Replace every function of an app (a sync). */
  replaceFunctions(appId: string, functions: FunctionRecord[]): Promise<void>;
  getFunction(id: string): Promise<FunctionRecord | undefined>;
  listFunctions(): Promise<FunctionRecord[]>;
}
