// A model-based test: a seeded schedule of runs, each with its own script (resumed by an event,
// an event sent before its wait and so never matched, a wait that times out, a cancel during its
// steps or during its wait, an app that drops the connection after running a step), interleaved
// at random with engine restarts, is played against the memory store and each real store. A
// model predicts every run's outcome and every step's execution count; each store must match it
// (and so each other). Two engines share each store; one is restarted mid-schedule.
import { AsyncLocalStorage } from "node:async_hooks";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { silentLogger } from "@weft/engine";
import { serve, Weft } from "@weft/sdk";
import { closeStores, openStores, startWeftServer, type StoreConfig, type WeftServer } from "@weft/server";
import { afterAll, describe, expect, it } from "vitest";
import { dropTestData, testBackend } from "../src/backends.js";
import { api, waitFor, type ApiRun, type ApiStep } from "../src/index.js";
import { seededRandom } from "@weft/testing";

const seed = Number(process.env.WEFT_MODEL_SEED ?? 7);
const runs = 16;
const postgres = await testBackend("postgres");
const redis = await testBackend("redis");
const tag = `model_${process.pid}_${Date.now()}`;
const dir = mkdtempSync(join(tmpdir(), "weft-model-"));
afterAll(async () => {
  rmSync(dir, { recursive: true, force: true });
  await dropTestData({ postgres, schemas: [`${tag}_pg`, `${tag}_pgr`], redis, prefixes: [`${tag}:`] });
});

type Script = "go" | "early-go" | "timeout" | "cancel-steps" | "cancel-wait";
interface Plan {
  k: number;
  steps: number;
  script: Script;
  /** The step after which the app drops the connection once (its result is lost, so it runs twice). */
  crashAt?: number;
  delayMs: number;
}

/** The schedule, from the seed alone: every store plays the same one. */
function schedule(): { plans: Plan[]; restartsAtMs: number[] } {
  const rand = seededRandom(seed);
  const scripts: Script[] = ["go", "early-go", "timeout", "cancel-steps", "cancel-wait"];
  const plans = Array.from({ length: runs }, (_, k) => ({
    k,
    steps: 1 + Math.floor(rand() * 4),
    script: scripts[Math.floor(rand() * scripts.length)] as Script,
    crashAt: rand() < 0.35 ? 0 : undefined,
    delayMs: Math.floor(rand() * 600),
  }));
  for (const p of plans) if (p.crashAt !== undefined) p.crashAt = Math.floor(rand() * p.steps);
  return { plans, restartsAtMs: [200 + Math.floor(rand() * 400), 900 + Math.floor(rand() * 600)] };
}

/** What the model says: each run's status and output, and how often each step ran. */
function predict(p: Plan) {
  const sum = Array.from({ length: p.steps }, (_, i) => p.k * 10 + i).reduce((a, b) => a + b, 0);
  const cancelled = p.script === "cancel-steps" || p.script === "cancel-wait";
  const output = cancelled ? undefined : { sum, go: p.script === "go" ? p.k + 1000 : null };
  const executions: Record<string, number | "≤2"> = {};
  for (let i = 0; i < p.steps; i++) {
    const ran = i === p.crashAt ? 2 : 1;
    // A cancel during the steps stops the run somewhere among them.
    executions[`s${i}`] = p.script === "cancel-steps" ? (i === 0 ? ran : "≤2") : ran;
  }
  executions.final = cancelled ? 0 : 1;
  return { status: cancelled ? "Cancelled" : "Completed", output, executions };
}

