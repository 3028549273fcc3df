import { randomBytes } from "node:crypto";
import type { EventHold } from "@weft/store";
import type { EngineContext } from "./context.js";

/** `--retention`, `--retention-events`, `--retention-runs`: how long history is kept. Unset keeps it forever (the default). */
export interface RetentionOptions {
  /** Keep received events this long (ms); undefined keeps them forever. */
  eventsMs?: number;
  /** Keep finished runs, their timelines and their run state this long after they ended (ms); undefined keeps them forever. */
  runsMs?: number;
  /** Rows per delete statement (default 1000). */
  batchSize?: number;
  /** Pause between two batches (default 25 ms), so the store serves the engine in between. */
  pauseMs?: number;
  /** Time between sweeps (default 60 s); the first one runs this long after the engine starts. */
  intervalMs?: number;
}

export interface SweepResult {
  /** False when another process held the sweep's lease (it is sweeping now). */
  swept: boolean;
  runs: number;
  events: number;
}

const leaseKey = "retention:sweep";
const leaseMs = 60_000;
/** Run state and timelines of this many runs are deleted at once (parallel `deleteRun` calls). */
const stateDeletesAtOnce = 32;
/** Added to the longest debounce or batch window: time for the timer job that starts the run to be leased. */
const holdSlackMs = 60_000;

/**
 * The retention sweep, in every engine process. One process sweeps at a time (a flow-store slot
 * is the lease), but nothing breaks if two do: every delete is idempotent and bounded. It works in
 * batches of `batchSize` rows with a pause between them, so SQLite and Postgres keep serving.
 *
 * What it never deletes:
 * - a run that is Running (the stores skip them), nor its trigger event (`RunRecord.eventId`);
 * - an event that may still sit in a debounce or batch register: one of a name that triggers a
 *   debouncing or batching function, younger than the longest such window (plus a minute). The
 *   run it will start links to it. (Registers hold their own copy of each event, so the run would
 *   start either way.) A function triggered by a wildcard holds every event that long.
 *
 * A finished run's state goes first (`RunStateStore.deleteRun`, whichever backend holds it, Redis
 * too), then its history rows: a sweep that dies half way leaves history that the next sweep finds
 * again, never state that nothing points to.
 */
export class RetentionSweeper {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<SweepResult> | undefined;
  private stopped = false;
  private readonly holder = `sweeper-${randomBytes(6).toString("hex")}`;
  private readonly batchSize: number;
  private readonly pauseMs: number;

  constructor(
    private readonly ctx: EngineContext,
    private readonly opts: RetentionOptions,
  ) {
    this.batchSize = opts.batchSize ?? 1000;
    this.pauseMs = opts.pauseMs ?? 25;
  }

  get enabled(): boolean {
    return this.opts.eventsMs !== undefined || this.opts.runsMs !== undefined;
  }

  start(): void {
    if (!this.enabled) return;
    this.stopped = false;
    const schedule = () => {
      this.timer = setTimeout(() => {
        this.sweep()
          .catch((e: unknown) => this.ctx.log.warn(`retention sweep failed (will try again): ${(e as Error).message}`))
          .finally(() => {
            if (!this.stopped) schedule();
          });
      }, this.opts.intervalMs ?? 60_000);
      this.timer.unref();
    };
    schedule();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One sweep now (a sweep already under way in this process is joined, not doubled). */
  sweep(): Promise<SweepResult> {
    this.running ??= this.sweepOnce().finally(() => (this.running = undefined));
    return this.running;
  }

  private async sweepOnce(): Promise<SweepResult> {
    const result: SweepResult = { swept: false, runs: 0, events: 0 };
    if (!this.enabled || !(await this.holdLease())) return result;
    result.swept = true;
    try {
      if (this.opts.runsMs !== undefined) result.runs = await this.sweepRuns(this.ctx.clock.now() - this.opts.runsMs);
      if (this.opts.eventsMs !== undefined) result.events = await this.sweepEvents(this.ctx.clock.now() - this.opts.eventsMs, this.eventHold());
    } finally {
      await this.ctx.flow.store.releaseSlot(leaseKey, this.holder);
    }
    if (result.runs > 0 || result.events > 0) this.ctx.log.info("retention sweep", { runs: result.runs, events: result.events });
    return result;
  }

  private async sweepRuns(endedBefore: number): Promise<number> {
    const { history, state } = this.ctx.stores;
    let total = 0;
    while (!this.stopped) {
      const ids = await history.endedRunsBefore(endedBefore, this.batchSize);
      if (ids.length === 0) break;
      for (let i = 0; i < ids.length; i += stateDeletesAtOnce) {
        // A tombstone of 0 ms: after the retention period nothing needs the key refused.
        await Promise.all(ids.slice(i, i + stateDeletesAtOnce).map((id) => state.deleteRun(id, 0)));
      }
      const deleted = await history.deleteRuns(ids);
      total += deleted;
      if (ids.length < this.batchSize || !(await this.nextBatch())) break;
    }
    return total;
  }

  private async sweepEvents(receivedBefore: number, hold: EventHold | "all" | undefined): Promise<number> {
    // A wildcard-triggered register may hold any event: none younger than its window goes.
    const cutoff = hold === "all" ? Math.min(receivedBefore, this.ctx.clock.now() - this.holdWindowMs()) : receivedBefore;
    const names = hold === "all" ? undefined : hold;
    let total = 0;
    while (!this.stopped) {
      const deleted = await this.ctx.stores.history.deleteEventsBefore(cutoff, this.batchSize, names);
      total += deleted;
      if (deleted < this.batchSize || !(await this.nextBatch())) break;
    }
    return total;
  }

  /** Pause, then renew the lease; false when it was lost (another process sweeps on). */
  private async nextBatch(): Promise<boolean> {
    await new Promise((r) => setTimeout(r, this.pauseMs));
    return this.holdLease();
  }

  private holdLease(): Promise<boolean> {
    const now = this.ctx.clock.now();
    return this.ctx.flow.store.acquireSlot(leaseKey, this.holder, 1, now + leaseMs, now);
  }

  /** The longest time an event can sit in a debounce or batch register before its run starts (plus slack). */
  private holdWindowMs(): number {
    let longest = 0;
    for (const fn of this.ctx.registry.all()) longest = Math.max(longest, this.windowOf(fn));
    return longest === 0 ? 0 : longest + holdSlackMs;
  }

  private windowOf(fn: Parameters<EngineContext["flow"]["of"]>[0]): number {
    const { debounce, batch } = this.ctx.flow.of(fn);
    return Math.max(debounce ? Math.max(debounce.periodMs, debounce.timeoutMs ?? 0) : 0, batch?.timeoutMs ?? 0);
  }

  /** The events registers may hold: by name, or "all" when a holding function has a wildcard trigger. */
  private eventHold(): EventHold | "all" | undefined {
    const names = new Set<string>();
    for (const fn of this.ctx.registry.all()) {
      if (this.windowOf(fn) === 0) continue;
      for (const t of fn.config.triggers) {
        if (!("event" in t)) continue;
        if (t.event.includes("*")) return "all";
        names.add(t.event);
      }
    }
    return names.size === 0 ? undefined : { names: [...names], since: this.ctx.clock.now() - this.holdWindowMs() };
  }
}
