import { parseDuration, type FunctionConfig } from "@weft/core";

export interface ConcurrencyLimit {
  limit: number;
  /** CEL over `event`; absent: one limit for the whole scope. */
  key?: string;
  scope: "fn" | "env" | "account";
}

export interface RateOption {
  limit: number;
  periodMs: number;
  key?: string;
  burst: number;
}

/** A function's flow-control options, read from its registered config (Inngest's shapes). */
export interface FlowControl {
  concurrency: ConcurrencyLimit[];
  throttle?: RateOption;
  rateLimit?: RateOption;
  debounce?: { periodMs: number; key?: string; timeoutMs?: number };
  singleton?: { mode: "skip" | "cancel"; key?: string };
  idempotency?: string;
  priority?: string;
  timeouts: { startMs?: number; finishMs?: number };
  batch?: { maxSize: number; timeoutMs: number; key?: string; if?: string };
}

type Raw = Record<string, unknown>;

function isRaw(v: unknown): v is Raw {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === "string" && v !== "" ? v : undefined;
}

function duration(v: unknown): number | undefined {
  if (typeof v === "number") return v;
  const s = str(v);
  return s === undefined ? undefined : parseDuration(s);
}

function concurrencyOf(v: unknown): ConcurrencyLimit[] {
  const list = Array.isArray(v) ? v : v === undefined ? [] : [v];
  return list
    .map((c): ConcurrencyLimit | undefined => {
      if (typeof c === "number") return c > 0 ? { limit: c, scope: "fn" } : undefined;
      if (!isRaw(c) || typeof c.limit !== "number" || c.limit <= 0) return undefined;
      const scope = c.scope === "env" || c.scope === "account" ? c.scope : "fn";
      return { limit: c.limit, key: str(c.key), scope };
    })
    .filter((c): c is ConcurrencyLimit => c !== undefined)
    .slice(0, 2);
}

function rateOf(v: unknown): RateOption | undefined {
  if (!isRaw(v) || typeof v.limit !== "number" || v.limit <= 0) return undefined;
  const periodMs = duration(v.period);
  if (!periodMs) return undefined;
  return { limit: v.limit, periodMs, key: str(v.key), burst: typeof v.burst === "number" ? v.burst : 0 };
}

/** Parse once per function version; unknown or malformed options are ignored, never fatal. */
export function flowControlOf(config: FunctionConfig): FlowControl {
  const debounce = isRaw(config.debounce) ? config.debounce : undefined;
  const singleton = isRaw(config.singleton) ? config.singleton : undefined;
  const timeouts = isRaw(config.timeouts) ? config.timeouts : {};
  const priority = isRaw(config.priority) ? config.priority : undefined;
  const batch = isRaw(config.batchEvents) ? config.batchEvents : undefined;
  const batchTimeout = batch ? duration(batch.timeout) : undefined;
  const debouncePeriod = debounce ? duration(debounce.period) : undefined;
  return {
    concurrency: concurrencyOf(config.concurrency),
    throttle: rateOf(config.throttle),
    rateLimit: rateOf(config.rateLimit),
    debounce: debouncePeriod ? { periodMs: debouncePeriod, key: str(debounce?.key), timeoutMs: duration(debounce?.timeout) } : undefined,
    singleton: singleton ? { mode: singleton.mode === "cancel" ? "cancel" : "skip", key: str(singleton.key) } : undefined,
    idempotency: str(config.idempotency),
    priority: priority ? str(priority.run) : undefined,
    timeouts: { startMs: duration(timeouts.start), finishMs: duration(timeouts.finish) },
    batch:
      batch && typeof batch.maxSize === "number" && batch.maxSize > 0 && batchTimeout !== undefined
        ? { maxSize: batch.maxSize, timeoutMs: batchTimeout, key: str(batch.key), if: str(batch.if) }
        : undefined,
  };
}
