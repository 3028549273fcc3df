import { InvalidInputError } from "@weft/core";
import type { WorkerConnectRequest } from "@weft/connect-protocol";
import type { Engine } from "@weft/engine";
import type { RegistryStore } from "@weft/store";
import { connectAppUrl } from "./worker-pool.js";

/**
 * A Connect handshake syncs the worker's apps as `/fn/register` does (the same `Engine.register`:
 * validation, limits, checksum, function swap), from the function configs the WORKER_CONNECT
 * carries. An app served only over Connect gets the url `connect://<app id>`; one already synced
 * over HTTP keeps its HTTP url (calls fall back to it). Either way `connectSyncedAt` marks it.
 * Answers the ids of the apps served only over Connect.
 */
export async function syncConnectApps(engine: Engine, registry: RegistryStore, request: WorkerConnectRequest, now: number): Promise<string[]> {
  const connectOnly: string[] = [];
  for (const app of request.apps) {
    let functions: unknown;
    try {
      functions = JSON.parse(new TextDecoder().decode(app.functions));
    } catch {
      throw new InvalidInputError(`the functions of app ${app.appName} are not JSON`);
    }
    const existing = await registry.getApp(app.appName);
    const url = existing && /^https?:/.test(existing.url) ? existing.url : connectAppUrl(app.appName);
    await engine.register({
      appName: app.appName,
      url,
      framework: request.framework || "connect",
      sdk: `${request.sdkLanguage === "typescript" ? "js" : request.sdkLanguage}:${request.sdkVersion}`,
      appVersion: app.appVersion,
      functions,
    });
    const synced = await registry.getApp(app.appName);
    if (synced) await registry.upsertApp({ ...synced, connectSyncedAt: now });
    if (url === connectAppUrl(app.appName)) connectOnly.push(app.appName);
  }
  return connectOnly;
}
