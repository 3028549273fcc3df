// The benchmark's Weft functions, shared by the embedded engine and the HTTP app child, so both
// modes run exactly the same code. `report(msg)` hands a measurement to whoever runs the bench.
export const now = () => performance.timeOrigin + performance.now();

export function benchFunctions(client, report) {
  // (a)(b) sequential steps: data.n steps one after another; each step returns a small number.
  const seq = client.createFunction({ id: "seq", retries: 0 }, { event: "bench/seq" }, async ({ event, step }) => {
    const n = event.data.n;
    let sum = 0;
    for (let i = 0; i < n; i++) sum += await step.run(`s${i}`, () => i);
    return sum;
  });
  // (c) fan-out: data.n parallel steps in one run.
  const fan = client.createFunction({ id: "fan", retries: 0 }, { event: "bench/fan" }, async ({ event, step }) => {
    const parts = await Promise.all(Array.from({ length: event.data.n }, (_, i) => step.run(`f${i}`, () => i)));
    return parts.length;
  });
  // (d) waitForEvent: park on bench/go matching data.k; report the resume latency from the send.
  const wait = client.createFunction({ id: "wait", retries: 0 }, { event: "bench/wait" }, async ({ event, step }) => {
    const go = await step.waitForEvent("go", { event: "bench/go", match: "data.k", timeout: "1h" });
    if (go) report({ kind: "resume", k: event.data.k, ms: now() - go.data.sentAt });
    return go !== null;
  });
  // (e) event → first step: the first step's code reports how long after the send it started.
  const first = client.createFunction({ id: "first", retries: 0 }, { event: "bench/first" }, async ({ event, step }) => {
    await step.run("first", () => report({ kind: "first", k: event.data.k, ms: now() - event.data.sentAt }));
  });
  // (f) timers: sleep until data.dueAt; report how late the code resumed.
  const timer = client.createFunction({ id: "timer", retries: 0 }, { event: "bench/timer" }, async ({ event, step }) => {
    await step.sleepUntil("t", new Date(event.data.dueAt));
    report({ kind: "timer", k: event.data.k, ms: now() - event.data.dueAt });
  });
  // burst: one step per event.
  const burst = client.createFunction({ id: "burst", retries: 0 }, { event: "bench/burst" }, async ({ step }) => {
    await step.run("one", () => 1);
  });
  return [seq, fan, wait, first, timer, burst];
}
