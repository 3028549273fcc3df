import type { Logger } from "@weft/engine";
import type { ConnectWorkerRecord, RegistryStore } from "@weft/store";
import type { WorkerPool } from "./worker-pool.js";
import type { WorkerSession } from "./worker-session.js";

/**
 * Keeps the store's view of this process's Connect workers (`RegistryStore.putConnectWorker`), so
 * the API of every process lists every worker, and the pool's view of the registry's apps (which
 * are served only over Connect). A record expires `ttlMs` after its last write (a heartbeat), so
 * the workers of a process that died disappear on their own. Store errors are logged, never thrown:
 * presence is for display and routing hints, and the next heartbeat writes again.
 */
export class Presence {
  private timer: NodeJS.Timeout | undefined;
  private failing = false;

  constructor(
    private readonly registry: RegistryStore,
    private readonly pool: WorkerPool,
    private readonly opts: { gatewayId: string; ttlMs: number; appsRefreshMs: number; now(): number; log: Logger },
  ) {}

  start(): void {
    void this.refreshApps();
    this.timer = setInterval(() => void this.refreshApps(), this.opts.appsRefreshMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  /** Re-read which apps are served only over Connect (another process may have synced one). */
  async refreshApps(): Promise<void> {
    try {
      this.pool.setApps(await this.registry.listApps());
      this.failing = false;
    } catch (e) {
      this.warnOnce(e);
    }
  }

  write(session: WorkerSession): Promise<void> {
    const record = this.recordOf(session);
    if (!record) return Promise.resolve();
    return this.registry.putConnectWorker(record).catch((e: unknown) => this.warnOnce(e));
  }

  remove(session: WorkerSession): Promise<void> {
    if (!session.info) return Promise.resolve();
    return this.registry.removeConnectWorker(session.info.connectionId).catch((e: unknown) => this.warnOnce(e));
  }

  private recordOf(session: WorkerSession): ConnectWorkerRecord | undefined {
    const info = session.info;
    if (!info || (session.state !== "ready" && session.state !== "draining")) return undefined;
    const now = this.opts.now();
    return {
      connectionId: info.connectionId,
      apps: session.apps,
      instanceId: info.instanceId,
      gatewayId: this.opts.gatewayId,
      sdk: `${info.sdkLanguage}:${info.sdkVersion}`,
      maxConcurrency: info.maxWorkerConcurrency,
      inFlight: session.calls.size,
      status: session.state,
      connectedAt: session.connectedAt,
      lastHeartbeatAt: session.lastHeartbeatAt,
      expiresAt: now + this.opts.ttlMs,
    };
  }

  private warnOnce(e: unknown): void {
    if (this.failing) return;
    this.failing = true;
    this.opts.log.warn(`Connect presence: store unavailable (will keep trying): ${(e as Error).message}`);
  }
}
