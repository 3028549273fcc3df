import { ManualClock, MemoryRunStateStore, createMemoryStores } from "@weft/store";
import type { NewRun, RunState, SaveStepResult } from "@weft/store";
import { createCachedStores } from "@weft/store-layers";
import type { CachedStores } from "@weft/store-layers";
import { describe, expect, it } from "vitest";

/** The memory store, counting whole reads: a hit must not make one. */
class CountingStore extends MemoryRunStateStore {
  wholeReads = 0;
  /** When set, a save of `gate.stepId` waits for `gate.open` before doing anything (a slow write). */
  gate: { stepId: string; open: Promise<void> } | undefined;
  override async loadRun(runId: string): Promise<RunState | undefined> {
    this.wholeReads += 1;
    return super.loadRun(runId);
  }
  override async saveStep(runId: string, stepId: string, output: string): Promise<SaveStepResult> {
    if (this.gate?.stepId === stepId) await this.gate.open;
    return super.saveStep(runId, stepId, output);
  }
}

const clock = new ManualClock();
const big = (n: number) => JSON.stringify({ data: "x".repeat(n) });

function setup(opts: { maxBytes?: number; probeMinBytes?: number } = {}): { inner: CountingStore; cached: CachedStores } {
  const inner = new CountingStore({ clock });
  const cached = createCachedStores(
    { ...createMemoryStores({ clock }), state: inner },
    { maxBytes: opts.maxBytes ?? 1024 * 1024, probeMinBytes: opts.probeMinBytes ?? 0 },
  );
  return { inner, cached };
}

function newRun(runId: string, overrides: Partial<NewRun> = {}): NewRun {
  return {
    runId,
    idempotencyKey: `fn:${runId}`,
    functionId: "app-fn",
    appId: "app",
    env: "dev",
    events: [{ id: `evt-${runId}`, name: "app/x", data: { n: 1 }, user: {}, ts: clock.now() }],
    createdAt: clock.now(),
    maxAttempts: 4,
    ...overrides,
  };
}

/** A finished run with three steps, written straight to the inner store (another process's work). */
async function finishedRun(inner: MemoryRunStateStore, runId: string): Promise<void> {
  await inner.createRun(newRun(runId));
  for (const step of ["a", "b", "c"]) await inner.saveStep(runId, step, big(100));
  await inner.updateRun(runId, { version: 2 });
  await inner.finalize(runId, { status: "Completed", output: "null", endedAt: clock.now() });
}

