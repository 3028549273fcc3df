// Why these cannot be shared conformance cases: they look beneath the contracts, at Redis's own key
// space (which keys a run leaves, which cluster slot each hashes to) and at what a dead connection or
// server turns into. The memory and SQLite stores have no keys, slots or URLs to check.
import { createServer } from "node:net";
import type { AddressInfo } from "node:net";
import { InvalidInputError, StoreUnavailableError, isWeftError } from "@weft/core";
import { ManualClock, closeStores } from "@weft/store";
import type { NewRun, Pause, StateBundle } from "@weft/store";
import { KeyLayout, createRedisStores, parseRedisUrl } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  deleteKeysWithPrefix,
  freePorts,
  keysWithPrefix,
  redisBinariesPresent,
  redisReachable,
  startRedisNode,
  testRedisUrl,
  uniquePrefix,
} from "@weft/testing";

/** CRC16-CCITT (XMODEM), the hash of Redis Cluster's key slots. */
function crc16(bytes: Uint8Array): number {
  let crc = 0;
  for (const byte of bytes) {
    crc ^= byte << 8;
    for (let bit = 0; bit < 8; bit++) crc = crc & 0x8000 ? ((crc << 1) ^ 0x1021) & 0xffff : (crc << 1) & 0xffff;
  }
  return crc;
}

/** The slot Redis Cluster puts a key in: the hash of its tag (`{…}`, when not empty), else of the key. */
function keySlot(key: string): number {
  const bytes = Buffer.from(key);
  const open = bytes.indexOf("{");
  if (open >= 0) {
    const close = bytes.indexOf("}", open + 1);
    if (close > open + 1) return crc16(bytes.subarray(open + 1, close)) % 16384;
  }
  return crc16(bytes) % 16384;
}

function newRun(clock: ManualClock, runId: string): NewRun {
  const ts = clock.now();
  const events = [{ id: `evt-${runId}`, name: "app/go", data: {}, user: {}, ts }];
  return { runId, idempotencyKey: `fn:${runId}`, functionId: "app-fn", appId: "app", env: "dev", events, createdAt: ts, maxAttempts: 3 };
}

function pause(id: string, runId: string, env: string, eventName: string, matchKey?: Pause["matchKey"]): Pause {
  const p: Pause = { id, runId, stepId: `s-${id}`, kind: "wait", env, eventName, createdAt: 1, expiresAt: 2 };
  if (matchKey !== undefined) p.matchKey = matchKey;
  return p;
}

/** Rejects with a `StoreUnavailableError` whose message names `url`; answers that message. */
async function unavailable(promise: Promise<unknown>, url: string): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isWeftError(error, StoreUnavailableError), `expected StoreUnavailableError, got ${String(error)}`).toBe(true);
  const message = (error as Error).message;
  expect(message).toContain(url);
  return message;
}

