import pg from "pg";

export interface QueueListenerOptions {
  /** A new client outside the pool. */
  newClient: () => pg.Client;
  channel: string;
  /** Each notification's payload on `channel`. */
  onNotify: (payload: string) => void;
  /** Called after reconnecting: notifications sent while the connection was down are lost. */
  onGap: () => void;
  /** Turns a connect failure into the error `start()` rejects with. */
  describeError: (e: unknown) => unknown;
}

/** Wait before reconnecting a lost LISTEN connection; polling covers the gap meanwhile. */
const reconnectDelayMs = 1_000;

/**
 * The dedicated LISTEN connection of one `PostgresQueue`. It cannot be a pooled connection: a
 * pooled client is handed to other queries and may be closed when idle, and notifications arrive
 * only on the session that listens. It is opened on the first `start()`, kept while anyone is
 * subscribed, and reopened after a failure.
 *
 * Each connect attempt carries a generation number; `stop()` bumps it, so an attempt that was in
 * flight ends its own client instead of installing it.
 */
export class QueueListener {
  private client: pg.Client | undefined;
  private starting: Promise<void> | undefined;
  private readonly inFlight = new Set<Promise<void>>();
  private generation = 0;
  private wanted = false;
  private retry: NodeJS.Timeout | undefined;

  constructor(private readonly opts: QueueListenerOptions) {}

  /** Listen (once); resolves when LISTEN is active, rejects if this attempt fails (it is retried). */
  start(): Promise<void> {
    this.wanted = true;
    if (this.starting === undefined) {
      const attempt = this.connect(++this.generation);
      this.starting = attempt;
      this.inFlight.add(attempt);
      const forget = () => {
        this.inFlight.delete(attempt);
      };
      void attempt.then(forget, forget);
    }
    return this.starting;
  }

  /** Stop listening and close the connection (waiting for any attempt in flight to wind down). */
  async stop(): Promise<void> {
    this.wanted = false;
    this.generation += 1;
    clearTimeout(this.retry);
    this.retry = undefined;
    this.starting = undefined;
    const client = this.client;
    this.client = undefined;
    await Promise.all([client?.end().catch(() => {}), ...[...this.inFlight].map((p) => p.catch(() => {}))]);
  }

  private async connect(generation: number): Promise<void> {
    const client = this.opts.newClient();
    client.on("notification", (message) => {
      if (message.channel === this.opts.channel && message.payload !== undefined) this.opts.onNotify(message.payload);
    });
    // Without an 'error' listener a dropped connection would crash the process.
    client.on("error", () => this.lost(client));
    client.on("end", () => this.lost(client));
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.opts.channel)}`);
    } catch (e) {
      await client.end().catch(() => {});
      if (generation === this.generation) {
        this.starting = undefined;
        if (this.wanted) this.scheduleReconnect();
      }
      throw this.opts.describeError(e);
    }
    if (generation !== this.generation || !this.wanted) {
      await client.end().catch(() => {});
      return;
    }
    this.client = client;
  }

  private lost(client: pg.Client): void {
    if (this.client !== client) return;
    this.client = undefined;
    this.starting = undefined;
    if (this.wanted) this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.retry !== undefined) return;
    this.retry = setTimeout(() => {
      this.retry = undefined;
      if (!this.wanted) return;
      void this.start().then(
        () => this.opts.onGap(),
        () => {
          // connect() already scheduled the next attempt
        },
      );
    }, reconnectDelayMs);
    // A process with nothing else to do may exit while we wait to reconnect.
    this.retry.unref();
  }
}