describe("run-state cache", () => {
  it("counts hits and misses: a second load of a finished run is a hit, equal to the store's answer", async () => {
    const { inner, cached } = setup();
    await finishedRun(inner, "r1");
    const first = await cached.state.loadRun("r1");
    expect(cached.cacheStats()).toMatchObject({ hits: 0, misses: 1, entries: 1 });
    const second = await cached.state.loadRun("r1");
    expect(cached.cacheStats()).toMatchObject({ hits: 1, misses: 1, entries: 1 });
    expect(inner.wholeReads).toBe(1);
    expect(second).toEqual(first);
    expect(second).toEqual(await inner.loadRun("r1"));
    // Copied out: mutating an answer does not reach the cache.
    const data = second?.events[0]?.data;
    if (data) data.n = 99;
    second?.stack.push("z");
    expect(await cached.state.loadRun("r1")).toEqual(first);
  });

  it("init and close are the inner bundle's; close also empties the cache", async () => {
    const calls: string[] = [];
    const inner = new CountingStore({ clock });
    const cached = createCachedStores(
      { ...createMemoryStores({ clock }), state: inner, init: async () => void calls.push("init"), close: async () => void calls.push("close") },
      { maxBytes: 1024 * 1024, probeMinBytes: 0 },
    );
    await cached.init();
    await finishedRun(inner, "r1");
    await cached.state.loadRun("r1");
    expect(cached.cacheStats()).toMatchObject({ entries: 1 });
    await cached.close();
    expect(calls).toEqual(["init", "close"]);
    expect(cached.cacheStats()).toMatchObject({ entries: 0, bytes: 0 });
  });

  it("keeps its shape through its own writes, so loads during a run hit", async () => {
    const { inner, cached } = setup();
    await cached.state.createRun(newRun("r2"));
    await cached.state.saveStep("r2", "a", big(10));
    await cached.state.addPending("r2", ["b", "c", "a"]);
    await cached.state.saveStep("r2", "b", big(20));
    const loaded = await cached.state.loadRun("r2");
    expect(cached.cacheStats()).toMatchObject({ hits: 1, misses: 0 });
    expect(inner.wholeReads).toBe(0);
    expect(loaded).toEqual(await inner.loadRun("r2"));
    expect([...(loaded?.pending ?? [])]).toEqual(["c"]);
  });

  it("never serves a stale mutable part: another process's save, pending id, update or end is seen", async () => {
    const { inner, cached } = setup();
    await cached.state.createRun(newRun("r3"));
    await cached.state.saveStep("r3", "a", big(10));
    const check = async () => expect(await cached.state.loadRun("r3")).toEqual(await inner.loadRun("r3"));

    await inner.saveStep("r3", "b", big(10)); // straight to the store: the cache cannot know
    await check();
    await inner.addPending("r3", ["c"]);
    await check();
    await inner.updateRun("r3", { version: 7, forceStepPlan: false });
    await check(); // stack and pending unchanged: a hit, with fresh metadata
    await inner.finalize("r3", { status: "Cancelled", output: undefined, endedAt: clock.now() });
    await check();
    expect(cached.cacheStats()).toMatchObject({ hits: 2, misses: 2 });
  });

  it("never serves a value before the store confirmed it, nor one the store refused", async () => {
    const { inner, cached } = setup();
    await cached.state.createRun(newRun("r4"));
    await cached.state.saveStep("r4", "a", big(10));
    let release: () => void = () => {};
    inner.gate = {
      stepId: "b",
      open: new Promise((resolve) => {
        release = resolve;
      }),
    };
    const saving = cached.state.saveStep("r4", "b", '"mine"');
    const during = await Promise.race([cached.state.loadRun("r4"), saving.then(() => "saved first")]);
    expect(during).not.toBe("saved first");
    expect((during as RunState).steps.has("b")).toBe(false);
    inner.gate = undefined;
    release();
    await saving;
    expect((await cached.state.loadRun("r4"))?.steps.get("b")).toBe('"mine"');

    // Another process wrote "c" first: our different value is refused and must not be cached.
    await inner.saveStep("r4", "c", '"theirs"');
    await expect(cached.state.saveStep("r4", "c", '"mine"')).rejects.toThrow(/already holds a different result/);
    expect((await cached.state.loadRun("r4"))?.steps.get("c")).toBe('"theirs"');
    expect(await cached.state.loadRun("r4")).toEqual(await inner.loadRun("r4"));
  });

  it("honours its byte bound, evicting the least recently loaded run", async () => {
    const maxBytes = 40_000;
    const { inner, cached } = setup({ maxBytes });
    for (let i = 0; i < 30; i++) {
      await inner.createRun(newRun(`b${i}`));
      await inner.saveStep(`b${i}`, "a", big(3_000));
      await cached.state.loadRun(`b${i}`);
      expect(cached.cacheStats().bytes).toBeLessThanOrEqual(maxBytes);
    }
    const { entries } = cached.cacheStats();
    expect(entries).toBeGreaterThan(1);
    expect(entries).toBeLessThan(30);
    await cached.state.loadRun("b29"); // recent: still held
    expect(cached.cacheStats().hits).toBe(1);
    await cached.state.loadRun("b0"); // long evicted
    expect(cached.cacheStats()).toMatchObject({ hits: 1, misses: 31 });

    // A run bigger than the whole budget is never held.
    await inner.createRun(newRun("huge"));
    await inner.saveStep("huge", "a", big(maxBytes));
    await cached.state.loadRun("huge");
    await cached.state.loadRun("huge");
    expect(cached.cacheStats()).toMatchObject({ hits: 1, misses: 33 });
    expect(cached.cacheStats().bytes).toBeLessThanOrEqual(maxBytes);
  });

  it("deleteRun evicts; a different run under the same id is not served from the cache", async () => {
    const { inner, cached } = setup();
    await finishedRun(inner, "r5");
    await cached.state.loadRun("r5");
    await cached.state.deleteRun("r5", 60_000);
    expect(cached.cacheStats().entries).toBe(0);
    expect(await cached.state.loadRun("r5")).toBeUndefined();

    await finishedRun(inner, "r6");
    await cached.state.loadRun("r6");
    await inner.deleteRun("r6", 0); // another process deletes it and makes a new run with its id
    await inner.createRun(newRun("r6", { idempotencyKey: "other", createdAt: clock.now() + 1 }));
    await inner.saveStep("r6", "c", big(100));
    expect(await cached.state.loadRun("r6")).toEqual(await inner.loadRun("r6"));
    expect(cached.cacheStats().hits).toBe(0);
  });

  it("reads small runs whole: below probeMinBytes a check would cost more than it saves", async () => {
    const { inner, cached } = setup({ probeMinBytes: 16 * 1024 });
    await finishedRun(inner, "small");
    await cached.state.loadRun("small");
    await cached.state.loadRun("small");
    expect(cached.cacheStats()).toMatchObject({ hits: 0, misses: 2 });
    await inner.createRun(newRun("large"));
    await inner.saveStep("large", "a", big(20_000));
    await cached.state.loadRun("large");
    await cached.state.loadRun("large");
    expect(cached.cacheStats()).toMatchObject({ hits: 1, misses: 3 });
  });
});
