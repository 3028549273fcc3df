import { canonicalJson, describeTlsProblem, headers, signRequest, verifySignature } from "@weft/core";
import { registerBodyFromInBand, type Logger, type UrlPolicy } from "@weft/engine";
import { request, type Dispatcher } from "undici";

export interface AppSyncStatus {
  url: string;
  ok: boolean;
  error?: string;
  lastAttemptAt?: number;
}

export interface AppSyncerOptions {
  log: Logger;
  intervalMs: number;
  serverKind: string;
  /** Store a register body (the in-band reply, turned into `/fn/register`'s shape). */
  register: (body: unknown) => Promise<unknown>;
  signingKey?: string;
  /** Look for apps on the usual local ports (dev) until one is synced. */
  discover?: () => Promise<string[]>;
  /** App URLs that may be synced (`--allow-app-url`); others are never requested. */
  allowUrl?: UrlPolicy;
  /** What sync requests go through: one trusting `--app-ca` for `https://` apps; undici's global dispatcher when unset. */
  dispatcher?: Dispatcher;
}

/**
 * Keeps apps synced (protocol §1): PUT each app URL asking for an in-band sync. An SDK that does
 * in-band answers with its functions, stored here; one that does not registers itself with
 * `POST /fn/register` before answering. Every poll interval the apps are synced again, so changed
 * apps re-sync (an unchanged app's register is a no-op). Errors are kept per URL and logged once
 * per change.
 */
export class AppSyncer {
  private readonly apps = new Map<string, AppSyncStatus>();
  private timer: NodeJS.Timeout | undefined;

  constructor(
    urls: string[],
    private readonly opts: AppSyncerOptions,
  ) {
    for (const url of urls) this.apps.set(url, { url, ok: false, error: "not synced yet" });
  }

  status(): AppSyncStatus[] {
    return [...this.apps.values()];
  }

  /** Start syncing one more app URL; resolves after its first sync attempt. */
  async add(url: string): Promise<AppSyncStatus> {
    if (!this.apps.has(url)) this.apps.set(url, { url, ok: false, error: "not synced yet" });
    await this.sync(url);
    return this.apps.get(url) as AppSyncStatus;
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
    // Like the Inngest dev server, stop looking once any app is synced.
    if (this.opts.discover && !this.status().some((a) => a.ok)) {
      const fresh = (await this.opts.discover()).filter((url) => !this.apps.has(url));
      for (const url of fresh) this.opts.log.info("found an app", { url });
      await Promise.all(fresh.map((url) => this.add(url)));
    }
  }

  private async sync(url: string): Promise<void> {
    const before = this.apps.get(url);
    const error = await this.attempt(url);
    this.apps.set(url, { url, ok: error === undefined, error, lastAttemptAt: Date.now() });
    if (error !== before?.error) {
      if (error) this.opts.log.warn(`app sync failed: ${error}`, { url });
      else this.opts.log.info("app sync ok", { url });
    }
  }

  /** One sync; answers the error, or undefined when the app is synced. */
  private async attempt(url: string): Promise<string | undefined> {
    const refused = this.opts.allowUrl?.refusal(url);
    if (refused) return `app URL refused: ${refused}`;
    // The in-band body must be exactly {url} (the SDK's schema is strict).
    const body = canonicalJson({ url });
    const sent: Record<string, string> = {
      "content-type": "application/json",
      [headers.serverKind]: this.opts.serverKind,
      [headers.syncKind]: "in_band",
    };
    if (this.opts.signingKey) sent[headers.signature] = signRequest(body, this.opts.signingKey);
    let status: number;
    let text: string;
    let kind: string | string[] | undefined;
    let signature: string | string[] | undefined;
    try {
      const res = await request(url, { method: "PUT", headers: sent, body, headersTimeout: 10_000, bodyTimeout: 10_000, dispatcher: this.opts.dispatcher });
      status = res.statusCode;
      kind = res.headers[headers.syncKind];
      signature = res.headers[headers.signature];
      text = await res.body.text();
    } catch (e) {
      const tls = describeTlsProblem(e, { ca: "--app-ca FILE", clientCert: "a client certificate (not supported for app syncs)" });
      return `cannot reach ${url}: ${(e as Error).message}${tls ? ` (${tls})` : ""}`;
    }
    if (status === 401) return `the app at ${url} refused the sync (401): its signing key differs from the server's`;
    // Never the app's answer itself: the sync error is shown by the API, and a sync of any URL
    // must not become a way to read what an address on the server's network answers.
    if (status !== 200) return `the app at ${url} answered the sync with HTTP ${status}, not 200 (see the app's log)`;
    if (kind !== "in_band") return undefined; // out-of-band: the SDK already registered itself
    // With a signing key, an in-band reply must be signed with it: an app in dev mode, or with
    // another key, must not be able to register functions here.
    if (this.opts.signingKey && !verifySignature(typeof signature === "string" ? signature : undefined, text, this.opts.signingKey)) {
      return `the in-band sync reply of ${url} is not signed with the server's signing key (is the app in dev mode, or using another key?)`;
    }
    let reply: unknown;
    try {
      reply = JSON.parse(text);
    } catch {
      // JSON.parse's message quotes the text: say only that it is not JSON.
      return `the in-band sync reply of ${url} is not valid JSON`;
    }
    try {
      await this.opts.register(registerBodyFromInBand(reply, url));
      return undefined;
    } catch (e) {
      return `in-band sync of ${url} refused: ${(e as Error).message}`;
    }
  }
}
