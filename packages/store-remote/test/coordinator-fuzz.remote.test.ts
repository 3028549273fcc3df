// The coordinator under a seeded fuzzer: random paths, methods and argument arrays for every
// hosted method, unreadable bodies, and streams or sessions reset mid-request. Nothing may stop the
// process (a throw escaping the stream listener would take every engine's state with it), every
// request is answered, and the coordinator still answers /health. Over memory stores: what is
// fuzzed is the coordinator's own handling, not a backend.
import http2 from "node:http2";
import { openStateLayout } from "@weft/server";
import { afterAll, describe, expect, it } from "vitest";
import { startCoordinator } from "../src/index.js";
import { remoteMethods, storeNames } from "../src/wire.js";
import { rawRequest } from "./raw-http2.js";
import { seededRandom } from "@weft/testing";

const seed = Number(process.env.WEFT_FUZZ_SEED ?? 20261213);

const hosted = openStateLayout("memory:");
await hosted.init();
const coordinator = await startCoordinator({ stores: hosted, listen: { host: "127.0.0.1", port: 0 }, maxInFlight: 2 });
const origin = `http://${coordinator.url.slice("weft://".length)}`;
afterAll(async () => {
  await coordinator.close();
  await hosted.close();
});

describe(`the coordinator under a fuzzer (seed ${seed})`, () => {
  it("answers 3,000 malformed calls and 300 reset ones without stopping", { timeout: 30_000 }, async () => {
    const crashes: unknown[] = [];
    const onCrash = (e: unknown) => crashes.push(e);
    process.on("uncaughtException", onCrash);
    process.on("unhandledRejection", onCrash);
    const rand = seededRandom(seed);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T;
    const values: unknown[] = [
      null,
      0,
      -1,
      1e308,
      "",
      "x",
      "%E0",
      "\u0000",
      [],
      {},
      [1, 2],
      true,
      { now: 1, leaseMs: 1, limit: 1 },
      { now: "x", leaseMs: -1, limit: 1e9 },
      { id: "j", runId: "r", availableAt: "x" },
      { runId: "r", stepId: "s" },
    ];
    const statuses: Record<string, number> = {};
    const unanswered: string[] = [];
    const session = http2.connect(origin);
    session.on("error", () => {});
    try {
      const pending: Promise<void>[] = [];
      for (let i = 0; i < 3000; i++) {
        const store = pick([...storeNames, "history", "%E0"]);
        const methods = store in remoteMethods ? [...remoteMethods[store as keyof typeof remoteMethods]] : ["loadRun", "constructor"];
        const call = `/call/${store}/${pick([...methods, "init", "close", "__proto__"])}`;
        const path = pick([call, call, call, `${call}?x=%00`, `${call}/extra`, "/subscribe", "/health", "/call/", "/", "/%E0/%00"]);
        const body = pick([JSON.stringify(Array.from({ length: Math.floor(rand() * 4) }, () => pick(values))), "{", "", "[", "null", "[1e999]"]);
        pending.push(
          new Promise<void>((resolve) => {
            const stream = session.request({ ":method": pick(["POST", "POST", "GET", "PUT"]), ":path": path });
            stream.on("response", (h) => {
              const status = String(h[":status"]);
              statuses[status] = (statuses[status] ?? 0) + 1;
              if (path === "/subscribe") stream.close();
            });
            stream.on("data", () => {});
            stream.on("close", () => {
              if (stream.rstCode) unanswered.push(`${path} rst ${stream.rstCode}`);
              resolve();
            });
            stream.on("error", () => resolve());
            stream.end(body);
          }),
        );
        if (pending.length >= 50) await Promise.all(pending.splice(0));
      }
      await Promise.all(pending);
      // Streams and sessions that go away as the request arrives.
      for (let i = 0; i < 300; i++) {
        const s = http2.connect(origin);
        s.on("error", () => {});
        const path = pick(["/subscribe", "/call/queue/size", "/call/state/loadRun", "/health"]);
        const stream = s.request({ ":method": path.startsWith("/call") ? "POST" : "GET", ":path": path });
        stream.on("error", () => {});
        stream.end(path.startsWith("/call") ? "[]" : undefined);
        if (i % 3 === 0) stream.close(http2.constants.NGHTTP2_CANCEL);
        else if (i % 3 === 1) s.destroy();
        else setImmediate(() => s.destroy());
      }
    } finally {
      session.close();
      process.off("uncaughtException", onCrash);
      process.off("unhandledRejection", onCrash);
    }
    console.log(`coordinator fuzz (seed ${seed}): ${JSON.stringify(statuses)}`);
    expect(crashes).toEqual([]);
    expect(unanswered.slice(0, 10)).toEqual([]);
    expect(Object.values(statuses).reduce((a, b) => a + b, 0)).toBe(3000);
    expect(await rawRequest(coordinator.url, { method: "GET", path: "/health" })).toMatchObject({ status: 200, body: { status: "ok" } });
  });
});
