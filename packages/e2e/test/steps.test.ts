// Every step kind of the SDK against the engine over real HTTP: parallel steps, sleep, invoke,
// sendEvent, cancellation.
import { NonRetriableError, referenceFunction, Weft } from "@weft/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, stepsOf, waitFor, type ApiRun, type TestWeft } from "../src/index.js";

let weft: TestWeft;
let app: { close(): Promise<void> };
const executions = new Map<string, number>();
const count = (key: string) => executions.set(key, (executions.get(key) ?? 0) + 1);

beforeAll(async () => {
  weft = await startTestWeft();
  const client = new Weft({ id: "steps-app", baseUrl: weft.url });
  const parallel = client.createFunction({ id: "parallel" }, { event: "test/parallel" }, async ({ event, step }) => {
    const parts = await Promise.all(
      ["a", "b", "c"].map((p) =>
        step.run(`part-${p}`, () => {
          count(`${event.id}:${p}`);
          return p.toUpperCase();
        }),
      ),
    );
    const joined = await step.run("join", () => parts.join(""));
    return { joined };
  });
  const racer = client.createFunction({ id: "racer" }, { event: "test/race" }, async ({ event, step }) => {
    const winner = await Promise.race([step.run("fast", () => (count(`${event.id}:fast`), "fast")), step.sleep("slow", "1h").then(() => "slow")]);
    return step.run("after-race", () => (count(`${event.id}:after`), winner));
  });
  const replayable = client.createFunction({ id: "replayable" }, { event: "test/replay" }, async ({ event, step }) => {
    const a = await step.run("first", () => (count(`${event.id}:first`), 1));
    const b = await step.run("second", () => (count(`${event.id}:second`), 2));
    const c = await step.run("third", () => {
      count(`${event.id}:third`);
      if ((executions.get(`${event.id}:third`) ?? 0) === 1) throw new NonRetriableError("fails the first time only");
      return 3;
    });
    return a + b + c;
  });
  const sleeper = client.createFunction({ id: "sleeper" }, { event: "test/sleep" }, async ({ step }) => {
    const before = await step.run("before", () => Date.now());
    await step.sleep("nap", "1s");
    const after = await step.run("after", () => Date.now());
    return { slept: after - before };
  });
  const child = client.createFunction({ id: "child" }, { event: "test/child-direct" }, async ({ event, step }) => {
    const doubled = await step.run("double", () => (event.data.n as number) * 2);
    if (event.data.fail) throw new Error("child refused");
    return { doubled };
  });
  const parent = client.createFunction({ id: "parent" }, { event: "test/parent" }, async ({ event, step }) => {
    const ok = await step.invoke("call-child", { function: child, data: { n: event.data.n } });
    let failure: string | undefined;
    try {
      await step.invoke("call-child-failing", { function: child, data: { n: 1, fail: true } });
    } catch (e) {
      failure = (e as Error).message;
    }
    return { ok, failure };
  });
  const slowChild = client.createFunction({ id: "slow-child" }, { event: "test/slow-child" }, async ({ step }) => {
    await step.sleep("forever", "1h");
  });
  const impatient = client.createFunction({ id: "impatient" }, { event: "test/impatient" }, async ({ step }) => {
    const outcomes: string[] = [];
    for (const [id, target, timeout] of [
      ["too-slow", slowChild, "1s"],
      ["missing", referenceFunction({ functionId: "does-not-exist" }), undefined],
    ] as const) {
      try {
        await step.invoke(id, { function: target, data: {}, ...(timeout ? { timeout } : {}) });
      } catch (e) {
        outcomes.push((e as Error).message);
      }
    }
    return outcomes;
  });
  const sender = client.createFunction({ id: "sender" }, { event: "test/send" }, async ({ event, step }) => {
    const { ids } = await step.sendEvent("fan-out", { name: "test/received", data: { from: event.id } });
    return { sent: ids.length };
  });
  const receiver = client.createFunction({ id: "receiver" }, { event: "test/received" }, async ({ event }) => ({ from: event.data.from }));
  const waiter = client.createFunction({ id: "waiter" }, { event: "test/wait" }, async ({ step }) => {
    await step.waitForEvent("forever", { event: "test/never", timeout: "1h" });
    count("waiter-resumed");
    return "resumed";
  });
  const wildcard = client.createFunction({ id: "wildcard", triggers: [{ event: "shop/*", if: "event.data.total > 100" }] }, async ({ event }) => event.name);
  app = await serveApp(weft, client, [parallel, racer, replayable, sleeper, child, parent, slowChild, impatient, sender, receiver, waiter, wildcard]);
});

afterAll(async () => {
  await app?.close();
  await weft?.close();
});

