import type { WeftEvent } from "@weft/core";
import type { FunctionRecord, HistoryStore } from "@weft/store";

interface EventTrigger {
  fn: FunctionRecord;
  expression?: string;
}

/**
 * The synced functions, indexed for trigger matching: exact names in a map, wildcard triggers
 * (`app/*`, `app/user.*`) as prefixes. Rebuilt from the history store after every sync.
 */
export class FunctionRegistry {
  private byId = new Map<string, FunctionRecord>();
  private exact = new Map<string, EventTrigger[]>();
  private prefixes: { prefix: string; trigger: EventTrigger }[] = [];

  constructor(private readonly history: HistoryStore) {}

  async reload(): Promise<void> {
    this.index(await this.history.listFunctions());
  }

  index(functions: FunctionRecord[]): void {
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

  /** Triggers whose event name matches; their `expression` is left for the caller to check. */
  triggersFor(event: WeftEvent): EventTrigger[] {
    const found = [...(this.exact.get(event.name) ?? [])];
    for (const p of this.prefixes) if (event.name.startsWith(p.prefix)) found.push(p.trigger);
    return found;
  }
}
