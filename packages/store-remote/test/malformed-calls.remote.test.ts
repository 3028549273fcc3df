// Calls whose arguments do not fit the method, sent over real HTTP/2 to a coordinator hosting each
// real backend: the shared suite only ever sends well-typed calls through the typed client. Each
// must be a 400 INVALID_INPUT naming the argument (never a 500 carrying a backend's TypeError or
// SQL error), must leave nothing written, and must reach a client as InvalidInputError; a backend
// that is down still answers a well-formed call 503, as before.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError, StoreUnavailableError, isWeftError } from "@weft/core";
import { openStateLayout } from "@weft/server";
import type { StateBundle } from "@weft/store";
import { createPostgresStores, migrate } from "@weft/store-postgres";
import { createRedisStores } from "@weft/store-redis";
import {
  deleteKeysWithPrefix,
  dropSchemas,
  postgresReachable,
  postgresUrl,
  redisBinariesPresent,
  redisReachable,
  startRedisNode,
  testRedisUrl,
  testSchema,
  uniquePrefix,
  withAdmin,
} from "@weft/testing";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { createRemoteStores } from "../src/index.js";
import type { Coordinator, RemoteStores } from "../src/index.js";
import { rawRequest } from "./raw-http2.js";
import { coordinate } from "./remote-harness.js";

const now = Date.UTC(2026, 0, 1);
const event = { id: "e1", name: "app/signup", data: {}, user: {}, ts: now };
const run = { runId: "r1", idempotencyKey: "fn:r1", functionId: "app-fn", appId: "app", env: "dev", events: [event], createdAt: now, maxAttempts: 1 };
const pause = { id: "p1", runId: "r1", stepId: "s", kind: "wait", env: "dev", eventName: "app/signup", createdAt: now, expiresAt: now + 1_000 };
const item = { id: "q1", kind: "discover", runId: "r1", tenant: "t", payload: {}, availableAt: now, attempt: 0 };

/** `[route, arguments, the message answered]`: wrong types, missing arguments, extra ones, at every depth. */
const malformed: [string, unknown, string][] = [
  ["state/loadRun", [123], "state.loadRun: runId must be a string, got number 123"],
  ["state/loadRun", [], "state.loadRun: runId is missing (expected a string)"],
  ["state/loadRun", ["r1", "extra"], "state.loadRun: takes 1 argument (runId), got 2"],
  ["state/saveStep", ["r1", "s"], "state.saveStep: output is missing (expected a string)"],
  ["state/createRun", [], "state.createRun: run is missing (expected an object)"],
  ["state/createRun", [[run]], "state.createRun: run must be an object, got an array"],
  ["state/createRun", [{ ...run, events: [event, { ...event, data: "x" }] }], 'state.createRun: run.events[1].data must be an object, got the string "x"'],
  ["state/createRun", [{ ...run, createdAt: "now" }], 'state.createRun: run.createdAt must be a whole number, got the string "now"'],
  ["state/addPending", ["r1", "s"], 'state.addPending: stepIds must be an array, got the string "s"'],
  [
    "state/finalize",
    ["r1", { status: "Done", endedAt: now }],
    'state.finalize: outcome.status must be one of "Completed", "Failed", "Cancelled", got the string "Done"',
  ],
  ["pauses/savePause", [{ ...pause, expiresAt: null }], "pauses.savePause: pause.expiresAt must be a whole number, got null"],
  ["pauses/claimPause", [{ ...pause, exclusiveKey: null }, { onConflict: "fail" }], "pauses.claimPause: pause.exclusiveKey must be a string, got null"],
  ["pauses/findPauses", ["dev", "app/signup"], 'pauses.findPauses: event must be an object, got the string "app/signup"'],
  ["queue/enqueueMany", [{ items: [item] }], "queue.enqueueMany: items must be an array, got an object"],
  [
    "queue/enqueueMany",
    [[item, { ...item, id: "q2", availableAt: "soon" }]],
    'queue.enqueueMany: items[1].availableAt must be a whole number, got the string "soon"',
  ],
  ["queue/lease", [{ now, leaseMs: 1_000 }], "queue.lease: opts.limit is missing (expected a whole number)"],
  ["queue/extend", [7, now, 1_000], "queue.extend: token must be a string, got number 7"],
  ["queue/requeue", ["token", { availableAt: now + 0.5, attempt: 1 }], `queue.requeue: update.availableAt must be a whole number, got number ${now + 0.5}`],
  ["flow/takeToken", ["k", 10, now], "flow.takeToken: rate must be an object, got number 10"],
  ["flow/putIf", ["k", "v", now, "1", now], 'flow.putIf: expected must be a whole number, got the string "1"'],
];

/** What the backend holds, read through the same coordinator, after the malformed calls. */
async function written(url: string): Promise<unknown[]> {
  const call = async (route: string, args: unknown[]) => (await rawRequest(url, { method: "POST", path: `/call/${route}`, body: JSON.stringify(args) })).body;
  return [await call("state/loadMetadata", ["r1"]), await call("pauses/getPause", ["p1"]), await call("queue/size", [])];
}

const cleanups: (() => Promise<unknown>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function host(stores: StateBundle, cleanup?: () => Promise<unknown>): Promise<Coordinator> {
  await stores.init();
  if (cleanup) cleanups.push(cleanup);
  cleanups.push(() => stores.close());
  const coordinator = await coordinate(stores);
  cleanups.push(() => coordinator.close());
  return coordinator;
}

function client(url: string): RemoteStores {
  const remote = createRemoteStores(url, { retryWindowMs: 500 });
  cleanups.push(() => remote.close());
  return remote;
}

async function rejection(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error("expected a rejection");
    },
    (e: unknown) => e,
  );
}

