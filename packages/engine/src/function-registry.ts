import type { WeftEvent } from "@weft/core";
import type { FunctionRecord, RegistryStore } from "@weft/store";
import { deliversInternal, isInternalEvent, sourceFunctionOf, wildcardSeesInternal } from "./internal-triggers.js";

interface EventTrigger {
  fn: FunctionRecord;
  expression?: string;
}

/** A miss re-reads the functions at most this often (another process may have synced them). */
const missReloadMs = 500;

/**
 * The synced functions, indexed for trigger matching: exact names in a map, wildcard triggers
 * (`app/*`, `app/user.*`) as prefixes. Rebuilt from the registry store after a sync here, every
 * few seconds (syncs handled by other processes), and on a lookup miss.
 */
export class FunctionRegistry {
  private byId = new Map<string, FunctionRecord>();
  private exact = new Map<string, EventTrigger[]>();
  private prefixes: { prefix: string; trigger: EventTrigger }[] = [];
  private signature = "";
  private loadedAt = 0;
  private reading: Promise<boolean> | undefined;

  constructor(private readonly store: RegistryStore) {}

  /** Re-read the functions; answers whether they changed. Concurrent calls share one read. */
  reload(): Promise<boolean> {
    this.reading ??= this.read().finally(() => {
      this.reading = undefined;
    });
    return this.reading;
  }

  private async read(): Promise<boolean> {
    const startedAt = Date.now();
    const functions = await this.store.listFunctions();
    // When the read started: every sync acknowledged before then is in it.
    this.loadedAt = startedAt;
    const signature = JSON.stringify(functions.map((f) => [f.id, f.config]));
    if (signature === this.signature) return false;
    this.signature = signature;
    this.index(functions);
    return true;
  }

  /**
   * A function by id, re-reading once on a miss in case another process synced it. `fresh` makes
   * that re-read start after this call, even if the last one was moments ago: a run is failed on a
   * miss, so a process that has not yet seen a sibling's sync must look before it says "gone".
   */
  async lookup(id: string, opts: { fresh?: boolean } = {}): Promise<FunctionRecord | undefined> {
    const hit = this.byId.get(id);
    if (hit || (!opts.fresh && Date.now() - this.loadedAt < missReloadMs)) return hit;
    if (opts.fresh) await this.reading;
    await this.reload();
    return this.byId.get(id);
  }

  /** Re-read, unless the last read started after `ms` (wall-clock ms); answers whether one was made. */
  async refreshUnlessReadSince(ms: number): Promise<boolean> {
    if (this.loadedAt > ms) return false;
    await this.reading;
    await this.reload();
    return true;
  }

  private index(functions: FunctionRecord[]): void {
    const byId = new Map<string, FunctionRecord>();
    const exact = new Map<string, EventTrigger[]>();
    const prefixes: { prefix: string; trigger: EventTrigger }[] = [];
    for (const fn of functions) {
      byId.set(fn.id, fn);
      for (const t of fn.config.triggers) {
        if (!("event" in t)) continue;
        const trigger = { fn, expression: t.expression || undefined };
        if (t.event.endsWith("*")) prefixes.push({ prefix: t.event.slice(0, -1), trigger });
        else exact.set(t.event, [...(exact.get(t.event) ?? []), trigger]);
      }
    }
    this.byId = byId;
    this.exact = exact;
    this.prefixes = prefixes;
  }

  get(id: string): FunctionRecord | undefined {
    return this.byId.get(id);
  }

  all(): FunctionRecord[] {
    return [...this.byId.values()];
  }

  /**
   * Triggers whose event name matches; their `expression` is left for the caller to check.
   * Internal events reach only the triggers `internal-triggers.ts` allows (never `*`).
   */
  triggersFor(event: WeftEvent): EventTrigger[] {
    const exact = this.exact.get(event.name) ?? [];
    if (!isInternalEvent(event.name)) {
      const found = [...exact];
      for (const p of this.prefixes) if (event.name.startsWith(p.prefix)) found.push(p.trigger);
      return found;
    }
    const source = sourceFunctionOf(event);
    const sourceApp = source === undefined ? undefined : this.byId.get(source)?.appId;
    const found = exact.filter((t) => deliversInternal(event, t.fn, false, sourceApp));
    for (const p of this.prefixes) {
      if (wildcardSeesInternal(p.prefix) && event.name.startsWith(p.prefix) && deliversInternal(event, p.trigger.fn, true, sourceApp)) found.push(p.trigger);
    }
    return found;
  }
}
