// Embedded mode: the engine in this process runs the same functions with the same semantics as
// over HTTP — steps once each, retries, sleeps, waits, sendEvent, invoke — on memory and SQLite.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fixedBackoff } from "@weft/engine";
import { Weft } from "@weft/sdk";
import { createSqliteStores } from "@weft/store-sqlite";
import { afterEach, describe, expect, it } from "vitest";
import { createEngine, type EmbeddedEngine } from "../src/index.js";

let running: EmbeddedEngine | undefined;
afterEach(async () => {
  await running?.stop();
  running = undefined;
});

function app() {
  const weft = new Weft({ id: "embedded-app" });
  const calls = new Map<string, number>();
  const count = (k: string) => calls.set(k, (calls.get(k) ?? 0) + 1);
  const child = weft.createFunction({ id: "child" }, { event: "emb/child" }, async ({ event }) => (event.data.n as number) * 10);
  const main = weft.createFunction({ id: "main" }, { event: "emb/start" }, async ({ event, step }) => {
    const a = await step.run("a", () => (count("a"), 1));
    const flaky = await step.run("flaky", () => {
      count("flaky");
      if ((calls.get("flaky") ?? 0) < 2) throw new Error("once");
      return 2;
    });
    const [x, y] = await Promise.all([step.run("x", () => (count("x"), 3)), step.run("y", () => (count("y"), 4))]);
    await step.sleep("nap", "1s");
    const got = await step.waitForEvent("go", { event: "emb/go", match: "data.k", timeout: "5s" });
    const invoked = await step.invoke("call", { function: child, data: { n: 5 } });
    await step.sendEvent("tell", { name: "emb/told", data: { k: event.data.k } });
    return { sum: a + flaky + x + y, got: got?.data.k ?? null, invoked };
  });
  const told = weft.createFunction({ id: "told" }, { event: "emb/told" }, async ({ event }) => event.data.k);
  return { weft, functions: [main, child, told], calls };
}

describe.each(["memory", "sqlite"])("embedded engine on %s", (store) => {
  it("runs a workflow with every step kind, each step once", async () => {
    const { weft, functions, calls } = app();
    const dir = mkdtempSync(join(tmpdir(), "weft-embedded-"));
    try {
      running = await createEngine({
        client: weft,
        functions,
        backoff: fixedBackoff(10),
        stores: store === "sqlite" ? createSqliteStores(join(dir, "weft.db")) : undefined,
      });
      const [eventId] = await running.send({ name: "emb/start", data: { k: "k1" } });
      const deadline = Date.now() + 5000;
      let runId: string | undefined;
      while (!runId && Date.now() < deadline) {
        runId = (await running.runsOf(eventId!))[0]?.runId;
        await new Promise((r) => setTimeout(r, 5));
      }
      // The wait registers after the 1 s sleep; a matching event then resumes it.
      await new Promise((r) => setTimeout(r, 1300));
      await running.send({ name: "emb/go", data: { k: "k1" } });
      const done = await running.waitForRun(runId!, 10_000);
      expect(done.status).toBe("Completed");
      expect(JSON.parse(done.output ?? "{}")).toEqual({ data: { sum: 10, got: "k1", invoked: 50 } });
      expect(Object.fromEntries(calls)).toEqual({ a: 1, flaky: 2, x: 1, y: 1 });
      const told = await running.stores.history.listRuns({ functionId: "embedded-app-told" });
      expect(told).toHaveLength(1);
    } finally {
      if (store === "sqlite") {
        await running?.stop();
        running = undefined;
        rmSync(dir, { recursive: true, force: true });
      }
    }
  });
});

describe("embedded engine: signals", () => {
  it("client.sendSignal reaches the in-process engine: it resumes the waiting run, and answers no run when none waits", async () => {
    const weft = new Weft({ id: "embedded-signals" });
    const fn = weft.createFunction({ id: "wait" }, { event: "emb/sig" }, async ({ step }) =>
      step.waitForSignal("await", { signal: "emb-signal", timeout: "1h" }),
    );
    running = await createEngine({ client: weft, functions: [fn] });
    expect(await weft.sendSignal({ signal: "emb-signal", data: 1 })).toEqual({ runId: undefined });
    const [eventId] = await running.send({ name: "emb/sig", data: {} });
    // Until the wait registers, the signal reaches nobody (and changes nothing): poll, bounded.
    const deadline = Date.now() + 5000;
    let runId: string | undefined;
    while (!runId && Date.now() < deadline) {
      runId = (await weft.sendSignal({ signal: "emb-signal", data: { ok: true } })).runId;
      if (!runId) await new Promise((r) => setTimeout(r, 5));
    }
    expect(runId).toBe((await running.runsOf(eventId!))[0]?.runId);
    expect(JSON.parse((await running.waitForRun(runId!)).output ?? "{}")).toEqual({ data: { signal: "emb-signal", data: { ok: true } } });
  });
});
