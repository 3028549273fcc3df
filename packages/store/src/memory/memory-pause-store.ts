import { canonicalJson, valueAtPath } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import { comparePauses } from "../pause-order.js";
import type { Pause, PauseStore } from "../pause-store.js";

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

  async savePause(pause: Pause): Promise<void> {
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

  async deletePause(id: string): Promise<void> {
    const pause = this.byId.get(id);
    if (pause === undefined) return;
    this.byId.delete(id);
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
