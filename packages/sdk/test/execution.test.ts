import { Weft, referenceFunction, serve } from "@weft/sdk";
import { describe, expect, it } from "vitest";
import { call, event, h, ops, startApp, startFakeServer } from "./helpers.js";

const weft = new Weft({ id: "app", baseUrl: "http://127.0.0.1:9" });

describe("discovery and immediate execution", () => {
  it("runs the one step it finds and answers 206 [StepRun]", async () => {
    let runs = 0;
    const fn = weft.createFunction({ id: "one" }, { event: "app/test" }, async ({ step }) => {
      const a = await step.run("a", () => {
        runs++;
        return { n: 1 };
      });
      return a;
    });
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const res = await call(app, { fnId: "app-one" });
    expect(res.status).toBe(206);
    expect(res.headers.get("x-inngest-sdk")).toBe("weft-js:v0.1.0");
    expect(res.headers.get("x-inngest-req-version")).toBe("1");
    expect(res.headers.get("content-type")).toBe("application/json");
    expect(res.body).toEqual([{ id: h("a"), op: "StepRun", name: "a", displayName: "a", data: { n: 1 }, userland: { id: "a" } }]);
    expect(runs).toBe(1);
  });

  it("reports the step as StepPlanned when immediate execution is disabled", async () => {
    let runs = 0;
    const fn = weft.createFunction({ id: "one" }, { event: "app/test" }, async ({ step }) => step.run("a", () => runs++));
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const res = await call(app, { fnId: "app-one", disableImmediateExecution: true });
    expect(ops(res)).toEqual([{ id: h("a"), op: "StepPlanned", name: "a", displayName: "a", userland: { id: "a" } }]);
    expect(runs).toBe(0);
  });

  it("replays memoized steps in stack order and never runs them again", async () => {
    const runs = { a: 0, b: 0, c: 0 };
    const seen: unknown[] = [];
    const fn = weft.createFunction({ id: "seq" }, { event: "app/test" }, async ({ step }) => {
      seen.push(await step.run("a", () => ++runs.a));
      seen.push(await step.run("b", () => ++runs.b));
      seen.push(await step.run("c", () => ++runs.c));
      return seen;
    });
    const app = await startApp(serve({ client: weft, functions: [fn] }));

    const steps = { [h("a")]: { data: "A" }, [h("b")]: { data: "B" } };
    const res = await call(app, { fnId: "app-seq", steps, stack: [h("a"), h("b")] });
    expect(ops(res)).toEqual([expect.objectContaining({ id: h("c"), op: "StepRun", data: 1 })]);
    expect(runs).toEqual({ a: 0, b: 0, c: 1 });
    expect(seen).toEqual(["A", "B"]);

    seen.length = 0;
    const done = await call(app, { fnId: "app-seq", steps: { ...steps, [h("c")]: { data: "C" } } });
    expect(done.status).toBe(200);
    expect(done.body).toEqual(["A", "B", "C"]);
    expect(runs).toEqual({ a: 0, b: 0, c: 1 });
  });

  it("settles parallel memoized steps in completion order", async () => {
    const order: string[] = [];
    const fn = weft.createFunction({ id: "par" }, { event: "app/test" }, async ({ step }) => {
      await Promise.all([step.run("a", () => "A").then(() => order.push("a")), step.run("b", () => "B").then(() => order.push("b"))]);
      return order;
    });
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const res = await call(app, { fnId: "app-par", steps: { [h("a")]: { data: 1 }, [h("b")]: { data: 2 } }, stack: [h("b"), h("a")] });
    expect(res.body).toEqual(["b", "a"]);
  });

  it("reports two parallel steps as StepPlanned, then runs one by its hashed id", async () => {
    const runs = { a: 0, b: 0 };
    const fn = weft.createFunction({ id: "par" }, { event: "app/test" }, async ({ step }) => {
      const [a, b] = await Promise.all([step.run("a", () => ++runs.a), step.run("b", () => ++runs.b)]);
      return a + b;
    });
    const app = await startApp(serve({ client: weft, functions: [fn] }));

    const found = await call(app, { fnId: "app-par" });
    expect(ops(found).map((o) => [o.op, o.id, o.name])).toEqual([
      ["StepPlanned", h("a"), "a"],
      ["StepPlanned", h("b"), "b"],
    ]);
    expect(runs).toEqual({ a: 0, b: 0 });

    const ran = await call(app, { fnId: "app-par", stepId: h("b"), disableImmediateExecution: true });
    expect(ops(ran)).toEqual([expect.objectContaining({ id: h("b"), op: "StepRun", data: 1 })]);
    expect(runs).toEqual({ a: 0, b: 1 });

    const rest = await call(app, { fnId: "app-par", steps: { [h("b")]: { data: 1 } }, disableImmediateExecution: true });
    expect(ops(rest)).toEqual([expect.objectContaining({ id: h("a"), op: "StepPlanned" })]);
  });

  it("gives repeated step ids a :n suffix", async () => {
    const fn = weft.createFunction({ id: "loop" }, { event: "app/test" }, async ({ step }) => {
      for (let i = 0; i < 3; i++) await step.run("item", () => i);
    });
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const res = await call(app, { fnId: "app-loop", steps: { [h("item")]: { data: 0 }, [h("item:1")]: { data: 1 } } });
    expect(ops(res)).toEqual([{ id: h("item:2"), op: "StepRun", name: "item", displayName: "item", data: 2, userland: { id: "item", index: 2 } }]);
  });

  it("answers 200 with the return value, and null for undefined", async () => {
    const a = weft.createFunction({ id: "a" }, { event: "app/test" }, async ({ event }) => ({ got: event.data }));
    const b = weft.createFunction({ id: "b" }, { event: "app/test" }, async () => undefined);
    const app = await startApp(serve({ client: weft, functions: [a, b] }));
    const ra = await call(app, { fnId: "app-a", event: event("app/test", { x: 1 }) });
    expect([ra.status, ra.body]).toEqual([200, { got: { x: 1 } }]);
    const rb = await call(app, { fnId: "app-b" });
    expect([rb.status, rb.body]).toEqual([200, null]);
  });

  it("answers 500 for an unknown function id", async () => {
    const app = await startApp(serve({ client: weft, functions: [] }));
    const res = await call(app, { fnId: "app-nope" });
    expect(res.status).toBe(500);
    expect(res.body).toEqual({ type: "internal", error: 'Could not find function with ID "app-nope"' });
  });
});

