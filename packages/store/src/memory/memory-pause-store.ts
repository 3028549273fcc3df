import { canonicalJson, valueAtPath } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { comparePauses } from "../pause-order.js";
import { InvalidInputError } from "@weft/core";
import type { ClaimPauseOptions, Pause, PauseClaim, PauseStore } from "../pause-store.js";

/** The pauses of one (env, event name): those without a match key, and the rest by path → value. */
interface EventBucket {
  unindexed: Map<string, Pause>;
  byMatchKey: Map<string, Map<string, Map<string, Pause>>>;
}

/**
 * The reference `PauseStore`. A lookup reads one (env, event name) bucket, then one value per
 * distinct match path: it never scans pauses of other events or other match values.
 */
export class MemoryPauseStore implements PauseStore {
  private readonly byId = new Map<string, Pause>();
  private readonly byEvent = new Map<string, EventBucket>();
  private readonly byRun = new Map<string, Set<string>>();
  /** (env, exclusive key) → the id of the pause holding it. */
  private readonly holders = new Map<string, string>();

  async savePause(pause: Pause): Promise<void> {
    this.save(pause);
  }

  /** Synchronous, so a claim's check and writes run with nothing in between. */
  private save(pause: Pause): void {
    if (this.byId.has(pause.id)) return;
    const stored = structuredClone(pause);
    this.byId.set(stored.id, stored);
    getOrCreate(this.byRun, stored.runId, () => new Set<string>()).add(stored.id);
    const bucket = getOrCreate(this.byEvent, eventKey(stored.env, stored.eventName), () => ({
      unindexed: new Map<string, Pause>(),
      byMatchKey: new Map<string, Map<string, Map<string, Pause>>>(),
    }));
    if (stored.matchKey === undefined) {
      bucket.unindexed.set(stored.id, stored);
      return;
    }
    const byValue = getOrCreate(bucket.byMatchKey, stored.matchKey.path, () => new Map<string, Map<string, Pause>>());
    getOrCreate(byValue, stored.matchKey.value, () => new Map<string, Pause>()).set(stored.id, stored);
  }

  async findPauses(env: string, event: WeftEvent): Promise<Pause[]> {
    const bucket = this.byEvent.get(eventKey(env, event.name));
    if (bucket === undefined) return [];
    const found = [...bucket.unindexed.values()];
    for (const [path, byValue] of bucket.byMatchKey) {
      const value = valueAtPath(event, path);
      if (value === undefined) continue;
      const matches = byValue.get(canonicalJson(value));
      if (matches !== undefined) found.push(...matches.values());
    }
    return found.sort(comparePauses).map((p) => structuredClone(p));
  }

  async getPause(id: string): Promise<Pause | undefined> {
    const pause = this.byId.get(id);
    return pause === undefined ? undefined : structuredClone(pause);
  }

  async pausesOfRun(runId: string): Promise<Pause[]> {
    const ids = this.byRun.get(runId) ?? new Set<string>();
    const pauses = [...ids].flatMap((id) => {
      const p = this.byId.get(id);
      return p === undefined ? [] : [p];
    });
    return pauses.sort(comparePauses).map((p) => structuredClone(p));
  }

  async claimPause(pause: Pause, opts: ClaimPauseOptions): Promise<PauseClaim> {
    const key = claimKeyOf(pause);
    const holder = this.holderOf(key);
    if (holder?.id === pause.id) return { status: "claimed" };
    if (holder !== undefined && opts.onConflict === "fail" && opts.evict !== holder.id) return { status: "held", holder: structuredClone(holder) };
    if (holder !== undefined) this.delete(holder.id);
    // Stored without the key (a plain save): saved again as given, now holding it.
    this.delete(pause.id);
    this.save(pause);
    this.holders.set(key, pause.id);
    return holder === undefined ? { status: "claimed" } : { status: "claimed", replaced: structuredClone(holder) };
  }

  async claimPauseHolder(env: string, key: string): Promise<Pause | undefined> {
    const holder = this.holderOf(eventKey(env, key));
    return holder === undefined ? undefined : structuredClone(holder);
  }

  async countPauses(): Promise<number> {
    return this.byId.size;
  }

  private holderOf(key: string): Pause | undefined {
    const id = this.holders.get(key);
    return id === undefined ? undefined : this.byId.get(id);
  }

  async deletePause(id: string): Promise<void> {
    this.delete(id);
  }

  private delete(id: string): void {
    const pause = this.byId.get(id);
    if (pause === undefined) return;
    this.byId.delete(id);
    if (pause.exclusiveKey !== undefined) {
      const key = eventKey(pause.env, pause.exclusiveKey);
      if (this.holders.get(key) === id) this.holders.delete(key);
    }
    deleteFrom(this.byRun, pause.runId, (ids) => {
      ids.delete(id);
      return ids.size === 0;
    });
    const key = eventKey(pause.env, pause.eventName);
    deleteFrom(this.byEvent, key, (bucket) => {
      if (pause.matchKey === undefined) bucket.unindexed.delete(id);
      else {
        const { path, value } = pause.matchKey;
        deleteFrom(bucket.byMatchKey, path, (byValue) => {
          deleteFrom(byValue, value, (pauses) => {
            pauses.delete(id);
            return pauses.size === 0;
          });
          return byValue.size === 0;
        });
      }
      return bucket.unindexed.size === 0 && bucket.byMatchKey.size === 0;
    });
  }
}

function eventKey(env: string, eventName: string): string {
  return `${env}\u0000${eventName}`;
}

/** The (env, exclusive key) a claim is about; a pause without a key cannot claim. */
function claimKeyOf(pause: Pause): string {
  if (pause.exclusiveKey === undefined) throw new InvalidInputError(`pause ${pause.id}: claimPause needs an exclusiveKey`);
  return eventKey(pause.env, pause.exclusiveKey);
}

function getOrCreate<K, V>(map: Map<K, V>, key: K, make: () => V): V {
  let value = map.get(key);
  if (value === undefined) {
    value = make();
    map.set(key, value);
  }
  return value;
}

/** Apply `change` to an entry and drop the entry when `change` says it became empty. */
function deleteFrom<K, V>(map: Map<K, V>, key: K, change: (value: V) => boolean): void {
  const value = map.get(key);
  if (value !== undefined && change(value)) map.delete(key);
}
