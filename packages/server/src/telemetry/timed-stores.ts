import type { Stores } from "@weft/store";
import type { Histogram } from "prom-client";

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
export function timedStores<S extends Partial<Stores>>(stores: S, histogram: Histogram<"backend" | "operation">): S {
  const out: Record<string, unknown> = { ...stores };
  for (const [name, store] of Object.entries(stores)) {
    if (store === null || typeof store !== "object" || !["state", "pauses", "queue", "flow", "registry", "history"].includes(name)) continue;
    out[name] = timedStore(name, store as object, histogram);
  }
  return out as S;
}

function timedStore(storeName: string, store: object, histogram: Histogram<"backend" | "operation">): object {
  const backend = backendOf(store);
  const wrapped = new Map<string | symbol, unknown>();
  return new Proxy(store, {
    get(target, key) {
      const value = Reflect.get(target, key, target) as unknown;
      if (typeof value !== "function" || key === "constructor" || key === "subscribe") return value;
      let fn = wrapped.get(key);
      if (fn === undefined) {
        const child = histogram.labels(backend, `${storeName}.${String(key)}`);
        fn = function (this: unknown, ...args: unknown[]) {
          const started = performance.now();
          const result = (value as (...a: unknown[]) => unknown).apply(target, args);
          if (!(result instanceof Promise)) return result;
          const observe = () => child.observe((performance.now() - started) / 1000);
          return result.then(
            (v) => {
              observe();
              return v;
            },
            (e: unknown) => {
              observe();
              throw e;
            },
          );
        };
        wrapped.set(key, fn);
      }
      return fn;
    },
  });
}