describe("cluster slots (no Redis needed)", () => {
  it("keySlot agrees with CLUSTER KEYSLOT on known keys", () => {
    expect(crc16(Buffer.from("123456789"))).toBe(0x31c3); // the check value in the Redis Cluster spec
    expect(keySlot("foo")).toBe(12182);
    expect(keySlot("{user1000}.following")).toBe(3443);
    expect(keySlot("weft:run:{01HABC}:steps")).toBe(7160);
    expect(keySlot("a{}b")).toBe(13694); // an empty tag hashes the whole key
  });

  it("ids with braces, percent signs or nothing at all still give each run one tag of its own", () => {
    const layout = new KeyLayout("p:");
    for (const runId of ["01HABC", "", "}", "a{b}c", "50%", "a:b"]) {
      const keys = Object.values(layout.run(runId));
      expect(new Set(keys.map(keySlot)).size, runId).toBe(1);
      expect(
        keys.every((k) => k.split("{").length === 2 && k.split("}").length === 2),
        runId,
      ).toBe(true);
    }
    expect(layout.run("a}b").run).not.toBe(layout.run("a%7Db").run);
    expect(layout.pauseIndex("a:b", "c").any).not.toBe(layout.pauseIndex("a", "b:c").any);
    expect(() => new KeyLayout("weft{x}:")).toThrow(InvalidInputError);
    expect(() => createRedisStores("redis://127.0.0.1:1", { keyPrefix: "a}" })).toThrow(InvalidInputError);
  });

  it("URLs: one node, a cluster's startup nodes, passwords redacted, anything else refused", () => {
    expect(parseRedisUrl("redis://:pw@127.0.0.1:6380/3")).toEqual({
      kind: "node",
      url: "redis://:pw@127.0.0.1:6380/3",
      display: "redis://:***@127.0.0.1:6380/3",
    });
    expect(parseRedisUrl("redis-cluster://weft:p%40ss@10.0.0.1:7000,[::1]:7001,node-c")).toEqual({
      kind: "cluster",
      nodes: [
        { host: "10.0.0.1", port: 7000 },
        { host: "::1", port: 7001 },
        { host: "node-c", port: 6379 },
      ],
      username: "weft",
      password: "p@ss",
      tls: false,
      display: "redis-cluster://weft:***@10.0.0.1:7000,[::1]:7001,node-c",
    });
    expect(parseRedisUrl("redis://127.0.0.1/1?family=4&keyPrefix=app-a:")).toMatchObject({ url: "redis://127.0.0.1/1?family=4", keyPrefix: "app-a:" });
    expect(parseRedisUrl("redis-cluster://h1:1,h2:2?keyPrefix=app-b:")).toMatchObject({ nodes: [{ port: 1 }, { port: 2 }], keyPrefix: "app-b:" });
    expect(() => parseRedisUrl("memcached://127.0.0.1")).toThrow(InvalidInputError);
    expect(() => parseRedisUrl("redis-cluster://h:1,h:x")).toThrow(InvalidInputError);
  });
});

const suite = "redis keys";

if (await redisReachable(suite)) {
  const admin = new Redis(testRedisUrl);
  const opened: { stores: StateBundle; prefix: string }[] = [];
  const clock = new ManualClock();

  /** Stores whose prefix comes from the URL (`?keyPrefix=`), as a server given only a URL would have. */
  function open(): { stores: StateBundle; prefix: string } {
    const prefix = uniquePrefix("keys");
    const url = `${testRedisUrl}${testRedisUrl.includes("?") ? "&" : "?"}keyPrefix=${encodeURIComponent(prefix)}`;
    const entry = { stores: createRedisStores(url, { clock }), prefix };
    opened.push(entry);
    return entry;
  }

  afterEach(async () => {
    for (const { stores, prefix } of opened.splice(0)) {
      await closeStores(stores);
      await deleteKeysWithPrefix(admin, prefix);
    }
  });
  afterAll(() => admin.quit());

  describe(suite, () => {
    it("every key of one run hashes to the run's slot", async () => {
      const { stores, prefix } = open();
      const layout = new KeyLayout(prefix);
      for (const runId of ["01JRUN0000000000000000000", "odd{run}:50%"]) {
        await stores.state.createRun(newRun(clock, runId));
        await stores.state.saveStep(runId, "a", '{"data":1}');
        await stores.state.addPending(runId, ["b"]);
        await stores.state.finalize(runId, { status: "Completed", output: "1", endedAt: clock.now() });
        await stores.pauses.savePause(pause(`${runId}:w`, runId, "dev", "app/x", { path: "data.id", value: '"1"' }));
      }
      const keys = await keysWithPrefix(admin, prefix);
      for (const runId of ["01JRUN0000000000000000000", "odd{run}:50%"]) {
        const run = layout.run(runId);
        const ofRun = keys.filter((k) => k.startsWith(run.run));
        expect(ofRun.sort()).toEqual(Object.values(run).sort());
        expect(ofRun.map(keySlot)).toEqual(ofRun.map(() => keySlot(run.run)));
      }
      // A plain run id is the tag itself: `{<runId>}`.
      expect(keySlot(layout.run("01JRUN0000000000000000000").steps)).toBe(keySlot("{01JRUN0000000000000000000}"));
    });

    it("the queue is one slot, and each pause index is one slot", async () => {
      const { stores, prefix } = open();
      const layout = new KeyLayout(prefix);
      const now = clock.now();
      for (let i = 0; i < 6; i++) {
        const item = { id: `job-${i}`, kind: "step" as const, runId: `run-${i % 2}`, tenant: `t{${i % 3}}`, payload: {}, availableAt: now, attempt: 0 };
        await stores.queue.enqueue(item);
      }
      const [first, second] = await stores.queue.lease({ now, leaseMs: 1_000, limit: 2 });
      await stores.queue.dequeue(first?.token ?? "");
      await stores.queue.requeue(second?.token ?? "", { availableAt: now + 1, attempt: 1 });
      const pairs = [
        ["dev", "app/x"],
        ["prod:eu", "app/{y}"],
      ] as const;
      for (const [env, name] of pairs) {
        await stores.pauses.savePause(pause(`${env}-any`, "run-0", env, name));
        await stores.pauses.savePause(pause(`${env}-keyed`, "run-0", env, name, { path: "data.id", value: '"1"' }));
      }
      const keys = await keysWithPrefix(admin, prefix);
      const queueKeys = keys.filter((k) => k.startsWith(layout.queue().base));
      // job hashes, tenant sets, tenants, unleased, leased, refused, run sets, counters
      expect(queueKeys.length).toBeGreaterThan(10);
      expect(new Set(queueKeys.map(keySlot)).size).toBe(1);
      for (const [env, name] of pairs) {
        const index = layout.pauseIndex(env, name);
        const base = index.any.slice(0, -":any".length);
        const indexKeys = keys.filter((k) => k.startsWith(base));
        expect(indexKeys.sort()).toEqual([index.any, index.match("data.id", '"1"'), index.paths].sort());
        expect(new Set(indexKeys.map(keySlot)).size).toBe(1);
      }
    });
  });
} else {
  describe.skip(suite, () => it("needs a reachable Redis", () => {}));
}

