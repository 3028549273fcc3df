import type { ConnectWorkerRecord, FunctionRecord } from "@weft/store";
import { expect } from "vitest";
import type { DefineCase } from "./case-context.js";

function fn(appId: string, name: string): FunctionRecord {
  const id = `${appId}-${name}`;
  return {
    id,
    appId,
    name,
    config: {
      id,
      triggers: [{ event: "app/go" }],
      steps: { step: { id: "step", name: "step", runtime: { type: "http", url: "http://127.0.0.1/api" } } },
    },
  };
}

const idsOf = (records: readonly { id: string }[]) => records.map((r) => r.id);

export function registryCases(test: DefineCase): void {
  test("registry: upsertApp replaces the whole record; getApp and listApps (by id)", async ({ stores, clock }) => {
    await stores.registry.upsertApp({ id: "b", url: "http://b" });
    await stores.registry.upsertApp({ id: "a", url: "http://a", error: "unreachable" });
    expect(await stores.registry.getApp("a")).toEqual({ id: "a", url: "http://a", error: "unreachable" });
    // A sync that worked drops the error: the new record replaces the old one, it is not merged.
    const synced = { id: "a", url: "http://a2", sdk: "js:v3", framework: "express", syncedAt: clock.now(), checksum: "x" };
    await stores.registry.upsertApp(synced);
    expect(await stores.registry.getApp("a")).toEqual(synced);
    expect(await stores.registry.getApp("zz")).toBeUndefined();
    expect(idsOf(await stores.registry.listApps())).toEqual(["a", "b"]);
  });

  test("registry: replaceFunctions removes an app's missing functions only", async ({ stores }) => {
    await stores.registry.replaceFunctions("a", [fn("a", "one"), fn("a", "two")]);
    await stores.registry.replaceFunctions("b", [fn("b", "one")]);
    await stores.registry.replaceFunctions("a", [fn("a", "two"), fn("a", "three")]);
    expect(idsOf(await stores.registry.listFunctions())).toEqual(["a-three", "a-two", "b-one"]);
    expect(await stores.registry.getFunction("a-one")).toBeUndefined();
    await stores.registry.replaceFunctions("a", []);
    expect(idsOf(await stores.registry.listFunctions())).toEqual(["b-one"]);
    expect(await stores.registry.getFunction("b-one")).toEqual(fn("b", "one"));
  });

  test("registry: getFunction after replaceFunctions answers the new record", async ({ stores }) => {
    await stores.registry.replaceFunctions("a", [fn("a", "one")]);
    const changed: FunctionRecord = {
      ...fn("a", "one"),
      name: "One, renamed",
      config: { ...fn("a", "one").config, triggers: [{ cron: "*/5 * * * *" }], concurrency: [{ limit: 2 }] },
    };
    await stores.registry.replaceFunctions("a", [changed]);
    expect(await stores.registry.getFunction("a-one")).toEqual(changed);
    expect(await stores.registry.listFunctions()).toEqual([changed]);
    expect(await stores.registry.getFunction("a-zz")).toBeUndefined();
  });

  test("registry: a reader sees an app's old function list or its new one, never a mix", async ({ stores }) => {
    const lists = [
      [fn("a", "one"), fn("a", "two"), fn("a", "three")],
      [fn("a", "four"), fn("a", "five")],
    ];
    const expected = lists.map((list) => idsOf(list).sort());
    await stores.registry.replaceFunctions("a", lists[0] ?? []);
    const reads: Promise<FunctionRecord[]>[] = [];
    const writes: Promise<void>[] = [];
    for (let i = 0; i < 20; i++) {
      writes.push(stores.registry.replaceFunctions("a", lists[(i + 1) % 2] ?? []));
      reads.push(stores.registry.listFunctions());
    }
    await Promise.all(writes);
    for (const read of await Promise.all(reads)) expect(expected).toContainEqual(idsOf(read).sort());
  });

  test("registry: Connect workers are listed until they expire, replaced by connection id, removed", async ({ stores }) => {
    const worker = (connectionId: string, expiresAt: number, inFlight = 0): ConnectWorkerRecord => ({
      connectionId,
      apps: ["a"],
      instanceId: "host",
      gatewayId: "g1",
      maxConcurrency: 4,
      inFlight,
      status: "ready",
      connectedAt: 1000,
      lastHeartbeatAt: 1000,
      expiresAt,
    });
    await stores.registry.putConnectWorker(worker("c2", 5000));
    await stores.registry.putConnectWorker(worker("c1", 3000));
    expect(idsOfWorkers(await stores.registry.listConnectWorkers(2000))).toEqual(["c1", "c2"]);
    // A heartbeat writes the record again: the newest wins.
    await stores.registry.putConnectWorker(worker("c1", 9000, 3));
    expect(await stores.registry.listConnectWorkers(4000)).toEqual([worker("c1", 9000, 3), worker("c2", 5000)]);
    // Past its expiry a worker is gone, even if nobody removed it (its process died).
    expect(idsOfWorkers(await stores.registry.listConnectWorkers(6000))).toEqual(["c1"]);
    await stores.registry.removeConnectWorker("c1");
    expect(await stores.registry.listConnectWorkers(6000)).toEqual([]);
  });
}

const idsOfWorkers = (workers: ConnectWorkerRecord[]) => workers.map((w) => w.connectionId);
