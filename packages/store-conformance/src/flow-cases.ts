import { expect } from "vitest";
import type { DefineFlowCase } from "./case-context.js";

/** `n` calls started together, so backends with a pool really race them. */
function race<T>(n: number, call: (i: number) => Promise<T>): Promise<T[]> {
  return Promise.all(Array.from({ length: n }, (_, i) => call(i)));
}

function sorted(values: readonly string[]): string[] {
  return [...values].sort();
}

/**
 * The `FlowStore` contract. Expected numbers are the reference's (`MemoryFlowStore`, whose `gcra()`
 * every backend must reproduce to the millisecond), worked out by hand in the comments.
 */
export function flowCases(test: DefineFlowCase): void {
  test("acquireSlot: of 20 concurrent holders on a limit of 3, exactly 3 get a slot", async ({ flow, clock }) => {
    const now = clock.now();
    const got = await race(20, (i) => flow.acquireSlot("fn-a", `h${i}`, 3, now + 60_000, now));
    const winners = got.flatMap((ok, i) => (ok ? [`h${i}`] : []));
    expect(winners).toHaveLength(3);
    expect(sorted(await flow.slotHolders("fn-a", now))).toEqual(sorted(winners));
    // Full: a 21st holder is refused too.
    expect(await flow.acquireSlot("fn-a", "late", 3, now + 60_000, now)).toBe(false);
  });

  test("acquireSlot: a holder taking its slot again is answered true, even when full, and its expiry moves", async ({ flow, clock }) => {
    const t = clock.now();
    expect(await flow.acquireSlot("fn-a", "h1", 1, t + 1_000, t)).toBe(true);
    expect(await flow.acquireSlot("fn-a", "h2", 1, t + 1_000, t)).toBe(false);
    expect(await flow.acquireSlot("fn-a", "h1", 1, t + 5_000, t)).toBe(true);
    expect(await flow.slotHolders("fn-a", t)).toEqual(["h1"]);
    // Past the first expiry the slot still holds: the second acquire replaced it.
    clock.advance(2_000);
    expect(await flow.slotHolders("fn-a", clock.now())).toEqual(["h1"]);
    expect(await flow.acquireSlot("fn-a", "h2", 1, clock.now() + 1_000, clock.now())).toBe(false);
    clock.set(t + 5_000);
    expect(await flow.acquireSlot("fn-a", "h2", 1, clock.now() + 1_000, clock.now())).toBe(true);
    expect(await flow.slotHolders("fn-a", clock.now())).toEqual(["h2"]);
  });

  test("acquireSlot: expired holders do not count, and slotHolders lists only live ones", async ({ flow, clock }) => {
    const t = clock.now();
    expect(await flow.acquireSlot("fn-a", "h1", 2, t + 1_000, t)).toBe(true);
    expect(await flow.acquireSlot("fn-a", "h2", 2, t + 3_000, t)).toBe(true);
    expect(await flow.acquireSlot("fn-a", "h3", 2, t + 3_000, t)).toBe(false);
    expect(sorted(await flow.slotHolders("fn-a", t))).toEqual(["h1", "h2"]);
    expect(sorted(await flow.slotHolders("fn-a", t + 999))).toEqual(["h1", "h2"]);
    // A slot has expired at its expiry time exactly, not a millisecond later.
    clock.set(t + 1_000);
    expect(await flow.slotHolders("fn-a", clock.now())).toEqual(["h2"]);
    expect(await flow.acquireSlot("fn-a", "h3", 2, t + 10_000, clock.now())).toBe(true);
    expect(await flow.acquireSlot("fn-a", "h4", 2, t + 10_000, clock.now())).toBe(false);
    expect(sorted(await flow.slotHolders("fn-a", clock.now()))).toEqual(["h2", "h3"]);
    clock.set(t + 3_000);
    expect(await flow.slotHolders("fn-a", clock.now())).toEqual(["h3"]);
    expect(await flow.slotHolders("no-such-key", clock.now())).toEqual([]);
  });

  test("releaseSlot frees one slot; releasing a slot not held is no error", async ({ flow, clock }) => {
    const now = clock.now();
    const until = now + 60_000;
    expect(await flow.acquireSlot("fn-a", "h1", 2, until, now)).toBe(true);
    expect(await flow.acquireSlot("fn-a", "h2", 2, until, now)).toBe(true);
    expect(await flow.acquireSlot("fn-a", "h3", 2, until, now)).toBe(false);
    await flow.releaseSlot("fn-a", "h1");
    expect(await flow.slotHolders("fn-a", now)).toEqual(["h2"]);
    expect(await flow.acquireSlot("fn-a", "h3", 2, until, now)).toBe(true);
    expect(await flow.acquireSlot("fn-a", "h4", 2, until, now)).toBe(false);
    await flow.releaseSlot("fn-a", "nobody");
    await flow.releaseSlot("no-such-key", "h2");
    await flow.releaseSlot("fn-a", "h1"); // twice
    expect(sorted(await flow.slotHolders("fn-a", now))).toEqual(["h2", "h3"]);
    await flow.releaseSlot("fn-a", "h2");
    await flow.releaseSlot("fn-a", "h3");
    expect(await flow.slotHolders("fn-a", now)).toEqual([]);
    expect(await flow.acquireSlot("fn-a", "h4", 2, until, now)).toBe(true);
  });

  test("slots of different keys are independent, whatever characters the keys hold", async ({ flow, clock }) => {
    const now = clock.now();
    const until = now + 60_000;
    const keys = ["fn-a", "fn-a:{user-1}:50%", ""];
    for (const key of keys) expect(await flow.acquireSlot(key, "h1", 1, until, now), key).toBe(true);
    for (const key of keys) expect(await flow.acquireSlot(key, "h2", 1, until, now), key).toBe(false);
    await flow.releaseSlot("fn-a", "h1");
    expect(await flow.acquireSlot("fn-a", "h2", 1, until, now)).toBe(true);
    expect(await flow.slotHolders("fn-a", now)).toEqual(["h2"]);
    expect(await flow.slotHolders("fn-a:{user-1}:50%", now)).toEqual(["h1"]);
    expect(await flow.slotHolders("", now)).toEqual(["h1"]);
  });

  test("takeToken: 2 per 1000 ms without burst allows two at once, then one every 500 ms", async ({ flow, clock }) => {
    const rate = { limit: 2, periodMs: 1_000, burst: 0 };
    const t = clock.now();
    // Emission interval 500 ms, tolerance 500 ms: TAT goes t → t+500 → t+1000; the third call would
    // need TAT - tolerance = t+500 <= now.
    expect(await flow.takeToken("fn-a", rate, t)).toEqual({ allowed: true, retryAt: t });
    expect(await flow.takeToken("fn-a", rate, t)).toEqual({ allowed: true, retryAt: t });
    expect(await flow.takeToken("fn-a", rate, t)).toEqual({ allowed: false, retryAt: t + 500 });
    // A refusal spends nothing: asking again a little later gives the same answer.
    expect(await flow.takeToken("fn-a", rate, t + 499)).toEqual({ allowed: false, retryAt: t + 500 });
    expect(await flow.takeToken("fn-a", rate, t + 500)).toEqual({ allowed: true, retryAt: t + 500 });
    expect(await flow.takeToken("fn-a", rate, t + 500)).toEqual({ allowed: false, retryAt: t + 1_000 });
    // Idle long enough, the bucket is full again (two at once), never fuller.
    clock.set(t + 10_000);
    const later = clock.now();
    expect(await flow.takeToken("fn-a", rate, later)).toEqual({ allowed: true, retryAt: later });
    expect(await flow.takeToken("fn-a", rate, later)).toEqual({ allowed: true, retryAt: later });
    expect(await flow.takeToken("fn-a", rate, later)).toEqual({ allowed: false, retryAt: later + 500 });
    // Another key has its own bucket.
    expect(await flow.takeToken("fn-b", rate, t)).toEqual({ allowed: true, retryAt: t });
  });

  test("takeToken: burst adds units on top of the limit", async ({ flow, clock }) => {
    const rate = { limit: 1, periodMs: 1_000, burst: 2 };
    const t = clock.now();
    // Interval 1000 ms, tolerance 2000 ms: three at once, then one a second.
    for (let i = 0; i < 3; i++) expect(await flow.takeToken("fn-a", rate, t)).toEqual({ allowed: true, retryAt: t });
    expect(await flow.takeToken("fn-a", rate, t)).toEqual({ allowed: false, retryAt: t + 1_000 });
    expect(await flow.takeToken("fn-a", rate, t + 1_000)).toEqual({ allowed: true, retryAt: t + 1_000 });
    expect(await flow.takeToken("fn-a", rate, t + 1_000)).toEqual({ allowed: false, retryAt: t + 2_000 });
  });

  test("takeToken: a fractional emission interval is kept exactly, and retryAt rounds up", async ({ flow, clock }) => {
    const rate = { limit: 3, periodMs: 1_000, burst: 0 };
    const t = clock.now();
    // Interval 333.33… ms, tolerance 666.67 ms: TAT t → t+333.3 → t+666.7 → t+1000; the fourth call
    // would need t+333.3, so retryAt is t+334. A store that rounded TAT would drift from these.
    for (let i = 0; i < 3; i++) expect(await flow.takeToken("fn-a", rate, t)).toEqual({ allowed: true, retryAt: t });
    expect(await flow.takeToken("fn-a", rate, t)).toEqual({ allowed: false, retryAt: t + 334 });
    expect(await flow.takeToken("fn-a", rate, t + 333)).toEqual({ allowed: false, retryAt: t + 334 });
    expect(await flow.takeToken("fn-a", rate, t + 334)).toEqual({ allowed: true, retryAt: t + 334 });
    // TAT is now t+1333.3: next at t+666.7, rounded up.
    expect(await flow.takeToken("fn-a", rate, t + 334)).toEqual({ allowed: false, retryAt: t + 667 });
    expect(await flow.takeToken("fn-a", rate, t + 667)).toEqual({ allowed: true, retryAt: t + 667 });
    expect(await flow.takeToken("fn-a", rate, t + 667)).toEqual({ allowed: false, retryAt: t + 1_000 });
  });

  test("takeToken: of 20 concurrent calls on a limit of 5 without burst, exactly 5 are allowed", async ({ flow, clock }) => {
    const rate = { limit: 5, periodMs: 1_000, burst: 0 };
    const now = clock.now();
    const answers = await race(20, () => flow.takeToken("fn-a", rate, now));
    expect(answers.filter((a) => a.allowed)).toHaveLength(5);
    // Five intervals of 200 ms were spent: the next unit is due one interval from now.
    for (const a of answers) expect(a).toEqual(a.allowed ? { allowed: true, retryAt: now } : { allowed: false, retryAt: now + 200 });
    expect(await flow.takeToken("fn-a", rate, now + 200)).toEqual({ allowed: true, retryAt: now + 200 });
  });

  test("put counts versions per key, also after the value expired; get hides expired values", async ({ flow, clock }) => {
    const t = clock.now();
    expect(await flow.put("fn-a", "x", t + 1_000)).toBe(1);
    expect(await flow.get("fn-a", t)).toEqual({ value: "x", version: 1 });
    expect(await flow.put("fn-a", "y", t + 1_000)).toBe(2);
    expect(await flow.get("fn-a", t + 999)).toEqual({ value: "y", version: 2 });
    expect(await flow.put("fn-b", "z", t + 1_000)).toBe(1);
    // Expired at its expiry time exactly.
    clock.set(t + 1_000);
    expect(await flow.get("fn-a", clock.now())).toBeUndefined();
    expect(await flow.get("fn-b", clock.now())).toBeUndefined();
    expect(await flow.put("fn-a", "w", clock.now() + 1_000)).toBe(3);
    expect(await flow.get("fn-a", clock.now())).toEqual({ value: "w", version: 3 });
    expect(await flow.get("no-such-key", clock.now())).toBeUndefined();
    // Values are kept byte for byte.
    const odd = '{"a": 1}\n\t"é" 🎉';
    expect(await flow.put("fn-c", odd, clock.now() + 1_000)).toBe(1);
    expect(await flow.get("fn-c", clock.now())).toEqual({ value: odd, version: 1 });
    expect(await flow.put("fn-c", "", clock.now() + 1_000)).toBe(2);
    expect(await flow.get("fn-c", clock.now())).toEqual({ value: "", version: 2 });
  });

  test("deleteIf refuses a stale version and deletes with the current one; versions keep counting after", async ({ flow, clock }) => {
    const now = clock.now();
    const until = now + 60_000;
    expect(await flow.put("fn-a", "x", until)).toBe(1);
    expect(await flow.put("fn-a", "y", until)).toBe(2);
    expect(await flow.deleteIf("fn-a", 1)).toBe(false);
    expect(await flow.get("fn-a", now)).toEqual({ value: "y", version: 2 });
    expect(await flow.deleteIf("fn-a", 2)).toBe(true);
    expect(await flow.get("fn-a", now)).toBeUndefined();
    expect(await flow.deleteIf("fn-a", 2)).toBe(false);
    expect(await flow.deleteIf("no-such-key", 1)).toBe(false);
    expect(await flow.deleteIf("no-such-key", 0)).toBe(false);
    // Not back to 1: a holder of the old version 1 must never delete the new value.
    expect(await flow.put("fn-a", "z", until)).toBe(3);
    expect(await flow.deleteIf("fn-a", 1)).toBe(false);
    expect(await flow.get("fn-a", now)).toEqual({ value: "z", version: 3 });
  });

  test("putIf writes only over the version it expects; of 20 racing writers exactly one wins", async ({ flow, clock }) => {
    const now = clock.now();
    const until = now + 60_000;
    expect(await flow.putIf("cas", "a", until, 1, now)).toBeUndefined(); // nothing live to replace
    expect(await flow.putIf("cas", "a", until, undefined, now)).toBe(1);
    expect(await flow.putIf("cas", "b", until, undefined, now)).toBeUndefined(); // a live value exists
    expect(await flow.putIf("cas", "b", until, 1, now)).toBe(2);
    expect(await flow.get("cas", now)).toEqual({ value: "b", version: 2 });
    const results = await Promise.all(Array.from({ length: 20 }, (_, i) => flow.putIf("cas", `w${i}`, until, 2, now)));
    expect(results.filter((v) => v !== undefined)).toEqual([3]);
    clock.advance(61_000); // expired: it counts as no live value
    expect(await flow.putIf("cas", "c", clock.now() + 1000, undefined, clock.now())).toBe(4);
  });

  test("put: 20 concurrent puts to one key get 20 distinct versions, and the last version's value stands", async ({ flow, clock }) => {
    const now = clock.now();
    const versions = await race(20, (i) => flow.put("fn-a", `writer-${i}`, now + 60_000));
    expect([...versions].sort((a, b) => a - b)).toEqual(Array.from({ length: 20 }, (_, i) => i + 1));
    const last = versions.indexOf(20);
    expect(await flow.get("fn-a", now)).toEqual({ value: `writer-${last}`, version: 20 });
  });
}
