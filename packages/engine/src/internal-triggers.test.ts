// Internal events and triggers: `*` never sees them, an `inngest/` wildcard sees its own app's only,
// an exact name sees every app's, and no function is started by the end of its own runs.
import type { FunctionConfig, WeftEvent } from "@weft/core";
import { createMemoryStores, type FunctionRecord } from "@weft/store";
import { describe, expect, it } from "vitest";
import { FunctionRegistry } from "./function-registry.js";
import { emitsLifecycleEvents } from "./internal-triggers.js";

function fn(appId: string, id: string, ...events: string[]): FunctionRecord {
  const config: FunctionConfig = {
    id: `${appId}-${id}`,
    triggers: events.map((event) => ({ event })),
    steps: { step: { id: "step", name: "step", runtime: { type: "http", url: "http://127.0.0.1:1/" } } },
  };
  return { id: `${appId}-${id}`, appId, name: id, config };
}

async function registry(...fns: FunctionRecord[]): Promise<FunctionRegistry> {
  const store = createMemoryStores().registry;
  for (const appId of new Set(fns.map((f) => f.appId)))
    await store.replaceFunctions(
      appId,
      fns.filter((f) => f.appId === appId),
    );
  const reg = new FunctionRegistry(store);
  await reg.reload();
  return reg;
}

const finished = (functionId: string, name = "inngest/function.finished"): WeftEvent => ({
  id: "e",
  name,
  data: { function_id: functionId, run_id: "r" },
  user: {},
  ts: 0,
});
const started = (reg: FunctionRegistry, e: WeftEvent) =>
  reg
    .triggersFor(e)
    .map((t) => t.fn.id)
    .sort();

describe("which triggers an internal event reaches", () => {
  it("`*` and non-internal wildcards never; user events still reach them", async () => {
    const reg = await registry(fn("a", "all", "*"), fn("a", "app", "app/*"), fn("a", "inn", "inngest*"), fn("a", "worker", "app/go"));
    expect(started(reg, finished("a-worker"))).toEqual([]);
    expect(started(reg, finished("a-worker", "inngest/function.failed"))).toEqual([]);
    expect(started(reg, { ...finished("a-worker"), name: "app/go" })).toEqual(["a-all", "a-app", "a-worker"]);
  });

  it("an exact name reaches every app's internal events, but never those of the function's own runs", async () => {
    const reg = await registry(fn("a", "watch", "inngest/function.finished"), fn("b", "watch", "inngest/function.finished"), fn("b", "job", "b/go"));
    expect(started(reg, finished("b-job"))).toEqual(["a-watch", "b-watch"]);
    expect(started(reg, finished("a-watch"))).toEqual(["b-watch"]);
    expect(started(reg, finished("b-watch"))).toEqual(["a-watch"]);
  });

  it("an `inngest/` wildcard reaches its own app's internal events only, never its own runs'", async () => {
    const reg = await registry(fn("a", "inn", "inngest/*"), fn("a", "fns", "inngest/function.*"), fn("a", "job", "a/go"), fn("b", "job", "b/go"));
    expect(started(reg, finished("a-job", "inngest/function.cancelled"))).toEqual(["a-fns", "a-inn"]);
    expect(started(reg, finished("b-job"))).toEqual([]);
    expect(started(reg, finished("a-inn"))).toEqual(["a-fns"]);
    expect(started(reg, finished("gone"))).toEqual([]);
  });

  it("a run started by a lifecycle event emits none (ends cannot trigger ends forever)", () => {
    expect(emitsLifecycleEvents([finished("x")])).toBe(false);
    expect(emitsLifecycleEvents([finished("x", "inngest/function.failed")])).toBe(false);
    expect(emitsLifecycleEvents([{ ...finished("x"), name: "inngest/function.invoked" }])).toBe(true);
    expect(emitsLifecycleEvents([{ ...finished("x"), name: "app/go" }])).toBe(true);
  });
});
