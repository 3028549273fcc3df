import type { AppRecord, ConnectWorkerRecord, FunctionRecord, RegistryStore } from "../registry-store.js";
import { byKey, cloneOrUndefined } from "./records.js";

/** The reference `RegistryStore`: two maps; a sync's swap is atomic since nothing awaits inside it. */
export class MemoryRegistryStore implements RegistryStore {
  private readonly apps = new Map<string, AppRecord>();
  private readonly functions = new Map<string, FunctionRecord>();
  private readonly connectWorkers = new Map<string, ConnectWorkerRecord>();

  async upsertApp(app: AppRecord): Promise<void> {
    this.apps.set(app.id, structuredClone(app));
  }

  async getApp(id: string): Promise<AppRecord | undefined> {
    return cloneOrUndefined(this.apps.get(id));
  }

  async listApps(): Promise<AppRecord[]> {
    return byKey([...this.apps.values()], (a) => a.id).map((a) => structuredClone(a));
  }

  async replaceFunctions(appId: string, functions: FunctionRecord[]): Promise<void> {
    const keep = new Set(functions.map((f) => f.id));
    for (const [id, fn] of this.functions) if (fn.appId === appId && !keep.has(id)) this.functions.delete(id);
    for (const fn of functions) this.functions.set(fn.id, structuredClone(fn));
  }

  async getFunction(id: string): Promise<FunctionRecord | undefined> {
    return cloneOrUndefined(this.functions.get(id));
  }

  async listFunctions(): Promise<FunctionRecord[]> {
    return byKey([...this.functions.values()], (f) => f.id).map((f) => structuredClone(f));
  }

  async putConnectWorker(worker: ConnectWorkerRecord): Promise<void> {
    this.connectWorkers.set(worker.connectionId, structuredClone(worker));
  }

  async removeConnectWorker(connectionId: string): Promise<void> {
    this.connectWorkers.delete(connectionId);
  }

  async listConnectWorkers(now: number): Promise<ConnectWorkerRecord[]> {
    for (const [id, w] of this.connectWorkers) if (w.expiresAt <= now) this.connectWorkers.delete(id);
    return byKey([...this.connectWorkers.values()], (w) => w.connectionId).map((w) => structuredClone(w));
  }
}
