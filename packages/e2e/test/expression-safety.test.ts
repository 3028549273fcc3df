// Expressions cannot hurt the server: one that could never work is refused at sync with a 400
// naming the function, the field and the problem, and a regex that would backtrack exponentially
// in JavaScript's RegExp runs on RE2 in linear time, so the server keeps answering meanwhile.
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { serve, Weft } from "@weft/sdk";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, type TestWeft } from "../src/index.js";

let weft: TestWeft;
const apps: { close(): Promise<void> }[] = [];
beforeAll(async () => {
  weft = await startTestWeft({ store: "memory" });
});
afterAll(async () => {
  for (const app of apps) await app.close();
  await weft?.close();
});

function registerBody(appName: string, triggerIf: string) {
  return {
    appName,
    url: "http://127.0.0.1:1/api/inngest",
    functions: [
      {
        id: `${appName}-fn`,
        triggers: [{ event: "x/y", expression: triggerIf }],
        steps: { step: { id: "step", name: "step", runtime: { type: "http", url: "http://127.0.0.1:1/api/inngest?fnId=f" } } },
      },
    ],
  };
}

async function register(body: unknown) {
  const res = await request(new URL("/fn/register", weft.url), { method: "POST", body: JSON.stringify(body), headers: { "content-type": "application/json" } });
  return { status: res.statusCode, json: (await res.body.json()) as { ok?: boolean; error?: string; status?: number } };
}

/** An SDK app on a free port, not synced yet (serveApp throws on a refused sync). */
async function listen(client: Weft, functions: Parameters<typeof serve>[0]["functions"]): Promise<string> {
  const handler = serve({ client, functions });
  const http: Server = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  apps.push({ close: () => new Promise<void>((resolve) => (http.closeAllConnections(), http.close(() => resolve()))) });
  return `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/inngest`;
}

describe("expressions refused at sync", () => {
  it.each([
    ["a syntax error", "event.data.x ==", /unexpected end at 15/],
    ["an unknown function", "lowerAscii(event.name) == 'a'", /unknown function "lowerAscii"/],
    ["an invalid regex", "event.data.s.matches('(?=x)')", /invalid regular expression "\(\?=x\)" in matches\(\): .*unsupported Perl syntax/],
  ])("refuses %s on POST /fn/register with a 400 naming the function and the field", async (_what, expression, problem) => {
    const { status, json } = await register(registerBody("bad-expr", expression));
    expect(status).toBe(400);
    expect(json).toMatchObject({ ok: false, status: 400 });
    expect(json.error).toMatch(/^functions\[0\] \(bad-expr-fn\) triggers\[0\]\.expression: /);
    expect(json.error).toMatch(problem);
    const { data } = await api<{ data: { id: string }[] }>(weft.url, "GET", "/v1/functions");
    expect(data.map((f) => f.id)).not.toContain("bad-expr-fn");
  });

  it("refuses an in-band sync of an SDK app whose flow-control key does not compile", async () => {
    const client = new Weft({ id: "bad-key-app", baseUrl: weft.url });
    const fn = client.createFunction({ id: "bad-key", concurrency: { limit: 1, key: "event.data.(" } }, { event: "x/y" }, async () => "never");
    const url = await listen(client, [fn]);
    const synced = await api<{ data: { ok: boolean; error?: string } }>(weft.url, "POST", "/v1/apps", { url });
    expect(synced.data.ok).toBe(false);
    expect(synced.data.error).toMatch(/functions\[0\] \(bad-key-app-bad-key\) concurrency\.key: expression "event\.data\.\(": unexpected "\(" at 11/);
  });
});

describe("a backtracking regex in a trigger filter", () => {
  it("is evaluated in linear time while the server keeps answering", async () => {
    const client = new Weft({ id: "redos-app", baseUrl: weft.url });
    // With a backtracking engine, `^(a+)+$` tries 2^32 ways to split 32 a's before giving up on
    // the `!`: over a minute with the event loop blocked. The run starting shows matches() has
    // answered (false, so the negation holds) and the event was handled.
    const filtered = client.createFunction(
      { id: "filtered" },
      { event: "redos/check", if: "!event.data.s.matches('^(a+)+$')" },
      async ({ event }) => event.data.s,
    );
    apps.push(await serveApp(weft, client, [filtered]));
    const hostile = `${"a".repeat(32)}!`;
    const [eventId] = await sendEvents(weft, { name: "redos/check", data: { s: hostile } });
    const health = await request(new URL("/health", weft.url), { headersTimeout: 2_000, bodyTimeout: 2_000 });
    expect(health.statusCode).toBe(200);
    await health.body.dump();
    const [run] = await runsOf(weft, eventId as string);
    expect((await runWithStatus(weft, run!.run_id, "Completed")).output).toBe(hostile);
  });
});