describe("connection failures", () => {
  it("init fails fast with StoreUnavailableError naming the URL, password redacted", async () => {
    const [port] = await freePorts(1);
    const url = `redis://127.0.0.1:${port}/2`;
    const started = Date.now();
    const stores = createRedisStores(url);
    const message = await unavailable(stores.init(), url);
    expect(message).toMatch(/ECONNREFUSED/);
    await unavailable(stores.init(), url); // the one failed connect, remembered
    await unavailable(stores.state.loadRun("run-1"), url);
    await closeStores(stores);

    const secret = createRedisStores(`redis://weft:s3cret@127.0.0.1:${port}`);
    expect(await unavailable(secret.init(), `redis://weft:***@127.0.0.1:${port}`)).not.toContain("s3cret");
    await closeStores(secret);
    expect(Date.now() - started).toBeLessThan(5_000);
  });

  it("a server that accepts connections but never answers fails init within the connect timeout", async () => {
    const silent = createServer(() => {}).listen(0, "127.0.0.1");
    await new Promise((resolve) => silent.once("listening", resolve));
    const { port } = silent.address() as AddressInfo;
    try {
      for (const url of [`redis://127.0.0.1:${port}`, `redis-cluster://127.0.0.1:${port}`]) {
        const stores = createRedisStores(url, { connectTimeoutMs: 300 });
        const started = Date.now();
        await unavailable(stores.init(), url);
        expect(Date.now() - started).toBeLessThan(1_000);
        await closeStores(stores);
      }
    } finally {
      silent.close();
    }
  });

  it("a cluster URL nobody answers fails init the same way", async () => {
    const ports = await freePorts(2);
    const url = `redis-cluster://${ports.map((p) => `127.0.0.1:${p}`).join(",")}`;
    const stores = createRedisStores(url);
    await unavailable(stores.init(), url);
    await closeStores(stores);
  });

  if (redisBinariesPresent("redis connection failures")) {
    it("a Redis that dies after init turns calls into StoreUnavailableError naming the URL", async () => {
      const server = await startRedisNode();
      const stores = createRedisStores(server.url, { clock: new ManualClock() });
      try {
        await stores.init();
        await stores.state.createRun(newRun(new ManualClock(), "run-1"));
        await server.stop();
        const started = Date.now();
        await Promise.all([
          unavailable(stores.state.saveStep("run-1", "a", "1"), server.url),
          unavailable(stores.queue.size(), server.url),
          unavailable(stores.pauses.getPause("p"), server.url),
        ]);
        expect(Date.now() - started).toBeLessThan(5_000);
      } finally {
        await closeStores(stores);
        await server.stop();
      }
    });
  }
});
