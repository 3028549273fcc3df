import type { WeftEvent } from "@weft/core";
import type { CreateRunResult, FinalOutcome, NewRun, RunMetadata, RunState, RunStateStore, SaveStepResult } from "@weft/store";
import { ByteLru } from "./byte-lru.js";

export interface CacheStats {
  /** `loadRun` calls answered from the cache (after checking with the inner store). */
  hits: number;
  /** `loadRun` calls answered by the inner store (a whole read, or the run found gone). */
  misses: number;
  /** Estimated bytes held (2 per UTF-16 code unit of the strings kept, plus a fixed overhead). */
  bytes: number;
  /** Runs held. */
  entries: number;
}

export interface CacheOptions {
  /** The byte budget; least recently loaded runs are dropped past it. */
  maxBytes: number;
  /**
   * Runs whose cached bytes are below this are always read whole: checking a cached run costs two
   * small round trips, which only beats one whole read when the run is big. Default 128 KiB of
   * estimated bytes (about 64 KiB of JSON text): the break-even measured on loopback Redis and
   * Postgres was 50–100 KiB of text (see the README), and a real network only makes whole reads dearer.
   */
  probeMinBytes?: number;
}

const defaultProbeMinBytes = 128 * 1024;
const entryOverheadBytes = 256;
/** Per id on the stack or pending set: ids are fixed-length hashes, so they are counted, not measured. */
const idBytes = 96;

/** The stack and pending set of a run, as the inner store confirmed them at one moment. */
interface Shape {
  readonly stack: readonly string[];
  readonly pending: ReadonlySet<string>;
}

interface CachedRun {
  /** The immutable metadata fields as JSON: a different value means another run under this id. */
  identity: string;
  /** Immutable once the run exists. */
  events: WeftEvent[];
  eventsChars: number;
  /** Write-once step values the inner store confirmed (saved or loaded). */
  values: Map<string, string>;
  /** Characters of `values`' ids and values, kept as they are added so sizing a run stays O(1). */
  valueChars: number;
  /** A past true shape, or undefined when unknown. Never served without checking it is still true. */
  shape: Shape | undefined;
}

/**
 * A `RunStateStore` that keeps the immutable parts of runs (trigger events, step values) and still
 * never answers with a stale mutable part (metadata, stack, pending set, which steps exist).
 *
 * The contract has no read of a run's stack without its values, so a cached run is checked with
 * two cheap calls before it is used:
 *
 * 1. `loadMetadata`: the metadata, always fresh (and its immutable fields must match: same run).
 * 2. `saveStep` of the cached stack's last step with its own value: write-once makes this a read
 *    that changes nothing and answers `idempotent` with the current stack length and pending count.
 *
 * Stacks only grow and pending ids leave only when their step is saved, so if both numbers equal the
 * cached shape's, no step was saved and no pending id added since that shape was true: the stack
 * and pending set are exactly the cached ones, and with the metadata read in step 1 they are the
 * run's state at that moment. Otherwise the run is read whole (a miss).
 *
 * A value is cached only after the inner store confirmed it: after `saveStep` returned, or as read
 * from `loadRun`. `deleteRun` evicts.
 */
export class CachedRunStateStore implements RunStateStore {
  private readonly lru: ByteLru<CachedRun>;
  private readonly probeMinBytes: number;
  private hits = 0;
  private misses = 0;

  constructor(
    private readonly inner: RunStateStore,
    opts: CacheOptions,
  ) {
    this.lru = new ByteLru(opts.maxBytes);
    this.probeMinBytes = opts.probeMinBytes ?? defaultProbeMinBytes;
  }

  stats(): CacheStats {
    return { hits: this.hits, misses: this.misses, bytes: this.lru.bytes, entries: this.lru.size };
  }

  /** Drop every cached entry (the bundle's `close()` does, so the memory goes with the connection). */
  clear(): void {
    this.lru.clear();
  }

  async createRun(run: NewRun): Promise<CreateRunResult> {
    const result = await this.inner.createRun(run);
    if (result.status === "created") {
      const { events, ...rest } = run;
      this.store(run.runId, {
        identity: identityOf(rest),
        events: structuredClone(events),
        eventsChars: JSON.stringify(events).length,
        values: new Map(),
        valueChars: 0,
        shape: { stack: [], pending: new Set() },
      });
    }
    return result;
  }

  async loadRun(runId: string): Promise<RunState | undefined> {
    const cached = this.lru.get(runId);
    if (cached?.shape !== undefined && cached.shape.stack.length > 0 && this.bytesOf(runId) >= this.probeMinBytes) {
      const checked = await this.check(runId, cached, cached.shape);
      if (checked !== "stale") {
        // A run found gone is a miss too: the answer came from the store, not the cache.
        if (checked === undefined) {
          this.lru.delete(runId);
          this.misses += 1;
        } else this.hits += 1;
        return checked;
      }
    }
    this.misses += 1;
    const state = await this.inner.loadRun(runId);
    if (state === undefined) this.lru.delete(runId);
    else this.remember(state);
    return state;
  }

  loadMetadata(runId: string): Promise<RunMetadata | undefined> {
    return this.inner.loadMetadata(runId);
  }