async function play(store: StoreConfig) {
  const { plans, restartsAtMs } = schedule();
  const stores = await openStores(store);
  const start = () =>
    startWeftServer({ stores, port: 0, retryIntervalMs: 20, leaseMs: 1000, log: process.env.WEFT_TEST_LOG ? undefined : silentLogger, syncIntervalMs: 60_000 });
  const a = await start();
  let b: WeftServer | undefined = await start();
  const executions = new Map<string, number>();
  const crashed = new Set<number>();
  const call = new AsyncLocalStorage<{ crash: boolean }>();
  // The app dies after running a step: with checkpointing, before the step's checkpoint reaches
  // the server (the SDK's calls to the server go through this fetch), and so before its answer.
  const client = new Weft({
    id: "model-app",
    baseUrl: a.url,
    fetch: (input, init) => (call.getStore()?.crash ? Promise.reject(new Error("the app died")) : fetch(input, init)),
  });
  const fn = client.createFunction({ id: "flow" }, { event: "model/start" }, async ({ event, step }) => {
    const { k, steps, timeout, crashAt } = event.data as { k: number; steps: number; timeout: string; crashAt?: number };
    let sum = 0;
    for (let i = 0; i < steps; i++) {
      sum += await step.run(`s${i}`, async () => {
        executions.set(`${k}:s${i}`, (executions.get(`${k}:s${i}`) ?? 0) + 1);
        await new Promise((r) => setTimeout(r, 30));
        if (i === crashAt && !crashed.has(k)) {
          crashed.add(k);
          const ctx = call.getStore();
          if (ctx) ctx.crash = true;
        }
        return k * 10 + i;
      });
    }
    const go = await step.waitForEvent("go", { event: "model/go", match: "data.k", timeout });
    await step.run("final", () => executions.set(`${k}:final`, (executions.get(`${k}:final`) ?? 0) + 1));
    return { sum, go: go ? (go.data as { v: number }).v : null };
  });
  const handler = serve({ client, functions: [fn] });
  const http = createServer((req, res) => {
    const ctx = { crash: false };
    // ... and the connection drops before its answer is sent.
    const end = res.end.bind(res) as ServerResponse["end"];
    res.end = ((...args: Parameters<ServerResponse["end"]>) => (ctx.crash ? (res.socket?.destroy(), res) : end(...args))) as ServerResponse["end"];
    call.run(ctx, () => void handler(req, res));
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  try {
    await api(a.url, "POST", "/v1/apps", { url: `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/inngest` });
    const stepsOf = async (runId: string) => (await api<{ data: ApiStep[] }>(a.url, "GET", `/v1/runs/${runId}/steps`)).data;
    const send = async (name: string, data: Record<string, unknown>) =>
      (await api<{ ids: string[] }>(a.url, "POST", "/e/key", { name, data })).ids[0] as string;
    const until = (runId: string, what: string, test: (s: ApiStep[]) => boolean) =>
      waitFor(async () => (test(await stepsOf(runId)) ? true : undefined), `${what} of ${runId}`, 15_000);

    const script = async (p: Plan): Promise<string> => {
      await new Promise((r) => setTimeout(r, p.delayMs));
      if (p.script === "early-go") await send("model/go", { k: p.k, v: -1 });
      const long = p.script === "go" || p.script.startsWith("cancel");
      const eventId = await send("model/start", { k: p.k, steps: p.steps, timeout: long ? "30s" : "700ms", crashAt: p.crashAt });
      const [run] = await waitFor(async () => {
        const { data } = await api<{ data: ApiRun[] }>(a.url, "GET", `/v1/events/${eventId}/runs`);
        return data.length > 0 ? data : undefined;
      }, `the run of ${p.k}`);
      const runId = (run as ApiRun).run_id;
      const waiting = (s: ApiStep[]) => s.some((l) => l.op === "WaitForEvent");
      if (p.script === "go") {
        await until(runId, "the wait", waiting);
        await send("model/go", { k: p.k, v: p.k + 1000 });
      } else if (p.script === "cancel-wait") {
        await until(runId, "the wait", waiting);
        await api(a.url, "POST", `/v1/runs/${runId}/cancel`);
      } else if (p.script === "cancel-steps") {
        await until(runId, "a first step", (s) => s.some((l) => l.name === "s0" && l.status === "Completed"));
        await api(a.url, "POST", `/v1/runs/${runId}/cancel`);
      }
      return runId;
    };
    const restarts = (async () => {
      const t0 = Date.now();
      for (const at of restartsAtMs) {
        await new Promise((r) => setTimeout(r, Math.max(0, at - (Date.now() - t0))));
        await b?.close();
        b = await start();
      }
    })();
    const runIds = await Promise.all(plans.map(script));
    await restarts;
    const outcomes: Record<number, { status: string; output: unknown; executions: Record<string, number> }> = {};
    for (const [i, p] of plans.entries()) {
      const expected = predict(p);
      const run = await waitFor(
        async () => {
          const { data } = await api<{ data: ApiRun }>(a.url, "GET", `/v1/runs/${runIds[i]}`);
          return data.status !== "Running" ? data : undefined;
        },
        `run ${p.k} to end`,
        20_000,
      );
      const counts = Object.fromEntries(Object.keys(expected.executions).map((s) => [s, executions.get(`${p.k}:${s}`) ?? 0]));
      // How far a run cancelled mid-steps got depends on timing: only the rest is compared across stores.
      outcomes[p.k] = {
        status: run.status,
        output: run.status === "Completed" ? run.output : undefined,
        executions: p.script === "cancel-steps" ? {} : counts,
      };
      const where = `run ${p.k} (${p.script}, ${p.steps} steps, crash at ${p.crashAt ?? "none"}; seed ${seed})`;
      expect(run.status, where).toBe(expected.status);
      if (expected.output) expect(run.output, where).toEqual(expected.output);
      for (const [s, n] of Object.entries(expected.executions)) {
        if (n === "≤2") expect(counts[s], `${where} ${s}`).toBeLessThanOrEqual(2);
        else expect(counts[s], `${where} ${s}`).toBe(n);
      }
    }
    return { plans, outcomes };
  } finally {
    http.closeAllConnections();
    http.close();
    await b?.close();
    await a.close();
    await closeStores(stores);
  }
}

const setups: { name: string; store: StoreConfig | undefined }[] = [
  { name: "memory", store: { db: "memory:" } },
  { name: "sqlite", store: { db: `sqlite:${join(dir, "model.db")}` } },
  { name: "postgres", store: postgres ? { db: `${postgres}?schema=${tag}_pg` } : undefined },
  { name: "postgres + redis", store: postgres && redis ? { db: `${postgres}?schema=${tag}_pgr`, state: `${redis}?keyPrefix=${tag}:` } : undefined },
];
const results = new Map<string, Awaited<ReturnType<typeof play>>["outcomes"]>();

describe(`model-based schedule (seed ${seed}, ${runs} runs)`, () => {
  it.each(setups)("$name matches the model", { timeout: 60_000 }, async ({ name, store }) => {
    if (!store) return;
    const { plans, outcomes } = await play(store);
    results.set(name, outcomes);
    const by = (s: Script) => plans.filter((p) => p.script === s).length;
    const crashes = plans.filter((p) => p.crashAt !== undefined).length;
    console.log(
      `model ${name}: ${runs} runs (go ${by("go")}, early-go ${by("early-go")}, timeout ${by("timeout")}, cancel-steps ${by("cancel-steps")}, cancel-wait ${by("cancel-wait")}; ${crashes} app crashes; 2 engine restarts): all matched the model`,
    );
  });

  it("every store reached the same outcomes", () => {
    const [first, ...rest] = [...results.values()];
    for (const other of rest) expect(other).toEqual(first);
  });
});
