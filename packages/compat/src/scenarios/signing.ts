// Signing (protocol §10): a server with a signing key signs every request it makes to apps; an
// app in cloud mode with the same key verifies and runs; an app with another key refuses.
import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { runOf, runWithStatus } from "../harness.js";
import type { SdkUnderTest } from "../sdk-under-test.js";
import { callsOfRun, serveAndSync, serveInngest, syncApp } from "../serve-inngest.js";
import { signatureIsValid } from "../signature.js";
import { Counter, functionsOfApp, useWeft } from "./context.js";

const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
const otherKey = `signkey-test-${randomBytes(32).toString("hex")}`;

/** What the SDK sends as `Authorization: Bearer …`: the prefix, then sha256 of the key's bytes. */
function hashedKey(key: string): string {
  const [, prefix = "", hex = ""] = /^(signkey-\w+-)(.*)$/.exec(key) ?? [];
  return prefix + createHash("sha256").update(Buffer.from(hex, "hex")).digest("hex");
}

export function signingScenarios(sdk: SdkUnderTest): void {
  describe("signing", () => {
    const env = useWeft({ signingKey });
    const c = new Counter();

    const cloudClient = (id: string, key: string) =>
      sdk.createClient({ id, baseUrl: env.weft.url, isDev: false, signingKey: key, eventKey: "compat-event-key" });

    it("an app in cloud mode with the server's key syncs, verifies every request and runs", async () => {
      const client = cloudClient("signed", signingKey);
      const fn = client.createFunction({ id: "signed" }, [{ event: "compat/signing.ok" }], async ({ step }) => {
        const one = await step.run("one", () => 1);
        await step.sleep("nap", "1s");
        return one + 1;
      });
      const app = await serveAndSync(env.weft, sdk, client, [fn]).then(env.track);
      const run = await runOf(env.weft, "compat/signing.ok");
      expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toBe(2);

      // Every request the server made (the sync PUT and each call) carried a valid signature.
      const toApp = app.exchanges.filter((e) => e.method !== "GET");
      expect(toApp.some((e) => e.method === "PUT")).toBe(true);
      expect(callsOfRun(app, run.run_id).length).toBeGreaterThanOrEqual(2);
      for (const e of toApp) {
        expect(signatureIsValid(e.headers["x-inngest-signature"], e.body, signingKey), `${e.method} ${e.url.search} signature`).toBe(true);
        expect(e.status).toBeLessThan(300);
      }
      // The SDK authenticated its own calls to the server (register, checkpoint) with the hashed key.
      for (const call of client.apiCalls.filter((a) => !a.url.pathname.startsWith("/e/"))) {
        expect(call.headers.authorization, call.url.pathname).toBe(`Bearer ${hashedKey(signingKey)}`);
      }
    });

    for (const [label, key, accepted] of [
      ["the server's key", signingKey, true],
      ["another key", otherKey, false],
    ] as const) {
      it(`out of band, /fn/register authenticated with ${label} is ${accepted ? "accepted" : "refused"}`, async () => {
        const id = accepted ? "oob-signed" : "oob-other-key";
        const client = cloudClient(id, key);
        const fn = client.createFunction({ id: "noop" }, [{ event: `compat/signing.${id}` }], async () => "noop");
        const app = env.track(await serveInngest(sdk, client, [fn]));
        // A plain PUT (no in-band header) makes the SDK register itself with its bearer key.
        const res = await fetch(app.url, { method: "PUT", headers: { "content-type": "application/json" }, body: JSON.stringify({ url: app.url }) });
        const registers = client.apiCalls.filter((a) => a.url.pathname === "/fn/register");
        expect(registers.length).toBeGreaterThan(0);
        expect(registers[0]?.headers.authorization).toBe(`Bearer ${hashedKey(key)}`);
        // The SDK turns the JSON `status` of the register answer into its PUT's status (§1.2).
        if (accepted) expect(res.status).toBe(200);
        else expect(res.status).toBeGreaterThanOrEqual(400);
        expect((await functionsOfApp(env.weft, id)).map((f) => f.id)).toEqual(accepted ? [`${id}-noop`] : []);
      });
    }

    it("an app with another signing key does not sync", async () => {
      const client = cloudClient("wrong-key", otherKey);
      const fn = client.createFunction({ id: "never" }, [{ event: "compat/signing.never" }], async () => "ran");
      const app = env.track(await serveInngest(sdk, client, [fn]));
      const synced = await syncApp(env.weft, app.url);
      expect(synced.ok).toBe(false);
      expect(await functionsOfApp(env.weft, "wrong-key")).toEqual([]);
    });

    it("an app whose key no longer matches refuses the server's calls: the run fails, user code never runs", async () => {
      const good = cloudClient("rotated", signingKey);
      const define = (client: typeof good) =>
        client.createFunction({ id: "rotated", retries: 0 }, [{ event: "compat/signing.rotated" }], async ({ runId }) => {
          c.hit(runId, "ran");
          return "ran";
        });
      const app = await serveAndSync(env.weft, sdk, good, [define(good)]).then(env.track);
      // The app is redeployed with another key; the server still signs with its own.
      const rotated = cloudClient("rotated", otherKey);
      app.replace(rotated, [define(rotated)]);

      const run = await runOf(env.weft, "compat/signing.rotated");
      const failed = await runWithStatus(env.weft, run.run_id, "Failed");
      expect(c.count(run.run_id, "ran")).toBe(0);
      const calls = callsOfRun(app, run.run_id);
      expect(calls.length).toBeGreaterThan(0);
      for (const call of calls) expect(call.status).toBe(401);
      expect(JSON.stringify(failed.output)).toMatch(/401|unauthori[sz]ed|signature/i);
    });
  });
}
