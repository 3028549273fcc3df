import {
  InvalidInputError,
  NonRetriableError,
  RetryAfterError,
  RunNotFoundError,
  StateConflictError,
  StepError,
  StoreUnavailableError,
  WeftError,
  isWeftError,
} from "@weft/core";
import type { ErrorCode } from "@weft/core";
import { createMemoryStores } from "@weft/store";
import type { QueueItem, StateStores } from "@weft/store";
import { afterEach, describe, expect, it, vi } from "vitest";
import { createRemoteStores } from "../src/index.js";
import type { Coordinator, RemoteStores } from "../src/index.js";
import { rawRequest } from "./raw-http2.js";
import { coordinate } from "./remote-harness.js";

// What the shared suite cannot show: errors of every code crossing the wire as their own class,
// the token, a coordinator dying or draining mid-call, failover, and wakeups between clients.

/** An error class from a newer core (or a backend's own), with a code this client has no class for. */
class QuotaError extends WeftError {
  override readonly name = "QuotaError";
  constructor(message: string) {
    super("QUOTA" as unknown as ErrorCode, message);
  }
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function memoryBacking(): Promise<StateStores> {
  const stores = createMemoryStores();
  await stores.init();
  cleanups.push(() => stores.close());
  return stores;
}

async function host(backing: StateStores, opts: { token?: string; port?: number } = {}): Promise<Coordinator> {
  const coordinator = await coordinate(backing, opts);
  cleanups.push(() => coordinator.close());
  return coordinator;
}

function client(url: string, opts: Parameters<typeof createRemoteStores>[1] = {}): RemoteStores {
  const remote = createRemoteStores(url, opts);
  cleanups.push(() => remote.close());
  return remote;
}

function run(runId: string, idempotencyKey = `fn:${runId}`) {
  return { runId, idempotencyKey, functionId: "app-fn", appId: "app", env: "dev", events: [], createdAt: Date.now(), maxAttempts: 1 };
}

function item(id: string, availableAt: number): QueueItem {
  return { id, kind: "discover", runId: "run-1", tenant: "t", payload: {}, availableAt, attempt: 0 };
}

/** A promise and the function that settles it, for gating a backend call. */
function gate(): { wait: Promise<void>; open: () => void } {
  let open = () => {};
  const wait = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { wait, open };
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

/** The port of a `weft://127.0.0.1:<port>` URL. */
function portOf(url: string): number {
  return Number(url.split(":").at(-1));
}

describe("errors cross the wire as their own classes", () => {
  it("store errors raised by the backend keep their class, code and message", async () => {
    const backing = await memoryBacking();
    const remote = client((await host(backing)).url);
    await remote.state.createRun(run("r1"));
    await remote.state.saveStep("r1", "a", '{"data":1}');

    const notFound = await rejection(remote.state.saveStep("nope", "a", "1"));
    expect(isWeftError(notFound, RunNotFoundError)).toBe(true);
    expect(notFound).toMatchObject({ code: "RUN_NOT_FOUND", name: "RunNotFoundError", message: "run nope not found" });

    const conflict = await rejection(remote.state.saveStep("r1", "a", '{"data":2}'));
    expect(isWeftError(conflict, StateConflictError)).toBe(true);
    expect(conflict).toMatchObject({ code: "CONFLICT", message: "step a of run r1 already holds a different result" });

    const invalid = await rejection(remote.state.createRun(run("r1", "another-key")));
    expect(isWeftError(invalid, InvalidInputError)).toBe(true);
    expect((invalid as Error).message).toContain("r1");
  });

  it("every core code, and an unexpected error as INTERNAL", async () => {
    const backing = await memoryBacking();
    const thrown: Record<string, unknown> = {
      unavailable: new StoreUnavailableError("postgres at db:5432/weft is down"),
      nonRetriable: new NonRetriableError("stop"),
      retryAfter: new RetryAfterError("later", 30_000),
      step: new StepError("step-7", { message: "it broke" }),
      tombstone: new WeftError("TOMBSTONE", "key fn:e1 is a tombstone"),
      newer: new QuotaError("over quota"),
      bug: new TypeError("x is not a function"),
    };
    backing.state.loadMetadata = async (runId) => {
      throw thrown[runId];
    };
    const remote = client((await host(backing)).url);
    const got = async (key: string) => rejection(remote.state.loadMetadata(key));

    const unavailable = await got("unavailable");
    expect(isWeftError(unavailable, StoreUnavailableError)).toBe(true);
    expect((unavailable as Error).message).toBe("postgres at db:5432/weft is down");
    expect(isWeftError(await got("nonRetriable"), NonRetriableError)).toBe(true);
    const retry = await got("retryAfter");
    expect(isWeftError(retry, RetryAfterError) && retry.retryAfter).toBe("30");
    const step = await got("step");
    expect(isWeftError(step, StepError) && step.stepId).toBe("step-7");
    expect(await got("tombstone")).toMatchObject({ code: "TOMBSTONE", message: "key fn:e1 is a tombstone" });
    // A code and class the client does not know keep their code and name.
    const newer = await got("newer");
    expect(isWeftError(newer, QuotaError)).toBe(true);
    expect(newer).toMatchObject({ code: "QUOTA", message: "over quota" });
    const bug = await got("bug");
    expect(isWeftError(bug, WeftError)).toBe(true);
    expect(bug).toMatchObject({ code: "INTERNAL", message: "TypeError: x is not a function" });
  });

  it("unknown methods and unreadable bodies are refused before they reach a store", async () => {
    const { url } = await host(await memoryBacking());
    for (const path of ["/call/state/init", "/call/state/close", "/call/queue/constructor", "/call/history/listRuns", "/call/queue/size/x"]) {
      expect(await rawRequest(url, { method: "POST", path, body: "[]" })).toMatchObject({ status: 404, body: { code: "INVALID_INPUT" } });
    }
    expect(await rawRequest(url, { method: "POST", path: "/call/queue/size", body: "{" })).toMatchObject({ status: 400, body: { code: "INVALID_INPUT" } });
    expect(await rawRequest(url, { method: "POST", path: "/call/queue/size", body: "{}" })).toMatchObject({ status: 400 });
    expect(await rawRequest(url, { method: "POST", path: "/call/queue/size", body: "[]" })).toEqual({ status: 200, body: { result: 0 } });
  });
});

describe("the token", () => {
  it("is needed for calls but not for /health; a missing or wrong one is a clear 401", async () => {
    const { url } = await host(await memoryBacking(), { token: "s3cret" });
    expect(await rawRequest(url, { method: "GET", path: "/health" })).toMatchObject({ status: 200, body: { status: "ok", auth: "missing" } });
    expect(await rawRequest(url, { method: "POST", path: "/call/queue/size", body: "[]" })).toMatchObject({
      status: 401,
      body: { code: "UNAUTHORIZED" },
    });

    const anonymous = client(url);
    const atInit = await rejection(anonymous.init());
    expect(isWeftError(atInit, StoreUnavailableError)).toBe(true);
    expect((atInit as Error).message).toMatch(/needs a token/);
    const atCall = await rejection(anonymous.queue.size());
    expect(isWeftError(atCall, StoreUnavailableError)).toBe(true);
    expect((atCall as Error).message).toMatch(/HTTP 401/);

    const wrong = client(url, { token: "guess" });
    expect((await rejection(wrong.init())) as Error).toHaveProperty("message", expect.stringMatching(/refused the token/));
    expect(((await rejection(wrong.queue.size())) as Error).message).toMatch(/wrong token/);

    const right = client(url, { token: "s3cret" });
    await right.init();
    expect(await right.queue.size()).toBe(0);
    // The token may also ride in the URL's password.
    const inUrl = client(url.replace("weft://", "weft://weft:s3cret@"));
    expect(await inUrl.queue.size()).toBe(0);
  });
});

describe("a coordinator that dies or drains", () => {
  it("killed mid-call: the call in flight fails as unavailable at once; after a restart on the same port calls succeed", async () => {
    const backing = await memoryBacking();
    const held = gate();
    const entered = gate();
    const saveStep = backing.state.saveStep.bind(backing.state);
    backing.state.saveStep = async (...args) => {
      entered.open();
      await held.wait;
      return saveStep(...args);
    };
    cleanups.push(async () => held.open());
    const first = await startAt(backing);
    const remote = client(first.url);
    await remote.state.createRun(run("r1"));

    const inFlight = remote.state.saveStep("r1", "a", "1");
    await entered.wait;
    const killedAt = Date.now();
    await first.close();
    const lost = await rejection(inFlight);
    expect(isWeftError(lost, StoreUnavailableError)).toBe(true);
    expect((lost as Error).message).toContain(first.url);
    expect((lost as Error).message).toMatch(/in flight/);
    expect(Date.now() - killedAt).toBeLessThan(1_000);

    await startAt(backing, portOf(first.url));
    expect(await remote.state.loadMetadata("r1")).toMatchObject({ runId: "r1" });
    expect(await remote.state.createRun(run("r2"))).toEqual({ status: "created", runId: "r2" });
  });

  it("down for a moment: calls wait for it to come back (within retryWindowMs), then succeed", async () => {
    const backing = await memoryBacking();
    const first = await startAt(backing);
    const remote = client(first.url);
    await remote.queue.enqueue(item("a", 0));
    await first.close();
    const waiting = remote.queue.enqueue(item("b", 0));
    await new Promise((resolve) => setTimeout(resolve, 300));
    await startAt(backing, portOf(first.url));
    expect(await waiting).toBe(true);
    expect(await remote.queue.size()).toBe(2);
  });

  it("with none reachable, init and calls fail with StoreUnavailableError naming the URL", async () => {
    const gone = await startAt(await memoryBacking());
    await gone.close();
    const remote = client(gone.url, { retryWindowMs: 200 });
    const atInit = await rejection(remote.init());
    expect(isWeftError(atInit, StoreUnavailableError)).toBe(true);
    expect((atInit as Error).message).toContain(gone.url);
    const atCall = await rejection(remote.queue.size());
    expect(isWeftError(atCall, StoreUnavailableError)).toBe(true);
    expect((atCall as Error).message).toContain(gone.url);
  });

  it("fails over between coordinators listed in the URL; drain lets calls in flight finish", async () => {
    const backing = await memoryBacking();
    const held = gate();
    const entered = gate();
    const finalize = backing.state.finalize.bind(backing.state);
    backing.state.finalize = async (...args) => {
      entered.open();
      await held.wait;
      return finalize(...args);
    };
    cleanups.push(async () => held.open());
    const a = await startAt(backing);
    const b = await startAt(backing);
    const remote = client(`weft://${a.url.slice(7)},${b.url.slice(7)}`);
    await remote.init();
    await remote.state.createRun(run("r1"));
    const serving = a.health().calls > 0 ? a : b;
    const other = serving === a ? b : a;

    const inFlight = remote.state.finalize("r1", { status: "Completed", output: "null", endedAt: 1 });
    await entered.wait;
    const drained = serving.drain();
    // New calls go to the other coordinator while the first drains.
    expect(await remote.state.createRun(run("r2"))).toEqual({ status: "created", runId: "r2" });
    expect(other.health().calls).toBeGreaterThan(0);
    expect(serving.health().status).toBe("draining");
    held.open();
    expect(await inFlight).toBe(true);
    await drained;
    expect(await remote.state.loadMetadata("r1")).toMatchObject({ status: "Completed" });
  });
});

describe("queue wakeups across clients", () => {
  it("a client hears its own enqueues once, from the reply, and other clients' pushed on /subscribe", async () => {
    const coordinator = await host(await memoryBacking());
    const a = client(coordinator.url);
    const b = client(coordinator.url);
    const heard: number[] = [];
    const unsubscribe = a.queue.subscribe((at) => heard.push(at));
    await vi.waitFor(() => expect(coordinator.health().subscribers).toBe(1));

    await a.queue.enqueue(item("mine", 100));
    expect(heard).toEqual([100]);
    await b.queue.enqueue(item("theirs", 200));
    await vi.waitFor(() => expect(heard).toEqual([100, 200]));
    await b.queue.enqueue(item("theirs", 201)); // refused (seen id): no wakeup
    await new Promise((resolve) => setTimeout(resolve, 50));
    expect(heard).toEqual([100, 200]);

    unsubscribe();
    await vi.waitFor(() => expect(coordinator.health().subscribers).toBe(0));
    await b.queue.enqueue(item("later", 300));
    expect(heard).toEqual([100, 200]);
  });
});

/** A coordinator over `backing` on `port` (default: a free one), closed after the test. */
async function startAt(backing: StateStores, port?: number): Promise<Coordinator> {
  return host(backing, { port });
}