describe("op shapes", () => {
  it("sleep, sleepUntil, waitForEvent (match → if), invoke and sendEvent", async () => {
    const child = weft.createFunction({ id: "child" }, { event: "app/child" }, async () => "ok");
    const fn = weft.createFunction({ id: "shapes" }, { event: "app/test" }, async ({ step }) => {
      await Promise.all([
        step.sleep("nap", "1h30m"),
        step.sleep("short", 90_000),
        step.sleepUntil("until", new Date("2030-01-02T03:04:05.000Z")),
        step.waitForEvent("wait", { event: "app/paid", match: "data.orderId", timeout: "2d" }),
        step.waitForEvent("wait-if", { event: "app/paid", if: "async.data.amount > 100", timeout: 60_000 }),
        step.invoke("call", { function: child, data: { x: 1 }, timeout: "1h" }),
        step.invoke("ref", { function: referenceFunction({ appId: "other", functionId: "fn" }), data: {} }),
        step.sendEvent("emit", { name: "app/sent", data: {} }),
      ]);
    });
    const app = await startApp(serve({ client: weft, functions: [fn, child] }));
    const found = ops(await call(app, { fnId: "app-shapes" }));
    const byName = Object.fromEntries(found.map((o) => [o.displayName as string, o]));
    expect(byName.nap).toEqual({ id: h("nap"), op: "Sleep", name: "1h30m", displayName: "nap", userland: { id: "nap" } });
    expect(byName.short).toMatchObject({ op: "Sleep", name: "1m30s" });
    expect(byName.until).toMatchObject({ op: "Sleep", name: "2030-01-02T03:04:05.000Z" });
    expect(byName.wait).toEqual({
      id: h("wait"),
      op: "WaitForEvent",
      name: "app/paid",
      displayName: "wait",
      opts: { timeout: "2d", if: "event.data.orderId == async.data.orderId" },
      userland: { id: "wait" },
    });
    expect(byName["wait-if"]).toMatchObject({ opts: { timeout: "1m", if: "async.data.amount > 100" } });
    expect(byName.call).toMatchObject({
      id: h("call"),
      op: "InvokeFunction",
      opts: { function_id: "app-child", payload: { data: { x: 1 } }, timeout: "1h" },
    });
    expect(byName.ref).toMatchObject({ op: "InvokeFunction", opts: { function_id: "other-fn", payload: { data: {} } } });
    expect(byName.emit).toMatchObject({ id: h("emit"), op: "StepPlanned", name: "emit", opts: { type: "step.sendEvent" } });
    expect(found).toHaveLength(8);
  });

  it("waitForSignal in the official SDK's wire shape; its memo resolves to { signal, data } or null", async () => {
    const fn = weft.createFunction({ id: "sig-shape" }, { event: "app/test" }, async ({ step }) => {
      await Promise.all([
        step.waitForSignal("sig", { signal: "order-1", timeout: "1d", onConflict: "fail" }),
        step.waitForSignal("sig-plain", { signal: "order-2", timeout: 60_000 }),
      ]);
    });
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const byName = Object.fromEntries(ops(await call(app, { fnId: "app-sig-shape" })).map((o) => [o.displayName as string, o]));
    expect(byName.sig).toEqual({
      id: h("sig"),
      op: "WaitForSignal",
      name: "order-1",
      displayName: "sig",
      opts: { signal: "order-1", timeout: "1d", conflict: "fail" },
      userland: { id: "sig" },
    });
    expect(byName["sig-plain"]).toMatchObject({ op: "WaitForSignal", name: "order-2", opts: { signal: "order-2", timeout: "1m" } });
    expect(byName["sig-plain"]?.opts).not.toHaveProperty("conflict");

    const results: unknown[] = [];
    const memo = weft.createFunction({ id: "sig-memo" }, { event: "app/test" }, async ({ step }) => {
      results.push(await step.waitForSignal("s1", { signal: "a", timeout: "1h" }));
      results.push(await step.waitForSignal("s2", { signal: "b", timeout: "1h" }));
      return results;
    });
    const memoApp = await startApp(serve({ client: weft, functions: [memo] }));
    const res = await call(memoApp, { fnId: "app-sig-memo", steps: { [h("s1")]: null, [h("s2")]: { signal: "b", data: { ok: 1 } } } });
    expect(res.body).toEqual([null, { signal: "b", data: { ok: 1 } }]);
  });

  it("runs step.sendEvent immediately through the event API", async () => {
    const server = await startFakeServer();
    const client = new Weft({ id: "app", baseUrl: server.url, eventKey: "k1" });
    const fn = client.createFunction({ id: "emit" }, { event: "app/test" }, async ({ step }) =>
      step.sendEvent("emit", [{ name: "app/a", data: { n: 1 } }, { name: "app/b" }]),
    );
    const app = await startApp(serve({ client, functions: [fn] }));
    const res = await call(app, { fnId: "app-emit" });
    expect(ops(res)).toEqual([expect.objectContaining({ op: "StepRun", data: { ids: ["01ID0", "01ID1"] } })]);
    expect(server.requests.map((r) => r.path)).toEqual(["/e/k1"]);
    expect(server.requests[0]?.json).toMatchObject([
      { name: "app/a", data: { n: 1 } },
      { name: "app/b", data: {} },
    ]);
  });

  it("resolves waitForEvent memo: null on timeout, the event on a match", async () => {
    const results: unknown[] = [];
    const fn = weft.createFunction({ id: "wait" }, { event: "app/test" }, async ({ step }) => {
      results.push(await step.waitForEvent("w1", { event: "app/x", timeout: "1h" }));
      results.push(await step.waitForEvent("w2", { event: "app/x", timeout: "1h" }));
      return results;
    });
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const matched = event("app/x", { ok: true });
    const res = await call(app, { fnId: "app-wait", steps: { [h("w1")]: null, [h("w2")]: matched } });
    expect(res.status).toBe(200);
    expect(res.body).toEqual([null, matched]);
  });

  it("resolves invoke memo {data} to the child's result; sleep memo null to undefined", async () => {
    const fn = weft.createFunction({ id: "inv" }, { event: "app/test" }, async ({ step }) => {
      const slept = await step.sleep("nap", "1s");
      const out = await step.invoke("call", { function: referenceFunction<{ x: number }, { y: number }>({ functionId: "c" }), data: { x: 1 } });
      return { slept: slept === undefined, out };
    });
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const res = await call(app, { fnId: "app-inv", steps: { [h("nap")]: null, [h("call")]: { data: { y: 2 } } } });
    expect(res.body).toEqual({ slept: true, out: { y: 2 } });
  });
});
