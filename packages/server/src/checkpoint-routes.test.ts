// POST /v1/checkpoint/:runId/async through a real server on SQLite: however the body arrives (in
// the packet of its headers, in pieces, chunked, pipelined behind another request), the step is
// saved and the answer is the SDK's `200 {"ok":true}`; a wrong signing key is refused.
import { mkdtempSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashSigningKey } from "@weft/core";
import { silentLogger } from "@weft/engine";
import { afterEach, describe, expect, it } from "vitest";
import { startWeftServer, type WeftServer } from "./server.js";
import { closeStores, type OpenedStores, openStores } from "./stores-from-url.js";

const open: { server: WeftServer; stores: OpenedStores; dir: string }[] = [];
afterEach(async () => {
  for (const { server, stores, dir } of open.splice(0)) {
    await server.close();
    await closeStores(stores);
    rmSync(dir, { recursive: true, force: true });
  }
});

const runId = "01CHECKPOINTROUTE";

async function start(signingKey?: string) {
  const dir = mkdtempSync(join(tmpdir(), "weft-checkpoint-route-"));
  const stores = await openStores(`sqlite:${join(dir, "weft.db")}`);
  await stores.state.createRun({
    runId,
    idempotencyKey: "fn:e1",
    functionId: "fn",
    appId: "app",
    env: "dev",
    events: [{ id: "e1", name: "app/go", data: {}, user: {}, ts: 1 }],
    createdAt: 1,
    maxAttempts: 3,
  });
  const server = await startWeftServer({ stores, port: 0, log: silentLogger, syncIntervalMs: 3_600_000, signingKey });
  open.push({ server, stores, dir });
  return { server, stores };
}

const body = (stepId: string, data: unknown) =>
  JSON.stringify({ run_id: runId, fn_id: "fn", qi_id: "q", steps: [{ id: stepId, op: "StepRun", name: stepId, displayName: stepId, data }], ts: 1 });

/** Write `parts` to a raw socket (pausing between them) and resolve with everything it answered once `answers` responses came back. */
function raw(url: string, parts: string[], answers = 1): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname);
    let got = "";
    socket.on("error", reject);
    socket.on("data", (d) => {
      got += d.toString("latin1");
      // Every answer here is a JSON object: one `{…}` after each head, which holds no CR.
      if ((got.match(/\r\n\r\n\{[^\r]*\}/g) ?? []).length >= answers) {
        socket.end();
        resolve(got);
      }
    });
    socket.on("connect", async () => {
      for (const part of parts) {
        socket.write(part);
        await new Promise((r) => setTimeout(r, 30));
      }
    });
  });
}

const head = (length: number | "chunked", host: string) =>
  `POST /v1/checkpoint/${runId}/async HTTP/1.1\r\nhost: ${host}\r\ncontent-type: application/json\r\n${
    length === "chunked" ? "transfer-encoding: chunked" : `content-length: ${length}`
  }\r\n\r\n`;

describe("POST /v1/checkpoint/:runId/async", () => {
  it("saves the step and answers the SDK's 200 {ok:true}", async () => {
    const { server, stores } = await start();
    const res = await fetch(`${server.url}/v1/checkpoint/${runId}/async`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body("a", { n: 1 }),
    });
    expect([res.status, res.headers.get("content-type"), res.headers.get("content-length"), await res.text()]).toEqual([
      200,
      "application/json",
      "11",
      '{"ok":true}',
    ]);
    expect((await stores.state.loadRun(runId))?.steps.get("a")).toBe('{"data":{"n":1}}');
  });

  it("reads a body that arrives after its headers, in pieces or chunked", async () => {
    const { server, stores } = await start();
    const host = new URL(server.url).host;
    const split = body("split", "in pieces");
    const answer = await raw(server.url, [head(Buffer.byteLength(split), host), split.slice(0, 20), split.slice(20)]);
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    const chunked = body("chunked", "chunked");
    const half = chunked.length >> 1;
    const chunk = (s: string) => `${Buffer.byteLength(s).toString(16)}\r\n${s}\r\n`;
    const answer2 = await raw(server.url, [head("chunked", host), chunk(chunked.slice(0, half)), `${chunk(chunked.slice(half))}0\r\n\r\n`]);
    expect(answer2).toMatch(/^HTTP\/1\.1 200 /);
    const steps = (await stores.state.loadRun(runId))?.steps;
    expect([steps?.get("split"), steps?.get("chunked")]).toEqual(['{"data":"in pieces"}', '{"data":"chunked"}']);
  });

  it("saves nothing from a client that goes away half way through its body, and goes on serving", async () => {
    const { server, stores } = await start();
    const { hostname, port } = new URL(server.url);
    const cut = body("cut", "never whole");
    await new Promise<void>((resolve) => {
      const socket = connect(Number(port), hostname, () => {
        socket.write(head(Buffer.byteLength(cut), new URL(server.url).host) + cut.slice(0, 30));
        setTimeout(() => socket.destroy(), 30);
      });
      socket.on("close", () => resolve());
    });
    const res = await fetch(`${server.url}/v1/checkpoint/${runId}/async`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: body("after", 1),
    });
    expect(res.status).toBe(200);
    const steps = (await stores.state.loadRun(runId))?.steps;
    expect([steps?.has("cut"), steps?.get("after")]).toEqual([false, '{"data":1}']);
  });

  it("answers two checkpoints pipelined in one packet, in order", async () => {
    const { server, stores } = await start();
    const host = new URL(server.url).host;
    const one = body("one", 1);
    const two = body("two", 2);
    const answer = await raw(server.url, [`${head(Buffer.byteLength(one), host)}${one}${head(Buffer.byteLength(two), host)}${two}`], 2);
    expect(answer.match(/HTTP\/1\.1 \d+/g)).toEqual(["HTTP/1.1 200", "HTTP/1.1 200"]);
    const steps = (await stores.state.loadRun(runId))?.steps;
    expect([steps?.get("one"), steps?.get("two")]).toEqual(['{"data":1}', '{"data":2}']);
  });

  it("refuses a bearer that is not the hashed signing key, and accepts the one that is", async () => {
    const key = "signkey-test-0123456789abcdef";
    const { server, stores } = await start(key);
    const post = (bearer: string, stepId: string) =>
      fetch(`${server.url}/v1/checkpoint/${runId}/async`, {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${bearer}` },
        body: body(stepId, stepId),
      });
    expect((await post("", "none")).status).toBe(401);
    expect((await post(hashSigningKey("another-key"), "other")).status).toBe(401);
    expect((await post(hashSigningKey(key), "right")).status).toBe(200);
    const steps = (await stores.state.loadRun(runId))?.steps;
    expect([steps?.has("none"), steps?.has("other"), steps?.get("right")]).toEqual([false, false, '{"data":"right"}']);
  });

  it("refuses a body that is not JSON with a 400", async () => {
    const { server } = await start();
    const res = await fetch(`${server.url}/v1/checkpoint/${runId}/async`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{not json",
    });
    expect([res.status, await res.json()]).toEqual([400, { error: 'body must be {"steps": [ops…]}' }]);
  });
});
