import type { FunctionConfig, WeftEvent } from "@weft/core";
import type { Clock, FlowStore, FunctionRecord } from "@weft/store";
import { flowControlOf, type FlowControl } from "./flow-config.js";
import { keyValue, numericValue } from "./flow-keys.js";

const yearMs = 366 * 24 * 3600_000;
/** A concurrency slot outlives a crashed holder by at most this long; live holders re-take it. */
const slotLeaseMs = 60_000;
const priorityBoundSeconds = 600;

export type Admission = { ok: true } | { ok: false; reason: string };

/**
 * Flow control over the `FlowStore`, so every engine process enforces one set of limits. Keys are
 * built here and nowhere else; the store only counts.
 */
export class FlowController {
  private readonly parsed = new WeakMap<FunctionConfig, FlowControl>();

  constructor(
    /** The shared primitives; the batcher uses them directly. */
    readonly store: FlowStore,
    private readonly clock: Clock,
    private readonly env: string,
  ) {}

  of(fn: FunctionRecord): FlowControl {
    let control = this.parsed.get(fn.config);
    if (!control) {
      control = flowControlOf(fn.config);
      this.parsed.set(fn.config, control);
    }
    return control;
  }

  async isPaused(functionId: string): Promise<boolean> {
    return (await this.store.get(`paused:${functionId}`, this.clock.now())) !== undefined;
  }

  /** Pause (no new runs start; running ones go on) or resume a function. */
  async setPaused(functionId: string, paused: boolean): Promise<void> {
    const key = `paused:${functionId}`;
    if (paused) {
      await this.store.put(key, "1", Number.MAX_SAFE_INTEGER);
      return;
    }
    const current = await this.store.get(key, this.clock.now());
    if (current) await this.store.deleteIf(key, current.version);
  }

  /** The idempotency key of a run: per event id, or per the `idempotency` expression's value. */
  idempotencyKey(fn: FunctionRecord, event: WeftEvent): string {
    const expression = this.of(fn).idempotency;
    return expression ? `${fn.id}:idem:${keyValue(expression, event)}` : `${fn.id}:${event.id}`;
  }

  /** Seconds a run is moved ahead in the queue (`priority.run`), bounded to ±10 minutes. */
  priorityMs(fn: FunctionRecord, event: WeftEvent): number {
    return numericValue(this.of(fn).priority, event, priorityBoundSeconds) * 1000;
  }

  /**
   * May this new run start? Rate limits drop runs over the limit; a singleton with `skip` drops a
   * run while another holds the key, with `cancel` it cancels the holders first.
   */
  async admit(fn: FunctionRecord, runId: string, event: WeftEvent, cancel: (runId: string) => Promise<unknown>): Promise<Admission> {
    const control = this.of(fn);
    const now = this.clock.now();
    if (control.rateLimit) {
      const { limit, periodMs } = control.rateLimit;
      const key = `rate:${fn.id}:${keyValue(control.rateLimit.key, event)}`;
      if (!(await this.store.takeToken(key, { limit, periodMs, burst: 0 }, now)).allowed) return { ok: false, reason: "rate limit reached" };
    }
    if (control.singleton) {
      const key = this.singletonKey(fn, event);
      if (await this.store.acquireSlot(key, runId, 1, now + yearMs, now)) return { ok: true };
      if (control.singleton.mode === "skip") return { ok: false, reason: "singleton: another run holds the key" };
      for (const holder of await this.store.slotHolders(key, now)) {
        await cancel(holder);
        await this.store.releaseSlot(key, holder);
      }
      if (!(await this.store.acquireSlot(key, runId, 1, now + yearMs, now))) return { ok: false, reason: "singleton: lost the race for the key" };
    }
    return { ok: true };
  }

  /** A run ended: give back what it held for its whole life (the singleton key). */
  async finished(fn: FunctionRecord | undefined, runId: string, event: WeftEvent | undefined): Promise<void> {
    if (fn && event && this.of(fn).singleton) await this.store.releaseSlot(this.singletonKey(fn, event), runId);
  }

  private singletonKey(fn: FunctionRecord, event: WeftEvent): string {
    return `singleton:${fn.id}:${keyValue(this.of(fn).singleton?.key, event)}`;
  }

  /** Throttle: when this run may start, or undefined if now. Checked before a run's first call. */
  async throttledUntil(fn: FunctionRecord, event: WeftEvent): Promise<number | undefined> {
    const throttle = this.of(fn).throttle;
    if (!throttle) return undefined;
    const key = `throttle:${fn.id}:${keyValue(throttle.key, event)}`;
    const { allowed, retryAt } = await this.store.takeToken(key, throttle, this.clock.now());
    return allowed ? undefined : retryAt;
  }

  /**
   * Concurrency: take a slot of each limit (at most two) for one call. Answers the keys taken, or
   * undefined when a limit is saturated (nothing is kept then). Taking again by the same holder
   * extends the slots, so a job calling step after step keeps them.
   */
  async acquire(fn: FunctionRecord, event: WeftEvent, holder: string): Promise<string[] | undefined> {
    const limits = this.of(fn).concurrency;
    if (limits.length === 0) return [];
    const now = this.clock.now();
    const taken: string[] = [];
    for (const c of limits) {
      const scope = c.scope === "fn" ? `fn:${fn.id}` : c.scope === "env" ? `env:${this.env}` : "account";
      const key = `conc:${scope}:${c.key ?? ""}:${keyValue(c.key, event)}`;
      if (!(await this.store.acquireSlot(key, holder, c.limit, now + slotLeaseMs, now))) {
        await this.release(taken, holder);
        return undefined;
      }
      taken.push(key);
    }
    return taken;
  }

  async release(keys: string[], holder: string): Promise<void> {
    for (const key of keys) await this.store.releaseSlot(key, holder);
  }

  /**
   * Debounce: remember this event as the latest for its key and answer when (and with which
   * register version) the run should start. Each new event pushes the start back by `period`, but
   * never past `timeout` after the first one.
   */
  async debounce(fn: FunctionRecord, event: WeftEvent, internalId: string): Promise<{ timer?: { key: string; version: number; fireAt: number } } | undefined> {
    const debounce = this.of(fn).debounce;
    if (!debounce) return undefined;
    const key = `debounce:${fn.id}:${keyValue(debounce.key, event)}`;
    // Compare-and-set, so events handled at once by several workers keep the one received last.
    for (;;) {
      const now = this.clock.now();
      const previous = await this.store.get(key, now);
      const held = previous ? (JSON.parse(previous.value) as { first: number; internalId: string }) : undefined;
      if (held && held.internalId > internalId) return {}; // a later event already holds the key
      const first = held?.first ?? now;
      const deadline = debounce.timeoutMs ? first + debounce.timeoutMs : Number.MAX_SAFE_INTEGER;
      const fireAt = Math.min(now + debounce.periodMs, deadline);
      const version = await this.store.putIf(key, JSON.stringify({ first, event, internalId }), fireAt + yearMs, previous?.version, now);
      if (version !== undefined) return { timer: { key, version, fireAt } };
    }
  }

  /** A debounce timer fired: the event to start with, if no newer event replaced it meanwhile. */
  async takeDebounced(key: string, version: number): Promise<{ event: WeftEvent; internalId: string } | undefined> {
    const current = await this.store.get(key, this.clock.now());
    if (!current || current.version !== version) return undefined;
    const { event, internalId } = JSON.parse(current.value) as { event: WeftEvent; internalId: string };
    return (await this.store.deleteIf(key, version)) ? { event, internalId } : undefined;
  }
}