  async saveStep(runId: string, stepId: string, output: string): Promise<SaveStepResult> {
    const result = await this.inner.saveStep(runId, stepId, output);
    const cached = this.lru.peek(runId);
    if (cached === undefined) return result;
    if (!cached.values.has(stepId)) {
      cached.values.set(stepId, output);
      cached.valueChars += stepId.length + output.length;
    }
    cached.shape = shapeAfterSave(cached.shape, stepId, result);
    this.lru.resize(runId, sizeOf(cached));
    return result;
  }

  async addPending(runId: string, stepIds: string[]): Promise<void> {
    await this.inner.addPending(runId, stepIds);
    const cached = this.lru.peek(runId);
    const shape = cached?.shape;
    if (cached === undefined || shape === undefined) return;
    // What the store did if nothing else changed the run: add the ids without a result. If
    // something did, the next check sees a stack or pending count this shape does not have.
    const saved = new Set(shape.stack);
    cached.shape = { stack: shape.stack, pending: new Set([...shape.pending, ...stepIds.filter((id) => !saved.has(id))]) };
    this.lru.resize(runId, sizeOf(cached));
  }

  updateRun(runId: string, patch: { version?: number; forceStepPlan?: boolean }): Promise<void> {
    return this.inner.updateRun(runId, patch);
  }

  finalize(runId: string, outcome: FinalOutcome): Promise<boolean> {
    return this.inner.finalize(runId, outcome);
  }

  async deleteRun(runId: string, tombstoneTtlMs: number): Promise<void> {
    await this.inner.deleteRun(runId, tombstoneTtlMs);
    this.lru.delete(runId);
  }

  /** The cached run if its shape is still true (fresh metadata added), undefined if the run is gone. */
  private async check(runId: string, cached: CachedRun, shape: Shape): Promise<RunState | undefined | "stale"> {
    const metadata = await this.inner.loadMetadata(runId);
    if (metadata === undefined) return undefined;
    if (identityOf(metadata) !== cached.identity) return "stale";
    const last = shape.stack.at(-1) as string;
    const value = cached.values.get(last);
    if (value === undefined) return "stale";
    let probe: SaveStepResult;
    try {
      probe = await this.inner.saveStep(runId, last, value);
    } catch {
      return "stale"; // deleted, or another run under this id since: read it whole
    }
    if (probe.status !== "idempotent" || probe.stackLength !== shape.stack.length || probe.pendingRemaining !== shape.pending.size) {
      return "stale";
    }
    const steps = new Map<string, string>();
    for (const id of shape.stack) {
      const stepValue = cached.values.get(id);
      if (stepValue === undefined) return "stale";
      steps.set(id, stepValue);
    }
    return { metadata, events: structuredClone(cached.events), steps, stack: [...shape.stack], pending: new Set(shape.pending) };
  }

  /** Keep what a whole read returned: its values are confirmed, its shape was true when read. */
  private remember(state: RunState): void {
    const identity = identityOf(state.metadata);
    const known = this.lru.peek(state.metadata.runId);
    const same = known !== undefined && known.identity === identity;
    this.store(state.metadata.runId, {
      identity,
      events: same ? known.events : structuredClone(state.events),
      eventsChars: same ? known.eventsChars : JSON.stringify(state.events).length,
      values: new Map(state.steps),
      valueChars: [...state.steps].reduce((sum, [id, value]) => sum + id.length + value.length, 0),
      shape: { stack: [...state.stack], pending: new Set(state.pending) },
    });
  }

  private store(runId: string, cached: CachedRun): void {
    this.lru.set(runId, cached, sizeOf(cached));
  }

  private bytesOf(runId: string): number {
    const cached = this.lru.peek(runId);
    return cached === undefined ? 0 : sizeOf(cached);
  }
}

/**
 * The shape after a save this process made, when the save's answer proves it; else undefined.
 * `saved` at stack length n+1 means our step went right after the n known ones; the pending count
 * then tells whether anything else was added meanwhile. `idempotent` with unchanged counts means
 * nothing changed at all.
 */
function shapeAfterSave(shape: Shape | undefined, stepId: string, result: SaveStepResult): Shape | undefined {
  if (shape === undefined) return undefined;
  if (result.status === "idempotent") {
    return result.stackLength === shape.stack.length && result.pendingRemaining === shape.pending.size ? shape : undefined;
  }
  if (result.stackLength !== shape.stack.length + 1) return undefined;
  const pending = new Set(shape.pending);
  pending.delete(stepId);
  return result.pendingRemaining === pending.size ? { stack: [...shape.stack, stepId], pending } : undefined;
}

function identityOf(m: Omit<NewRun, "events">): string {
  return JSON.stringify([m.runId, m.idempotencyKey, m.functionId, m.appId, m.env, m.createdAt, m.maxAttempts, m.correlationId ?? null]);
}

function sizeOf(cached: CachedRun): number {
  const ids = (cached.shape?.stack.length ?? 0) + (cached.shape?.pending.size ?? 0) + cached.values.size;
  return 2 * (cached.identity.length + cached.eventsChars + cached.valueChars) + ids * idBytes + entryOverheadBytes;
}
