import type { Stores } from "@weft/store";
import type { HistogramSeries, LabelledHistogram } from "./labelled-histogram.js";

/** The backend a store object belongs to, from its class name (`SqliteQueue` → `sqlite`). */
function backendOf(store: object): string {
  const name = store.constructor?.name ?? "";
  const m = /^(Memory|Sqlite|Postgres|Redis|Sharded|Cached|Remote)/.exec(name);
  return m ? (m[1] as string).toLowerCase() : name === "Object" || name === "" ? "wrapped" : name;
}

/**
 * The stores with every promise-returning call timed into `histogram` ({backend, operation}, e.g.
 * `sqlite`, `queue.lease`): a thin decorator, like the layers in store-layers, that changes no
 * answer. Synchronous methods (`subscribe`) pass through untimed.
 */
export function timedStores<S extends Partial<Stores>>(stores: S, histogram: LabelledHistogram<"backend" | "operation">): S {
  const out: Record<string, unknown> = { ...stores };
  for (const [name, store] of Object.entries(stores)) {
    if (store === null || typeof store !== "object" || !["state", "pauses", "queue", "flow", "registry", "history"].includes(name)) continue;
    out[name] = timedStore(name, store as object, histogram);
  }
  return out as S;
}

/** Every method name of `store`, own or inherited (up to `Object.prototype`). */
function methodNames(store: object): string[] {
  const names = new Set<string>();
  for (let o: object | null = store; o && o !== Object.prototype; o = Object.getPrototypeOf(o) as object | null) {
    for (const key of Object.getOwnPropertyNames(o)) {
      const d = Object.getOwnPropertyDescriptor(o, key);
      if (key !== "constructor" && key !== "subscribe" && d && typeof d.value === "function") names.add(key);
    }
  }
  return [...names];
}

/**
 * An object inheriting from `store` whose methods are timed wrappers built once, here: a call costs
 * the wrapper and one `then`, with its histogram series already looked up (a Proxy `get` trap on
 * every property read cost more). Other properties read through to the store.
 *
 * The caller gets the store's own promise back, so timing adds no step to its `await`; the timing
 * hangs off it on the side, settling either way (a rejection still reaches the caller, and the side
 * branch, having handled it, raises no unhandled rejection of its own).
 */
function timedStore(storeName: string, store: object, histogram: LabelledHistogram<"backend" | "operation">): object {
  const backend = backendOf(store);
  const timed = Object.create(store) as Record<string, unknown>;
  for (const key of methodNames(store)) {
    const method = (store as Record<string, (...a: unknown[]) => unknown>)[key] as (...a: unknown[]) => unknown;
    // Looked up on the first timed call, so methods never called add no series to the scrape.
    let series: HistogramSeries | undefined;
    timed[key] = (...args: unknown[]) => {
      const started = performance.now();
      const result = method.apply(store, args);
      if (!(result instanceof Promise)) return result;
      series ??= histogram.series(backend, `${storeName}.${key}`);
      const s = series;
      const observe = () => s.observe((performance.now() - started) / 1000);
      result.then(observe, observe);
      return result;
    };
  }
  return timed;
}
