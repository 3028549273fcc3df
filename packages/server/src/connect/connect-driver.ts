import type { Driver, DriverRequest, DriverResponse } from "@weft/engine";
import type { WorkerPool } from "./worker-pool.js";

/**
 * Calls a function over a Connect worker of its app when this process holds one with room (the
 * least loaded), otherwise over HTTP when the app has an HTTP url (an app may be served both
 * ways), otherwise answers a retriable error: the job is retried, on whichever process leases it.
 * Jobs of Connect-only apps reach here only with a worker slot reserved (`WorkerPool` as the
 * engine's call gate), so the wait below is for the rare worker that left in between.
 */
export class ConnectDriver implements Driver {
  constructor(
    private readonly pool: WorkerPool,
    private readonly http: Driver,
    private readonly waitMs = 2000,
  ) {}

  async call(req: DriverRequest): Promise<DriverResponse> {
    const appId = req.fn.appId;
    const url = req.fn.config.steps.step.runtime.url;
    const overHttp = /^https?:/.test(url) ? url : this.pool.httpUrlOf(appId);
    const worker = this.pool.pick(appId) ?? (overHttp === undefined ? await this.pool.acquire(appId, this.waitMs) : undefined);
    if (worker) {
      try {
        return await worker.call(req);
      } finally {
        this.pool.changed();
      }
    }
    if (overHttp === undefined) {
      return {
        type: "error",
        error: { name: "NoConnectWorker", message: `no Connect worker of app ${appId} with free capacity is connected to this server process` },
        retriable: true,
      };
    }
    if (overHttp === url) return this.http.call(req);
    // Synced last over Connect (its functions carry the SDK's connect URL): call the app's HTTP url.
    const runtime = { ...req.fn.config.steps.step.runtime, url: overHttp };
    const fn = { ...req.fn, config: { ...req.fn.config, steps: { ...req.fn.config.steps, step: { ...req.fn.config.steps.step, runtime } } } };
    return this.http.call({ ...req, fn });
  }

  close(): Promise<void> {
    return this.http.close();
  }
}
