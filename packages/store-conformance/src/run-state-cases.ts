import { RunNotFoundError, StateConflictError, isWeftError } from "@weft/core";
import type { WeftError } from "@weft/core";
import type { CreateRunResult } from "@weft/store";
import { expect } from "vitest";
import type { DefineCase } from "./case-context.js";
import { newRun } from "./fixtures.js";

/** Asserts that `promise` rejects with a Weft error of `cls` (recognised by brand, not instanceof). */
async function expectWeftError<T extends WeftError>(promise: Promise<unknown>, cls: abstract new (...args: never[]) => T): Promise<void> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isWeftError(error, cls), `expected ${cls.name}, got ${String(error)}`).toBe(true);
}

export function runStateCases(test: DefineCase): void {
  test("createRun stores metadata and events; loads answer undefined for unknown runs", async ({ stores, clock }) => {
    const run = newRun(clock.now(), { correlationId: "parent.step" });
    expect(await stores.state.createRun(run)).toEqual({ status: "created", runId: run.runId });
    const state = await stores.state.loadRun(run.runId);
    const { events, ...rest } = run;
    expect(state?.metadata).toEqual({ ...rest, status: "Running", version: -1, forceStepPlan: false });
    expect(state?.events).toEqual(events);
    expect(state?.stack).toEqual([]);
    expect([...(state?.steps ?? new Map())]).toEqual([]);
    expect(await stores.state.loadMetadata(run.runId)).toEqual(state?.metadata);
    expect(await stores.state.loadRun("no-such-run")).toBeUndefined();
    expect(await stores.state.loadMetadata("no-such-run")).toBeUndefined();
  });

  test("createRun: 20 concurrent creates with one key make exactly one run", async ({ stores, clock }) => {
    const runs = Array.from({ length: 20 }, (_, i) => newRun(clock.now(), { runId: `run-${i}`, idempotencyKey: "fn:evt-1" }));
    const results = await Promise.all(runs.map((r) => stores.state.createRun(r)));
    const created = results.filter((r) => r.status === "created");
    expect(created).toHaveLength(1);
    const winner = (created[0] as Extract<CreateRunResult, { status: "created" }>).runId;
    expect(results.filter((r) => r.status === "exists")).toHaveLength(19);
    for (const r of results) expect(r).toMatchObject({ runId: winner });
    const loaded = await Promise.all(runs.map((r) => stores.state.loadMetadata(r.runId)));
    expect(loaded.filter((m) => m !== undefined).map((m) => m?.runId)).toEqual([winner]);
  });

  test("deleteRun leaves a tombstone on the key until its time to live passes", async ({ stores, clock }) => {
    const run = newRun(clock.now(), { idempotencyKey: "fn:evt-2" });
    await stores.state.createRun(run);
    await stores.state.saveStep(run.runId, "s1", '{"data":1}');
    await stores.state.deleteRun(run.runId, 60_000);
    expect(await stores.state.loadRun(run.runId)).toBeUndefined();
    const again = newRun(clock.now(), { idempotencyKey: "fn:evt-2" });
    expect(await stores.state.createRun(again)).toEqual({ status: "tombstone" });
    clock.advance(59_000);
    expect(await stores.state.createRun(again)).toEqual({ status: "tombstone" });
    await stores.state.deleteRun("no-such-run", 60_000);
    clock.advance(2_000);
    expect(await stores.state.createRun(again)).toEqual({ status: "created", runId: again.runId });
    expect(await stores.state.loadRun(again.runId)).toMatchObject({ stack: [] });
  });

  test("saveStep is write-once: same bytes are idempotent, different bytes conflict and change nothing", async ({ stores, clock }) => {
    const run = newRun(clock.now());
    await stores.state.createRun(run);
    expect(await stores.state.saveStep(run.runId, "a", '{"data":1}')).toEqual({
      status: "saved",
      pendingRemaining: 0,
      stackLength: 1,
    });
    expect(await stores.state.saveStep(run.runId, "a", '{"data":1}')).toEqual({
      status: "idempotent",
      pendingRemaining: 0,
      stackLength: 1,
    });
    // Equal as JSON, different as bytes: still a conflict.
    await expectWeftError(stores.state.saveStep(run.runId, "a", '{"data": 1}'), StateConflictError);
    await expectWeftError(stores.state.saveStep(run.runId, "a", '{"data":2}'), StateConflictError);
    const state = await stores.state.loadRun(run.runId);
    expect(state?.steps.get("a")).toBe('{"data":1}');
    expect(state?.stack).toEqual(["a"]);
  });

  test("saveStep grows the stack in commit order", async ({ stores, clock }) => {
    const run = newRun(clock.now());
    await stores.state.createRun(run);
    const order = ["c", "a", "d", "b"];
    for (const [i, id] of order.entries()) {
      expect((await stores.state.saveStep(run.runId, id, `{"data":${i}}`)).stackLength).toBe(i + 1);
    }
    await stores.state.saveStep(run.runId, "a", '{"data":1}');
    const state = await stores.state.loadRun(run.runId);
    expect(state?.stack).toEqual(order);
    expect(Object.fromEntries(state?.steps ?? [])).toEqual({ c: '{"data":0}', a: '{"data":1}', d: '{"data":2}', b: '{"data":3}' });
  });

  test("run mutations on an unknown run throw RunNotFoundError", async ({ stores, clock }) => {
    await expectWeftError(stores.state.saveStep("no-such-run", "a", "null"), RunNotFoundError);
    await expectWeftError(stores.state.addPending("no-such-run", ["a"]), RunNotFoundError);
    await expectWeftError(stores.state.updateRun("no-such-run", { version: 1 }), RunNotFoundError);
    const outcome = { status: "Completed", output: "null", endedAt: clock.now() } as const;
    await expectWeftError(stores.state.finalize("no-such-run", outcome), RunNotFoundError);
  });

  test("saveStep: of concurrent saves with different bytes to one step, exactly one wins", async ({ stores, clock }) => {
    const run = newRun(clock.now());
    await stores.state.createRun(run);
    const outputs = Array.from({ length: 10 }, (_, i) => `{"data":"writer-${i}"}`);
    const results = await Promise.allSettled(outputs.map((o) => stores.state.saveStep(run.runId, "race", o)));
    const won = results.flatMap((r, i) => (r.status === "fulfilled" ? [i] : []));
    expect(won).toHaveLength(1);
    for (const r of results) {
      if (r.status === "rejected") expect(isWeftError(r.reason, StateConflictError)).toBe(true);
      else expect(r.value).toMatchObject({ status: "saved", stackLength: 1 });
    }
    const state = await stores.state.loadRun(run.runId);
    expect(state?.steps.get("race")).toBe(outputs[won[0] ?? -1]);
    expect(state?.stack).toEqual(["race"]);
  });

  test("pending: addPending sets forceStepPlan; pendingRemaining reaches 0 only with the last save", async ({ stores, clock }) => {
    const run = newRun(clock.now());
    await stores.state.createRun(run);
    await stores.state.addPending(run.runId, ["a", "b", "c"]);
    const state = await stores.state.loadRun(run.runId);
    expect(state?.metadata.forceStepPlan).toBe(true);
    expect([...(state?.pending ?? [])].sort()).toEqual(["a", "b", "c"]);
    expect((await stores.state.saveStep(run.runId, "b", "1")).pendingRemaining).toBe(2);
    expect((await stores.state.saveStep(run.runId, "unplanned", "1")).pendingRemaining).toBe(2);
    expect((await stores.state.saveStep(run.runId, "a", "1")).pendingRemaining).toBe(1);
    expect([...((await stores.state.loadRun(run.runId))?.pending ?? [])]).toEqual(["c"]);
    expect((await stores.state.saveStep(run.runId, "c", "1")).pendingRemaining).toBe(0);
    expect((await stores.state.saveStep(run.runId, "c", "1")).pendingRemaining).toBe(0);
    expect((await stores.state.loadRun(run.runId))?.pending.size).toBe(0);
  });

  test("pending: addPending ignores ids that already have a result", async ({ stores, clock }) => {
    const run = newRun(clock.now());
    await stores.state.createRun(run);
    await stores.state.saveStep(run.runId, "done", "1");
    await stores.state.addPending(run.runId, ["done"]);
    let state = await stores.state.loadRun(run.runId);
    expect(state?.pending.size).toBe(0);
    expect(state?.metadata.forceStepPlan).toBe(false);
    await stores.state.addPending(run.runId, ["done", "next"]);
    state = await stores.state.loadRun(run.runId);
    expect([...(state?.pending ?? [])]).toEqual(["next"]);
    expect(state?.metadata.forceStepPlan).toBe(true);
  });

  test("updateRun sets version and forceStepPlan", async ({ stores, clock }) => {
    const run = newRun(clock.now());
    await stores.state.createRun(run);
    await stores.state.updateRun(run.runId, { version: 2 });
    expect(await stores.state.loadMetadata(run.runId)).toMatchObject({ version: 2, forceStepPlan: false });
    await stores.state.updateRun(run.runId, { forceStepPlan: true });
    expect(await stores.state.loadMetadata(run.runId)).toMatchObject({ version: 2, forceStepPlan: true });
    await stores.state.updateRun(run.runId, { version: 1, forceStepPlan: false });
    expect(await stores.state.loadMetadata(run.runId)).toMatchObject({ version: 1, forceStepPlan: false });
  });

  test("finalize: of 10 concurrent calls exactly one claims the end, and its outcome is kept", async ({ stores, clock }) => {
    const run = newRun(clock.now());
    await stores.state.createRun(run);
    const statuses = ["Completed", "Failed", "Cancelled"] as const;
    const outcomes = Array.from({ length: 10 }, (_, i) => ({
      status: statuses[i % 3] ?? "Completed",
      output: `{"n":${i}}`,
      endedAt: clock.now() + 1_000 + i,
    }));
    const claimed = await Promise.all(outcomes.map((o) => stores.state.finalize(run.runId, o)));
    expect(claimed.filter(Boolean)).toHaveLength(1);
    const winner = outcomes[claimed.indexOf(true)];
    expect(await stores.state.loadMetadata(run.runId)).toMatchObject({ status: winner?.status, endedAt: winner?.endedAt });
    const late = await stores.state.finalize(run.runId, { status: "Failed", output: undefined, endedAt: clock.now() + 9_999 });
    expect(late).toBe(false);
    expect(await stores.state.loadMetadata(run.runId)).toMatchObject({ status: winner?.status, endedAt: winner?.endedAt });
  });

  test("run state is copied in and out: callers cannot mutate what is stored", async ({ stores, clock }) => {
    const run = newRun(clock.now());
    await stores.state.createRun(run);
    (run.events[0] as { data: Record<string, unknown> }).data.mutated = true;
    await stores.state.saveStep(run.runId, "a", "1");
    const loaded = await stores.state.loadRun(run.runId);
    expect(loaded?.events[0]?.data.mutated).toBeUndefined();
    if (loaded === undefined) throw new Error("run vanished");
    (loaded.events[0] as { data: Record<string, unknown> }).data.mutated = true;
    loaded.steps.set("b", "2");
    loaded.stack.push("b");
    loaded.pending.add("c");
    loaded.metadata.status = "Failed";
    const again = await stores.state.loadRun(run.runId);
    expect(again?.events[0]?.data.mutated).toBeUndefined();
    expect(again?.stack).toEqual(["a"]);
    expect(again?.steps.has("b")).toBe(false);
    expect(again?.pending.size).toBe(0);
    expect(again?.metadata.status).toBe("Running");
  });
}
