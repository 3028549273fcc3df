import { headers } from "@weft/core";
import type { Logger } from "@weft/engine";
import { request } from "undici";

export interface AppSyncStatus {
  url: string;
  ok: boolean;
  error?: string;
  lastAttemptAt?: number;
}

/**
 * Keeps apps synced in dev mode (protocol §1.1): PUT each app URL so its SDK registers with this
 * server, and again every poll interval so changed apps re-sync (an unchanged app's register is a
 * no-op). Errors are kept per URL and logged once per change.
 */
export class AppSyncer {
  private readonly apps = new Map<string, AppSyncStatus>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    urls: string[],
    private readonly opts: { log: Logger; intervalMs: number; serverKind: string },
  ) {
    for (const url of urls) this.apps.set(url, { url, ok: false, error: "not synced yet" });
  }

  /** Start syncing one more app URL; resolves after its first sync attempt. */
  async add(url: string): Promise<AppSyncStatus> {
    if (!this.apps.has(url)) this.apps.set(url, { url, ok: false, error: "not synced yet" });
    await this.sync(url);
    return this.apps.get(url) as AppSyncStatus;
  }

  status(): AppSyncStatus[] {
    return [...this.apps.values()];
  }

  start(): void {
    void this.syncAll();
    this.timer = setInterval(() => void this.syncAll(), this.opts.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async syncAll(): Promise<void> {
    await Promise.all([...this.apps.keys()].map((url) => this.sync(url)));
  }

  private async sync(url: string): Promise<void> {
    const before = this.apps.get(url);
    let error: string | undefined;
    try {
      const res = await request(url, {
        method: "PUT",
        headers: { "content-type": "application/json", [headers.serverKind]: this.opts.serverKind },
        body: JSON.stringify({ url }),
        headersTimeout: 10_000,
        bodyTimeout: 10_000,
      });
      const text = await res.body.text();
      if (res.statusCode !== 200) error = `sync answered ${res.statusCode}: ${text.slice(0, 300)}`;
    } catch (e) {
      error = `cannot reach ${url}: ${(e as Error).message}`;
    }
    this.apps.set(url, { url, ok: error === undefined, error, lastAttemptAt: Date.now() });
    if (error !== before?.error || (before && before.ok !== (error === undefined))) {
      if (error) this.opts.log.warn(`app sync failed: ${error}`, { url });
      else this.opts.log.info("app sync ok", { url });
    }
  }
}