/**
 * Every malformed call: a 400 naming the argument, and afterwards nothing written (memory and
 * SQLite used to answer 200 and keep a run created "now", or a queue item available "soon").
 */
async function refusesEveryMalformedCall(coordinator: Coordinator): Promise<void> {
  for (const [route, args, message] of malformed) {
    const answer = await rawRequest(coordinator.url, { method: "POST", path: `/call/${route}`, body: JSON.stringify(args) });
    expect(answer, `${route} ${JSON.stringify(args)}`).toEqual({ status: 400, body: { code: "INVALID_INPUT", message } });
  }
  expect(await written(coordinator.url)).toEqual([{}, {}, { result: 0 }]);
}

const backends: { name: string; open: () => Promise<Coordinator>; gate?: () => Promise<boolean> }[] = [
  { name: "memory", open: () => host(openStateLayout("memory:")) },
  {
    name: "SQLite",
    open: () => {
      const dir = mkdtempSync(join(tmpdir(), "weft-malformed-"));
      return host(openStateLayout(`sqlite:${join(dir, "state.db")}`), async () => rmSync(dir, { recursive: true, force: true }));
    },
  },
  {
    name: "Redis",
    gate: () => redisReachable("malformed calls over redis"),
    open: () => {
      const keyPrefix = uniquePrefix("malformed-calls");
      return host(createRedisStores(testRedisUrl, { keyPrefix }), async () => {
        const admin = new Redis(testRedisUrl);
        await deleteKeysWithPrefix(admin, keyPrefix);
        await admin.quit();
      });
    },
  },
  {
    name: "Postgres",
    gate: () => postgresReachable("malformed calls over postgres"),
    open: async () => {
      const schema = testSchema("weft_malformed");
      await migrate(postgresUrl, { schema });
      return host(createPostgresStores(postgresUrl, { schema, poolSize: 2 }), () => withAdmin((admin) => dropSchemas(admin, [schema])));
    },
  },
];

describe("malformed calls are refused with 400 before they reach a store", () => {
  for (const backend of backends) {
    it(`over ${backend.name}: every one answered 400 INVALID_INPUT naming the argument, nothing written`, async (ctx) => {
      if (backend.gate && !(await backend.gate())) ctx.skip();
      await refusesEveryMalformedCall(await backend.open());
    });
  }

  it("well-formed calls still reach the store: the same methods answer 200", async () => {
    const { url } = await host(openStateLayout("memory:"));
    const ok = async (route: string, args: unknown[]) => rawRequest(url, { method: "POST", path: `/call/${route}`, body: JSON.stringify(args) });
    expect(await ok("state/createRun", [run])).toEqual({ status: 200, body: { result: { status: "created", runId: "r1" } } });
    expect(await ok("state/saveStep", ["r1", "s", "1"])).toMatchObject({ status: 200, body: { result: { status: "saved" } } });
    expect(await ok("pauses/savePause", [{ ...pause, matchKey: { path: "data.id", value: '"1"' } }])).toMatchObject({ status: 200 });
    expect(await ok("queue/enqueueMany", [[item, { ...item, id: "q2", runId: undefined }]])).toMatchObject({ status: 200, body: { result: [true, true] } });
    expect(await ok("queue/lease", [{ now, leaseMs: 1_000, limit: 1 }])).toMatchObject({ status: 200, body: { result: [{ item: { id: "q1" } }] } });
    // An undefined argument travels as null.
    expect(await ok("flow/putIf", ["k", "v", now + 1_000, null, now])).toEqual({ status: 200, body: { result: 1 } });
  });

  it("a client that passes the wrong types gets InvalidInputError naming the method and argument", async () => {
    const remote = client((await host(openStateLayout("memory:"))).url);
    const wrongId = await rejection(remote.state.loadRun(42 as unknown as string));
    expect(isWeftError(wrongId, InvalidInputError)).toBe(true);
    expect(wrongId).toMatchObject({ code: "INVALID_INPUT", message: "state.loadRun: runId must be a string, got number 42" });
    // Lease calls go through the coalescer, and are checked before it all the same.
    const lease = await rejection(remote.queue.lease({ now, leaseMs: 1_000 } as unknown as { now: number; leaseMs: number; limit: number }));
    expect(lease).toMatchObject({ code: "INVALID_INPUT", message: "queue.lease: opts.limit is missing (expected a whole number)" });
    expect(isWeftError(lease, InvalidInputError)).toBe(true);
    expect(await remote.queue.size()).toBe(0);
  });
});

describe("a store that is down is not the client's fault", () => {
  if (!redisBinariesPresent("malformed calls: a Redis that dies")) return;
  const servers: { stop(): Promise<void> }[] = [];
  afterAll(async () => {
    for (const server of servers) await server.stop();
  });

  it("with its Redis killed, a well-formed call is 503 STORE_UNAVAILABLE and a malformed one still 400", async () => {
    const server = await startRedisNode();
    servers.push(server);
    const coordinator = await host(createRedisStores(server.url));
    const remote = client(coordinator.url);
    await remote.state.createRun(run);
    await server.stop();

    const down = await rawRequest(coordinator.url, { method: "POST", path: "/call/state/loadMetadata", body: '["r1"]' });
    expect(down).toMatchObject({ status: 503, body: { code: "STORE_UNAVAILABLE" } });
    expect((down.body as { message: string }).message).toContain(server.url);
    const unavailable = await rejection(remote.queue.size());
    expect(isWeftError(unavailable, StoreUnavailableError), String(unavailable)).toBe(true);

    const malformedCall = await rawRequest(coordinator.url, { method: "POST", path: "/call/state/loadMetadata", body: "[1]" });
    expect(malformedCall).toEqual({ status: 400, body: { code: "INVALID_INPUT", message: "state.loadMetadata: runId must be a string, got number 1" } });
  });
});
