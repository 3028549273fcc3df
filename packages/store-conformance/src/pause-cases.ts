import { expect } from "vitest";
import type { DefineCase } from "./case-context.js";
import { event, ids, pause } from "./fixtures.js";
import { seekCostRatio } from "./seek-cost.js";

const user = (id: unknown) => ({ path: "data.user.id", value: JSON.stringify(id) });

export function pauseCases(test: DefineCase): void {
  test("savePause is idempotent on id: the first save stands", async ({ stores, clock }) => {
    // With its run's app, which a resume reads from the pause (`Pause.appId`).
    const first = pause(clock.now(), { id: "p1", appId: "app-a" });
    await stores.pauses.savePause(first);
    await stores.pauses.savePause({ ...first, eventName: "app/other", expiresAt: first.expiresAt + 1 });
    expect(await stores.pauses.getPause("p1")).toEqual(first);
    expect(await stores.pauses.getPause("nope")).toBeUndefined();
    expect(await stores.pauses.findPauses("dev", event("app/user.updated", {}, clock.now()))).toEqual([first]);
    expect(await stores.pauses.findPauses("dev", event("app/other", {}, clock.now()))).toEqual([]);
  });

  test("findPauses is scoped to (env, event name)", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.pauses.savePause(pause(now, { id: "dev-a" }));
    await stores.pauses.savePause(pause(now, { id: "prod-a", env: "prod" }));
    await stores.pauses.savePause(pause(now, { id: "dev-b", eventName: "app/other" }));
    await stores.pauses.savePause(pause(now, { id: "dev-b-keyed", eventName: "app/other", matchKey: user("u1") }));
    const updated = event("app/user.updated", { user: { id: "u1" } }, now);
    expect(ids(await stores.pauses.findPauses("dev", updated))).toEqual(["dev-a"]);
    expect(ids(await stores.pauses.findPauses("prod", updated))).toEqual(["prod-a"]);
    expect(ids(await stores.pauses.findPauses("staging", updated))).toEqual([]);
    const other = event("app/other", { user: { id: "u1" } }, now);
    expect(ids(await stores.pauses.findPauses("dev", other))).toEqual(["dev-b", "dev-b-keyed"]);
  });

  test("findPauses filters on the match key's canonical JSON value", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.pauses.savePause(pause(now, { id: "u1", matchKey: user("u1") }));
    await stores.pauses.savePause(pause(now, { id: "u2", matchKey: user("u2") }));
    await stores.pauses.savePause(pause(now, { id: "n7", matchKey: user(7) }));
    await stores.pauses.savePause(pause(now, { id: "s7", matchKey: user("7") }));
    await stores.pauses.savePause(pause(now, { id: "obj", matchKey: { path: "data.key", value: '{"a":1,"b":[true,null]}' } }));
    const find = async (data: Record<string, unknown>) => ids(await stores.pauses.findPauses("dev", event("app/user.updated", data, now)));
    await expect(find({ user: { id: "u1" } })).resolves.toEqual(["u1"]);
    await expect(find({ user: { id: "u2" } })).resolves.toEqual(["u2"]);
    await expect(find({ user: { id: "u3" } })).resolves.toEqual([]);
    await expect(find({ user: { id: 7 } })).resolves.toEqual(["n7"]);
    await expect(find({ user: { id: "7" } })).resolves.toEqual(["s7"]);
    await expect(find({ user: {} })).resolves.toEqual([]);
    await expect(find({})).resolves.toEqual([]);
    // Key order in the event does not matter: both sides are canonical JSON.
    await expect(find({ key: { b: [true, null], a: 1 } })).resolves.toEqual(["obj"]);
    await expect(find({ key: { a: 1, b: [true] } })).resolves.toEqual([]);
  });

  test("pauses without a match key are candidates for every event of their name", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.pauses.savePause(pause(now, { id: "any", expression: "async.data.n > 3" }));
    await stores.pauses.savePause(pause(now, { id: "keyed", matchKey: user("u1") }));
    const find = async (data: Record<string, unknown>) => ids(await stores.pauses.findPauses("dev", event("app/user.updated", data, now)));
    await expect(find({})).resolves.toEqual(["any"]);
    await expect(find({ user: { id: "u9" } })).resolves.toEqual(["any"]);
    await expect(find({ user: { id: "u1" } })).resolves.toEqual(["any", "keyed"]);
    const found = await stores.pauses.findPauses("dev", event("app/user.updated", {}, now));
    expect(found[0]?.expression).toBe("async.data.n > 3");
  });

  test("deleted pauses are hidden everywhere; deleting twice is fine", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.pauses.savePause(pause(now, { id: "keep", matchKey: user("u1") }));
    await stores.pauses.savePause(pause(now, { id: "gone", matchKey: user("u1") }));
    await stores.pauses.savePause(pause(now, { id: "gone-any" }));
    await stores.pauses.deletePause("gone");
    await stores.pauses.deletePause("gone-any");
    await stores.pauses.deletePause("gone");
    await stores.pauses.deletePause("never-existed");
    expect(await stores.pauses.getPause("gone")).toBeUndefined();
    const found = await stores.pauses.findPauses("dev", event("app/user.updated", { user: { id: "u1" } }, now));
    expect(ids(found)).toEqual(["keep"]);
    expect(ids(await stores.pauses.pausesOfRun("run-1"))).toEqual(["keep"]);
  });

  test("countPauses counts each stored pause once: every env and event name, keyed or not, expired included", async ({ stores, clock }) => {
    const now = clock.now();
    expect(await stores.pauses.countPauses()).toBe(0);
    const saved = [
      pause(now, { id: "a" }),
      pause(now, { id: "b", matchKey: user("u1") }),
      pause(now, { id: "c", matchKey: user("u1") }),
      pause(now, { id: "d", matchKey: user("u2") }),
      pause(now, { id: "e", env: "prod" }),
      pause(now, { id: "f", eventName: "app/other", matchKey: { path: "data.key", value: '"k"' } }),
      pause(now, { id: "g", expiresAt: now - 1 }),
    ];
    for (const p of saved) await stores.pauses.savePause(p);
    expect(await stores.pauses.countPauses()).toBe(7);
    // A repeated save changes nothing; a delete counts once, however often it is made.
    await stores.pauses.savePause({ ...saved[1]!, eventName: "app/third" });
    await stores.pauses.savePause(saved[0]!);
    expect(await stores.pauses.countPauses()).toBe(7);
    await stores.pauses.deletePause("b");
    await stores.pauses.deletePause("b");
    await stores.pauses.deletePause("e");
    await stores.pauses.deletePause("missing");
    expect(await stores.pauses.countPauses()).toBe(5);
    for (const id of ["a", "c", "d", "f", "g"]) await stores.pauses.deletePause(id);
    expect(await stores.pauses.countPauses()).toBe(0);
  });

  test("expired but undeleted pauses stay readable for timeout handling", async ({ stores, clock }) => {
    const now = clock.now();
    const p = pause(now, { id: "late", matchKey: user("u1"), expiresAt: now + 1_000 });
    await stores.pauses.savePause(p);
    clock.advance(10_000);
    expect(await stores.pauses.getPause("late")).toEqual(p);
    const found = await stores.pauses.findPauses("dev", event("app/user.updated", { user: { id: "u1" } }, clock.now()));
    expect(found).toEqual([p]);
  });

  test("pausesOfRun lists one run's pauses of every kind", async ({ stores, clock }) => {
    const now = clock.now();
    await stores.pauses.savePause(pause(now, { id: "w", runId: "r1" }));
    await stores.pauses.savePause(pause(now, { id: "c", runId: "r1", kind: "cancel", eventName: "app/cancel" }));
    await stores.pauses.savePause(pause(now, { id: "i", runId: "r1", kind: "invoke", env: "prod" }));
    await stores.pauses.savePause(pause(now, { id: "other", runId: "r2" }));
    expect(ids(await stores.pauses.pausesOfRun("r1"))).toEqual(["c", "i", "w"]);
    expect(ids(await stores.pauses.pausesOfRun("r2"))).toEqual(["other"]);
    expect(await stores.pauses.pausesOfRun("r3")).toEqual([]);
  });

  test("pauses are copied in and out", async ({ stores, clock }) => {
    const p = pause(clock.now(), { id: "p", matchKey: user("u1") });
    await stores.pauses.savePause(p);
    if (p.matchKey) p.matchKey.value = '"u2"';
    const loaded = await stores.pauses.getPause("p");
    expect(loaded?.matchKey?.value).toBe('"u1"');
    if (loaded?.matchKey) loaded.matchKey.value = '"u3"';
    expect((await stores.pauses.getPause("p"))?.matchKey?.value).toBe('"u1"');
  });

  test(
    "findPauses seeks by match value: among 5,000 parked pauses a lookup costs what it costs among 50",
    async ({ stores, clock }) => {
      // Resolving an event must not walk the pauses of its name. Measured as a ratio, side by side
      // in one run (alternating, medians), so machine load cancels out: a seek costs the same on
      // either side; a scan of the event name's pauses would cost ~100× more on the big side.
      const now = clock.now();
      const park = async (name: string, count: number) => {
        for (let i = 0; i < count; i += 250) {
          const chunk = Array.from({ length: Math.min(250, count - i) }, (_, j) => i + j);
          await Promise.all(
            chunk.map((n) =>
              stores.pauses.savePause(pause(now, { id: `${name}-${n}`, runId: `run-${name}-${n}`, eventName: `app/${name}`, matchKey: user(`u${n}`) })),
            ),
          );
        }
      };
      await park("small", 50);
      await park("big", 5_000);
      const lookup = async (name: string, n: number) => {
        const started = performance.now();
        const found = await stores.pauses.findPauses("dev", event(`app/${name}`, { user: { id: `u${n}` } }, now));
        const ms = performance.now() - started;
        expect(ids(found)).toEqual([`${name}-${n}`]);
        return ms;
      };
      const ratio = await seekCostRatio(lookup, { small: 50, big: 5_000 });
      expect(ratio, `median lookup among 5,000 vs among 50 pauses: ${ratio.toFixed(2)}×`).toBeLessThan(4);
      // Parking 5,050 pauses one call each takes 10-15 s through the coordinator on two busy cores.
    },
    { timeoutMs: 60_000 },
  );
}
