// `step.fetch` makes the server call a URL a function chose. In production (`weft start`) that must
// not reach the server's own host or its private network: a target resolving to a loopback, private
// or link-local address is refused before any connection, the step fails once (never retried) with
// the address's class, and the target sees nothing. `--allow-private-fetch` and `weft dev` allow it.
import type { ChildProcess } from "node:child_process";
import type { createServer, Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runOf, runWithStatus, stepsOf, type TestWeft, listenPlain } from "../src/index.js";
import { freePort, kill9, requireBuiltCli, startWeftProcess } from "../src/processes.js";

const servers: Server[] = [];
let targetHits = 0;
let target = "";
let appUrl = "";

const listen = (handler: Parameters<typeof createServer>[1]) => listenPlain(handler, servers);

beforeAll(async () => {
  requireBuiltCli();
  // An internal service on loopback, as a metadata endpoint or an admin port would be.
  target = await listen((_req, res) => {
    targetHits++;
    res.end("internal secret");
  });
  // A bare app: one function that plans a step.fetch (a Gateway op) of the internal service, then
  // returns whatever the step stored.
  const base = await listen((req, res) => {
    let text = "";
    req.on("data", (d) => (text += d));
    req.on("end", () => {
      const headers = { "content-type": "application/json", "x-inngest-sdk": "js:v3.0.0" };
      const { steps } = JSON.parse(text) as { steps: Record<string, unknown> };
      if ("fetch1" in steps) res.writeHead(200, headers).end(JSON.stringify(steps.fetch1));
      else res.writeHead(206, headers).end(JSON.stringify([{ id: "fetch1", op: "Gateway", name: "fetch", opts: { url: `${target}/admin`, method: "GET" } }]));
    });
  });
  appUrl = `${base}/api/inngest`;
});
afterAll(() => {
  for (const s of servers) s.closeAllConnections(), s.close();
});

/** A weft process (`args` say which mode) with the fetching app registered. */
async function withWeft(args: string[], body: (weft: TestWeft) => Promise<void>): Promise<void> {
  const port = await freePort();
  const proc: ChildProcess = await startWeftProcess([...args, "--insecure-dev", "--db", "memory:", "--port", String(port), "--no-discovery"], "Weft ");
  try {
    const weft = { url: `http://127.0.0.1:${port}` } as TestWeft;
    const fn = {
      id: "fetch-internal",
      name: "fetch-internal",
      triggers: [{ event: "ssrf/go" }],
      steps: { step: { id: "step", name: "step", runtime: { type: "http", url: appUrl } } },
    };
    await api(weft.url, "POST", "/fn/register", { appName: "fetcher", url: appUrl, functions: [fn] });
    await body(weft);
  } finally {
    await kill9(proc);
  }
}

describe("step.fetch to a private address", () => {
  it("weft start refuses it once, naming the address class, and the target gets no request", { timeout: 20_000 }, async () => {
    await withWeft(["start"], async (weft) => {
      const before = targetHits;
      const run = await runOf(weft, "ssrf/go");
      const ended = await runWithStatus(weft, run.run_id, "Completed");
      expect(ended.output).toMatchObject({
        error: {
          name: "FetchAddressNotAllowed",
          message: expect.stringMatching(/\/admin refused: 127\.0\.0\.1 is a loopback address: .*--allow-private-fetch/),
        },
      });
      const gateway = (await stepsOf(weft, run.run_id)).filter((s) => s.op === "Gateway");
      expect(gateway.map((s) => s.status)).toEqual(["Failed"]);
      expect(targetHits).toBe(before);
    });
  });

  it.each([
    ["weft start --allow-private-fetch", ["start", "--allow-private-fetch"]],
    ["weft dev", ["dev"]],
  ])("%s fetches it", { timeout: 20_000 }, async (_what, args) => {
    await withWeft(args, async (weft) => {
      const before = targetHits;
      const run = await runOf(weft, "ssrf/go");
      const ended = await runWithStatus(weft, run.run_id, "Completed");
      expect(ended.output).toMatchObject({ data: { status_code: 200, body: "internal secret" } });
      expect(targetHits).toBe(before + 1);
    });
  });
});
