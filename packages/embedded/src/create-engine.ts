import { headers } from "@weft/core";
import { Engine, InProcessDriver, registerBodyFromInBand, silentLogger, type Backoff, type Logger } from "@weft/engine";
import { createServeHandler, routeClient, type ServeOptions } from "@weft/sdk";
import { createMemoryStores, type RunRecord, type StoreBundle } from "@weft/store";
import { inProcessRoute } from "./transport.js";

export interface EmbeddedOptions {
  /** The SDK client the functions were created with. */
  client: ServeOptions["client"];
  functions: ServeOptions["functions"];
  /**
   * Where runs are kept; memory by default (pass `createSqliteStores(path)` to survive restarts).
   * Initialised here; closed by `stop()` only when the engine opened them itself.
   */
  stores?: StoreBundle;
  /** Retry delay; Inngest's 15 s … 2 h table by default. */
  backoff?: Backoff;
  concurrency?: number;
  log?: Logger;
}

export interface EmbeddedEngine {
  engine: Engine;
  stores: StoreBundle;
  /** Send events; resolves with their ids once they are durable. */
  send(events: unknown): Promise<string[]>;
  /** A run, from the run history. */
  getRun(runId: string): Promise<RunRecord | undefined>;
  /** The runs an event started. */
  runsOf(eventId: string): Promise<RunRecord[]>;
  /** Wait until a run has ended, and answer it. */
  waitForRun(runId: string, timeoutMs?: number): Promise<RunRecord>;
  /** Stop the engine (and close the stores it opened itself). */
  stop(): Promise<void>;
}

const embeddedUrl = "http://embedded/api/inngest";

/**
 * The engine inside the app's own process: the same engine, stores and protocol as `weft dev`, with
 * an in-process driver instead of HTTP. For scripts, workers and tests.
 */
export async function createEngine(opts: EmbeddedOptions): Promise<EmbeddedEngine> {
  const ownStores = opts.stores === undefined;
  const stores = opts.stores ?? createMemoryStores();
  await stores.init();
  const handler = createServeHandler({ client: opts.client, functions: opts.functions, serveHost: "http://embedded" }, "embedded");
  const engine = new Engine({
    stores,
    driver: new InProcessDriver(handler),
    backoff: opts.backoff,
    concurrency: opts.concurrency,
    log: opts.log ?? silentLogger,
    pollMs: 1000,
  });
  routeClient(opts.client.config, inProcessRoute(engine));
  // Sync in band, exactly as a server would, through the SDK's own handler.
  const sync = await handler({
    method: "PUT",
    url: embeddedUrl,
    headers: { [headers.syncKind]: "in_band", "content-type": "application/json" },
    body: JSON.stringify({ url: embeddedUrl }),
  });
  if (sync.status !== 200) throw new Error(`embedded sync failed (${sync.status}): ${sync.body}`);
  await engine.register(registerBodyFromInBand(JSON.parse(sync.body), embeddedUrl));
  await engine.start();

  const getRun = (runId: string) => stores.history.getRun(runId);
  return {
    engine,
    stores,
    send: (events) => engine.send(events),
    getRun,
    runsOf: (eventId) => stores.history.runsOfEvent(eventId),
    async waitForRun(runId, timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const run = await getRun(runId);
        if (run && run.status !== "Running") return run;
        if (Date.now() > deadline) throw new Error(`run ${runId} did not end within ${timeoutMs} ms`);
        await new Promise((r) => setTimeout(r, 2));
      }
    },
    async stop() {
      await engine.stop();
      if (ownStores) await stores.close();
    },
  };
}
