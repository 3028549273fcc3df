// Secrets never appear in logs or API responses: a production server (`weft start` with a signing
// key, an event key and an API token) is driven through syncs, events, refusals, a failing run and
// every read endpoint; then its whole log and every response body are searched for the secrets.
import type { ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashSigningKey } from "@weft/core";
import { serve, Weft } from "@weft/sdk";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { waitFor } from "../src/index.js";
import { freePort, processLog, requireBuiltCli, startWeftProcess } from "../src/processes.js";

const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
const eventKey = `evt-${randomBytes(16).toString("hex")}`;
const apiToken = `tok-${randomBytes(16).toString("hex")}`;
const secrets = {
  "signing key": signingKey,
  "signing key (hex part)": signingKey.slice("signkey-test-".length),
  "hashed signing key (the SDK's bearer)": hashSigningKey(signingKey).replace(/^signkey-\w+-/, ""),
  "event key": eventKey,
  "API token": apiToken,
};
const dir = mkdtempSync(join(tmpdir(), "weft-secrets-"));
let server: ChildProcess | undefined;

afterAll(() => {
  server?.kill("SIGKILL");
  rmSync(dir, { recursive: true, force: true });
});

describe("secrets", () => {
  it("never appear in the log or in any API response", { timeout: 40_000 }, async () => {
    requireBuiltCli();
    const port = await freePort();
    const base = `http://127.0.0.1:${port}`;
    const client = new Weft({ id: "secret-app", baseUrl: base, signingKey });
    let failures = 0;
    const work = client.createFunction({ id: "work", retries: 1 }, { event: "secret/work" }, async ({ step, event }) => {
      // Thrown outside a step, so the engine logs the failed call.
      if (event.data.fail && failures++ < 1) throw new Error("a failure to log");
      await step.run("work", () => "ok");
      return "done";
    });
    const handler = serve({ client, functions: [work] });
    const http = createServer((req, res) => void handler(req, res));
    await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
    const appUrl = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/inngest`;
    const bodies: string[] = [];
    const call = async (method: string, path: string, opts: { body?: string; token?: string | null; headers?: Record<string, string> } = {}) => {
      const headers: Record<string, string> = { ...opts.headers };
      if (opts.token !== null) headers.authorization = `Bearer ${opts.token ?? apiToken}`;
      const res = await request(new URL(path, base), { method: method as "GET", body: opts.body, headers });
      const text = await res.body.text();
      // What the server sent back: headers and body (the path is ours, and holds the event key).
      bodies.push(`${res.statusCode} ${JSON.stringify(res.headers)} ${text}`);
      return { status: res.statusCode, json: (text ? JSON.parse(text) : null) as Record<string, unknown> };
    };
    try {
      server = await startWeftProcess([
        "start",
        "--port",
        String(port),
        "--db",
        `sqlite:${join(dir, "weft.db")}`,
        "-u",
        appUrl,
        "--retry-interval",
        "50ms",
        "--signing-key",
        signingKey,
        "--event-key",
        eventKey,
        "--api-token",
        apiToken,
      ]);
      // Events: accepted, refused for the key, refused for the body.
      const sent = await call("POST", `/e/${eventKey}`, {
        body: JSON.stringify([
          { name: "secret/work", data: {} },
          { name: "secret/work", data: { fail: true } },
        ]),
        token: null,
      });
      expect(sent.status).toBe(200);
      expect((await call("POST", "/e/not-the-key", { body: "{}", token: null })).status).toBe(401);
      expect((await call("POST", `/e/${eventKey}`, { body: "{nope", token: null })).status).toBe(400);
      // Refused syncs and API calls, which log warnings.
      expect((await call("POST", "/fn/register", { body: "{}", token: "wrong" })).status).toBe(401);
      expect((await call("GET", "/v1/runs", { token: "wrong" })).status).toBe(401);
      // Both runs end (one after a logged failure), then every read endpoint is called.
      const runs = await waitFor(
        async () => {
          const { json } = await call("GET", "/v1/runs");
          const data = json.data as { run_id: string; status: string }[];
          return data.length === 2 && data.every((r) => r.status === "Completed") ? data : undefined;
        },
        "both runs to complete",
        20_000,
      );
      for (const r of runs) {
        await call("GET", `/v1/runs/${r.run_id}`);
        await call("GET", `/v1/runs/${r.run_id}/steps`);
      }
      const events = (await call("GET", "/v1/events")).json.data as { internal_id: string }[];
      for (const e of events.slice(0, 5)) await call("GET", `/v1/events/${e.internal_id}`);
      for (const path of ["/v1/apps", "/v1/functions", "/health"]) await call("GET", path);
      await call("POST", "/v1/apps/sync", { body: "{}" });

      const log = processLog(server);
      expect(log).toMatch(/a failure to log/); // the log was captured, and holds the run's failure
      expect(log).toMatch(/refused a sync/);
      for (const [what, secret] of Object.entries(secrets)) {
        expect(log.includes(secret), `the log holds the ${what}`).toBe(false);
        for (const body of bodies) expect(body.includes(secret), `${what} in ${body.slice(0, 100)}`).toBe(false);
      }
    } finally {
      http.closeAllConnections();
      http.close();
    }
  });
});
