// Why this is not a shared conformance case: it checks the Lua port of GCRA against `gcra()` itself,
// bit for bit, on inputs no hand-written case would pick (fractional intervals, odd limits and
// bursts, stored TATs anywhere around now). Only Redis re-implements the arithmetic; the SQL stores
// call `gcra()`.
import { ManualClock, gcra } from "@weft/store";
import type { StateBundle } from "@weft/store";
import { KeyLayout, createRedisStores } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix, redisReachable, testRedisUrl, uniquePrefix } from "@weft/testing";

type Rate = { limit: number; periodMs: number; burst: number };

/** mulberry32: seeded, so a failure replays from the seed in its message. */
function seededRandom(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Rates as configured (whole limits and periods) and as they could be (fractions, zero, negatives). */
function randomRate(rand: () => number): Rate {
  const pick = <T>(...options: T[]): T => options[Math.floor(rand() * options.length)] as T;
  const limit = pick(1, 2, 3, 7, 10, 100, 1 + Math.floor(rand() * 1_000), rand() * 50, 0, -3);
  const periodMs = pick(1, 1_000, 60_000, 3_600_000, 86_400_000, Math.floor(rand() * 100_000), rand() * 10_000 + 0.5);
  const burst = pick(0, 0, 1, 5, Math.floor(rand() * 20), rand() * 4, -1);
  return { limit, periodMs, burst };
}

/** A time near 2026, whole or fractional milliseconds. */
function randomNow(rand: () => number): number {
  const t = Date.UTC(2026, 0, 1) + Math.floor(rand() * 1e9);
  return rand() < 0.3 ? t + rand() : t;
}

/** A stored TAT anywhere from well before now to a few periods after it (or none). */
function randomTat(rand: () => number, rate: Rate, now: number): number | undefined {
  if (rand() < 0.15) return undefined;
  const span = Math.max(1, rate.periodMs) * (1 + Math.max(0, rate.burst));
  return now + (rand() * 4 - 1) * span;
}

const suite = "flow GCRA: Lua against gcra()";

if (await redisReachable(suite)) {
  const admin = new Redis(testRedisUrl);
  const prefix = uniquePrefix("flow-gcra");
  const layout = new KeyLayout(prefix);
  let stores: StateBundle;

  beforeAll(async () => {
    stores = createRedisStores(testRedisUrl, { clock: new ManualClock(), keyPrefix: prefix });
    await stores.init();
  });
  afterAll(async () => {
    await stores.close();
    await deleteKeysWithPrefix(admin, prefix);
    await admin.quit();
  });

  describe(suite, () => {
    it("one call on a random stored TAT: same answer, same new TAT, to the bit (3000 inputs)", async () => {
      const seed = 0x5eed_f10e;
      const rand = seededRandom(seed);
      const cases = Array.from({ length: 3_000 }, (_, i) => {
        const rate = randomRate(rand);
        const now = randomNow(rand);
        return { key: `k${i}`, rate, now, stored: randomTat(rand, rate, now) };
      });
      // Stored the way a script would find it: a number Lua's tonumber reads exactly.
      for (const c of cases) if (c.stored !== undefined) await admin.set(layout.flow(c.key).tat, String(c.stored));
      const answers = await Promise.all(cases.map((c) => stores.flow.takeToken(c.key, c.rate, c.now)));
      const tats = await Promise.all(cases.map((c) => admin.get(layout.flow(c.key).tat)));
      let allowed = 0;
      for (const [i, c] of cases.entries()) {
        const expected = gcra(c.stored, c.rate, c.now);
        const what = `seed ${seed}, case ${i}: ${JSON.stringify(c)}`;
        expect(answers[i], what).toEqual(expected.result);
        const tat = tats[i];
        const storedTat = tat === null || tat === undefined ? undefined : Number(tat);
        expect(storedTat, what).toBe(expected.result.allowed ? expected.tat : c.stored);
        if (expected.result.allowed) allowed += 1;
      }
      // Both branches were exercised in earnest.
      expect(allowed).toBeGreaterThan(300);
      expect(cases.length - allowed).toBeGreaterThan(300);
    });

    it("runs of calls on one bucket: the TAT Lua stores and reads back stays exactly gcra()'s (200 runs of 40)", async () => {
      const seed = 0xb0c4e7;
      const rand = seededRandom(seed);
      await Promise.all(
        Array.from({ length: 200 }, async (_, run) => {
          const rate = randomRate(rand);
          let now = randomNow(rand);
          const steps = Array.from({ length: 40 }, () => {
            // Mostly bursts at one instant, sometimes a step of a fraction of an interval or more.
            if (rand() < 0.4) now += (rand() * 2 * Math.max(1, rate.periodMs)) / Math.max(1, rate.limit);
            return now;
          });
          let tat: number | undefined;
          for (const [i, at] of steps.entries()) {
            const expected = gcra(tat, rate, at);
            const got = await stores.flow.takeToken(`run${run}`, rate, at);
            expect(got, `seed ${seed}, run ${run}, call ${i}: ${JSON.stringify({ rate, at, tat })}`).toEqual(expected.result);
            if (expected.result.allowed) tat = expected.tat;
          }
          const stored = await admin.get(layout.flow(`run${run}`).tat);
          expect(stored === null ? undefined : Number(stored)).toBe(tat);
        }),
      );
    });
  });
} else {
  describe.skip(suite, () => it("needs a reachable Redis", () => {}));
}
