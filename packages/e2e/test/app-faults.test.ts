// The app misbehaves: each fault gets its documented retry or failure, and the run's timeline says
// why. The app is a bare HTTP server (no SDK), so each fault reaches the engine exactly as sent.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOf, runWithStatus, startFaultyApp, startTestWeft, stepsOf, type ApiStep, type FaultyApp, type TestWeft } from "../src/index.js";

const callTimeoutMs = 300;
// 9 MiB, over the 8 MiB response limit; built once so sending it stays well inside the timeout.
const tooLarge = Buffer.from(JSON.stringify({ blob: "x".repeat(9 * 1024 * 1024) }));
let weft: TestWeft;
let app: FaultyApp;
// Where the redirect points: it must never be called.
let elsewhere: Server;
let elsewhereHits = 0;

beforeAll(async () => {
  weft = await startTestWeft({ store: "memory", retryIntervalMs: 20, server: { callTimeoutMs } });
  elsewhere = createServer((_req, res) => {
    elsewhereHits++;
    res.end("internal");
  });
  await new Promise<void>((resolve) => elsewhere.listen(0, "127.0.0.1", resolve));
  const elsewhereUrl = `http://127.0.0.1:${(elsewhere.address() as AddressInfo).port}/latest/meta-data/`;
  const firstFails =
    (fault: Parameters<typeof startFaultyApp>[1][string]) => (attempt: number, req: Parameters<typeof fault>[1], res: Parameters<typeof fault>[2]) =>
      attempt === 0 ? fault(attempt, req, res) : "ok";
  app = await startFaultyApp(weft, {
    // Never answers the first call: the call timeout ends it, and the retry succeeds.
    hangs: firstFails(() => undefined),
    "answers-5xx": firstFails(
      (_a, _q, res) => void res.writeHead(503, { "content-type": "application/json" }).end('{"name":"Error","message":"upstream down"}'),
    ),
    "answers-non-json": firstFails((_a, _q, res) => void res.writeHead(200, { "x-inngest-sdk": "js:v3.0.0" }).end("<html>oops</html>")),
    "answers-without-sdk-headers": firstFails((_a, _q, res) => void res.writeHead(200, { "content-type": "application/json" }).end("{}")),
    "closes-mid-body": firstFails((_a, _q, res) => {
      res.writeHead(200, { "x-inngest-sdk": "js:v3.0.0", "content-length": "1000" });
      res.write('{"partial":');
      setTimeout(() => res.socket?.destroy(), 20);
    }),
    // Non-retriable: the same request would get the same answer.
    "answers-too-large": (_a, _q, res) => void res.writeHead(200, { "x-inngest-sdk": "js:v3.0.0" }).end(tooLarge),
    redirects: (_a, _q, res) => void res.writeHead(307, { location: elsewhereUrl }).end(),
    // Retried until the attempts run out.
    "always-5xx": (_a, _q, res) => void res.writeHead(500).end("Internal Server Error"),
  });
});

afterAll(async () => {
  await app?.close();
  elsewhere?.closeAllConnections();
  await new Promise<void>((resolve) => (elsewhere ? elsewhere.close(() => resolve()) : resolve()));
  await weft?.close();
});

const callLines = async (runId: string): Promise<ApiStep[]> => (await stepsOf(weft, runId)).filter((s) => s.op === "Call");

describe("an app that misbehaves once is retried, and the timeline says why", () => {
  it.each([
    ["hangs", /Timeout: .* did not answer within 300 ms \(the call timeout, --call-timeout\)/],
    ["answers-5xx", /Error: upstream down/],
    ["answers-non-json", /InvalidResponse: status 200 with a body that is not JSON: <html>oops/],
    ["answers-without-sdk-headers", /InvalidResponse: status 200 without an x-inngest-sdk header/],
    ["closes-mid-body", /NetworkError: calling .* failed/],
  ])("%s", { timeout: 10_000 }, async (fnId, why) => {
    const run = await runOf(weft, `fault/${fnId}`);
    const done = await runWithStatus(weft, run.run_id, "Completed");
    expect(done.output).toEqual({ attempt: 1 });
    const lines = await callLines(run.run_id);
    expect(lines.map((l) => [l.attempt, l.status])).toEqual([[0, "Errored"]]);
    expect(`${lines[0]?.error?.name}: ${lines[0]?.error?.message}`).toMatch(why);
    expect(app.calls.get(fnId)).toBe(2);
  });
});

describe("an app whose answer can never work fails the run at once, saying why", () => {
  it.each([
    ["answers-too-large", /ResponseTooLarge: the answer of answers-too-large .* exceeded the response limit of 8388608 bytes/],
    ["redirects", /Redirected: .* answered 307 redirecting to http:\/\/127\.0\.0\.1:\d+\/latest\/meta-data\/: Weft does not follow redirects/],
  ])("%s", { timeout: 10_000 }, async (fnId, why) => {
    const run = await runOf(weft, `fault/${fnId}`);
    const failed = await runWithStatus(weft, run.run_id, "Failed");
    expect(`${(failed.output as { name: string }).name}: ${(failed.output as { message: string }).message}`).toMatch(why);
    const lines = await callLines(run.run_id);
    expect(lines.map((l) => [l.attempt, l.status])).toEqual([[0, "Failed"]]);
    expect(`${lines[0]?.error?.name}: ${lines[0]?.error?.message}`).toMatch(why);
    expect(app.calls.get(fnId)).toBe(1);
  });

  it("never follows the redirect", () => {
    expect(elsewhereHits).toBe(0);
  });

  it("retries a 5xx until the attempts run out (retries + 1), then fails with the last reason", { timeout: 10_000 }, async () => {
    const run = await runOf(weft, "fault/always-5xx");
    const failed = await runWithStatus(weft, run.run_id, "Failed");
    expect(JSON.stringify(failed.output)).toMatch(/status 500 with a body that is not JSON: Internal Server Error/);
    const lines = await callLines(run.run_id);
    expect(lines.map((l) => l.status)).toEqual(["Errored", "Errored", "Errored", "Failed"]);
    expect(app.calls.get("always-5xx")).toBe(4);
  });
});
