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
  /**
   * Synced by a Connect worker (`inngest/connect`): when, last. An app served over Connect only has
   * the url `connect://<app id>`; one also served over HTTP keeps its HTTP url.
   */
  connectSyncedAt?: number;
}

/**
 * A Connect worker's presence: one WebSocket connection of a `connect()` worker to one server
 * process, refreshed at its heartbeats so every process (and the API) sees who serves which app.
 */
export interface ConnectWorkerRecord {
  /** The connection id the start request gave the worker. */
  connectionId: string;
  /** The apps it serves. */
  apps: string[];
  /** The worker's own name for itself (its host name unless set). */
  instanceId: string;
  /** The server process holding the socket. */
  gatewayId: string;
  sdk?: string;
  /** Requests it takes at once (`maxWorkerConcurrency`); absent = no limit. */
  maxConcurrency?: number;
  /** Requests sent to it and not yet answered, when last written. */
  inFlight: number;
  /** `ready` takes work; `draining` finishes what it has (the worker is shutting down). */
  status: "ready" | "draining";
  connectedAt: number;
  lastHeartbeatAt: number;
  /** Not listed once the clock passes this, unless written again (a dead process's workers expire). */
  expiresAt: number;
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
  /** Write a Connect worker's presence (replaces the record with its connection id). */
  putConnectWorker(worker: ConnectWorkerRecord): Promise<void>;
  removeConnectWorker(connectionId: string): Promise<void>;
  /** Workers whose `expiresAt` is after `now`, by connection id; expired records may be deleted on the way. */
  listConnectWorkers(now: number): Promise<ConnectWorkerRecord[]>;
}