describe("step kinds", () => {
  it("runs parallel steps once each and joins them", async () => {
    const run = await runOf(weft, "test/parallel");
    const done = await runWithStatus(weft, run.run_id, "Completed");
    expect(done.output).toEqual({ joined: "ABC" });
    const eventId = (await api<{ data: { id: string } }>(weft.url, "GET", `/v1/events/${run.event_id}`)).data.id;
    for (const p of ["a", "b", "c"]) expect(executions.get(`${eventId}:${p}`)).toBe(1);
  });

  it("moves on from Promise.race at the first step to finish", async () => {
    const run = await runOf(weft, "test/race");
    expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBe("fast");
    const eventId = (await api<{ data: { id: string } }>(weft.url, "GET", `/v1/events/${run.event_id}`)).data.id;
    expect([executions.get(`${eventId}:fast`), executions.get(`${eventId}:after`)]).toEqual([1, 1]);
  });

  it("replays an ended run from a chosen step, reusing the results before it", async () => {
    const run = await runOf(weft, "test/replay");
    await runWithStatus(weft, run.run_id, "Failed");
    const steps = await stepsOf(weft, run.run_id);
    const second = steps.find((s) => s.name === "second")!;
    const { data } = await api<{ data: { run_id: string } }>(weft.url, "POST", `/v1/runs/${run.run_id}/replay`, { step_id: second.id });
    expect((await runWithStatus(weft, data.run_id, "Completed")).output).toBe(6);
    const eventId = (await api<{ data: { id: string } }>(weft.url, "GET", `/v1/events/${run.event_id}`)).data.id;
    // "first" was reused; "second" and "third" ran again.
    expect([executions.get(`${eventId}:first`), executions.get(`${eventId}:second`), executions.get(`${eventId}:third`)]).toEqual([1, 2, 2]);
    await expect(api(weft.url, "POST", `/v1/runs/${run.run_id}/replay`, { step_id: "nope" })).rejects.toThrow(/409.*no recorded step/);
  });

  it("sleeps durably and wakes", async () => {
    const run = await runOf(weft, "test/sleep");
    const done = await runWithStatus(weft, run.run_id, "Completed");
    expect((done.output as { slept: number }).slept).toBeGreaterThanOrEqual(1000);
    const nap = (await stepsOf(weft, run.run_id)).find((s) => s.op === "Sleep");
    expect(nap?.status).toBe("Completed");
  });

  it("invokes a child and gets its result, or its failure as a catchable error", async () => {
    const run = await runOf(weft, "test/parent", { n: 21 });
    const done = await runWithStatus(weft, run.run_id, "Completed");
    expect(done.output).toEqual({ ok: { doubled: 42 }, failure: "child refused" });
  });

  it("an invoke that times out or names no function throws into the parent", async () => {
    const run = await runOf(weft, "test/impatient");
    const done = await runWithStatus(weft, run.run_id, "Completed", 5000);
    expect(done.output).toEqual([
      "Timed out waiting for invoked function to complete",
      expect.stringContaining("could not find function with ID: steps-app-does-not-exist"),
    ]);
  });

  it("sendEvent triggers other functions", async () => {
    const run = await runOf(weft, "test/send");
    const done = await runWithStatus(weft, run.run_id, "Completed");
    expect(done.output).toEqual({ sent: 1 });
    const received = await waitFor(async () => {
      const { data } = await api<{ data: ApiRun[] }>(weft.url, "GET", "/v1/runs?function_id=steps-app-receiver&status=Completed");
      return data.length > 0 ? data : undefined;
    }, "the receiver run");
    expect(received[0]?.output).toMatchObject({ from: expect.any(String) });
  });

  it("cancels a waiting run; the run never resumes", async () => {
    const run = await runOf(weft, "test/wait");
    await waitFor(async () => ((await stepsOf(weft, run.run_id)).some((s) => s.status === "Waiting") ? true : undefined), "the wait");
    await api(weft.url, "POST", `/v1/runs/${run.run_id}/cancel`);
    await runWithStatus(weft, run.run_id, "Cancelled");
    await sendEvents(weft, { name: "test/never", data: {} });
    // A second cancel is refused: the run has ended.
    await expect(api(weft.url, "DELETE", `/v1/runs/${run.run_id}`)).rejects.toThrow(/409/);
    expect(executions.get("waiter-resumed")).toBeUndefined();
  });

  it("keeps the sender's event id and starts one run per function and event id", async () => {
    const [first] = await sendEvents(weft, { name: "test/received", id: "order-42", data: { from: "dup" } });
    const [run] = await runsOf(weft, first!);
    await runWithStatus(weft, run!.run_id, "Completed");
    const stored = await api<{ data: { id: string; internal_id: string } }>(weft.url, "GET", `/v1/events/${first}`);
    expect(stored.data).toMatchObject({ id: "order-42", internal_id: first });
    // The same id again (an app retrying its send) is a new event but not a new run. A marker
    // event queued after it finishes later than the duplicate is handled.
    await sendEvents(weft, { name: "test/received", id: "order-42", data: { from: "dup" } });
    const [marker] = await sendEvents(weft, { name: "test/received", data: { from: "marker" } });
    await runWithStatus(weft, (await runsOf(weft, marker!))[0]!.run_id, "Completed");
    const { data } = await api<{ data: ApiRun[] }>(weft.url, "GET", "/v1/runs?function_id=steps-app-receiver");
    expect(data.filter((r) => (r.output as { from?: string } | null)?.from === "dup")).toHaveLength(1);
  });

  it("matches wildcard triggers and their if expressions", async () => {
    const [small] = await sendEvents(weft, { name: "shop/order.placed", data: { total: 5 } });
    const [big] = await sendEvents(weft, { name: "shop/order.placed", data: { total: 500 } });
    const [run] = await runsOf(weft, big!);
    expect((await runWithStatus(weft, run!.run_id, "Completed")).output).toBe("shop/order.placed");
    const smallRuns = await api<{ data: ApiRun[] }>(weft.url, "GET", `/v1/events/${small}/runs`);
    expect(smallRuns.data).toEqual([]);
  });
});
