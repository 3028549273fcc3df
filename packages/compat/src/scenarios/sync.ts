// Syncing apps (protocol §1): out of band (a PUT makes the SDK POST /fn/register), in band (the
// server's PUT is answered with the app's config), re-sync after a change, through express and hono.
import { describe, expect, it } from "vitest";
import { runOf, runWithStatus } from "../harness.js";
import type { CompatClient, SdkUnderTest } from "../sdk-under-test.js";
import { serveInngest, syncApp, type Framework } from "../serve-inngest.js";
import { functionsOfApp, useWeft } from "./context.js";

const frameworks: Framework[] = ["express", "hono"];

export function syncScenarios(sdk: SdkUnderTest): void {
  describe("sync", () => {
    const env = useWeft();

    const hello = (client: CompatClient, event: string) =>
      client.createFunction({ id: "hello", name: "Hello" }, [{ event }], async ({ event: e }) => ({ hello: e.data.who ?? null }));

    for (const framework of frameworks) {
      it(`out of band through ${framework}: a PUT to the app makes the SDK POST /fn/register`, async () => {
        const event = `compat/sync.oob-${framework}`;
        const client = sdk.createClient({ id: `oob-${framework}`, baseUrl: env.weft.url });
        const app = env.track(await serveInngest(sdk, client, [hello(client, event)], framework));

        // What the Go dev server sends when it pings an app (protocol §1.1), minus the in-band header.
        const res = await fetch(app.url, {
          method: "PUT",
          headers: { "content-type": "application/json", "x-inngest-server-kind": "dev" },
          body: JSON.stringify({ url: app.url }),
        });
        expect(res.status).toBe(200);
        expect(res.headers.get("x-inngest-sync-kind")).toBe("out_of_band");
        expect(await res.json()).toMatchObject({ modified: true });

        const registers = client.apiCalls.filter((c) => c.url.pathname === "/fn/register");
        expect(registers).toHaveLength(1);
        expect(registers[0]?.url.origin).toBe(env.weft.url);
        expect(JSON.parse(registers[0]?.body ?? "{}")).toMatchObject({ appName: client.id, url: app.url, functions: [{ id: `${client.id}-hello` }] });

        expect(await functionsOfApp(env.weft, client.id)).toEqual([{ id: `${client.id}-hello`, app_id: client.id, name: "Hello", triggers: [{ event }] }]);
        const run = await runOf(env.weft, event, { who: framework });
        expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toEqual({ hello: framework });
      });

      it(`in band through ${framework}: the server's PUT is answered with the app's config, no /fn/register`, async () => {
        const event = `compat/sync.in-band-${framework}`;
        const client = sdk.createClient({ id: `in-band-${framework}`, baseUrl: env.weft.url });
        const app = env.track(await serveInngest(sdk, client, [hello(client, event)], framework));

        expect(await syncApp(env.weft, app.url)).toMatchObject({ ok: true });
        const put = app.exchanges.find((e) => e.method === "PUT");
        expect(put?.headers["x-inngest-sync-kind"]).toBe("in_band");
        // The SDK's schema is strict: exactly {"url"} (protocol §1.3).
        expect(JSON.parse(put?.body ?? "null")).toEqual({ url: app.url });
        expect(put?.status).toBe(200);
        expect(put?.responseHeaders["x-inngest-sync-kind"]).toBe("in_band");
        expect(JSON.parse(put?.responseBody ?? "{}")).toMatchObject({ app_id: client.id, url: app.url });
        expect(client.apiCalls.filter((c) => c.url.pathname === "/fn/register")).toEqual([]);

        expect(await functionsOfApp(env.weft, client.id)).toEqual([{ id: `${client.id}-hello`, app_id: client.id, name: "Hello", triggers: [{ event }] }]);
        const run = await runOf(env.weft, event, { who: framework });
        expect((await runWithStatus(env.weft, run.run_id, "Completed")).output).toEqual({ hello: framework });
      });
    }

    it("re-syncs a changed app: changed functions update, removed functions disappear", async () => {
      const first = sdk.createClient({ id: "resync", baseUrl: env.weft.url });
      const app = env.track(
        await serveInngest(sdk, first, [
          first.createFunction({ id: "keep", name: "Keep v1" }, [{ event: "compat/resync.keep-v1" }], async () => "v1"),
          first.createFunction({ id: "drop" }, [{ event: "compat/resync.drop" }], async () => "dropped"),
        ]),
      );
      expect(await syncApp(env.weft, app.url)).toMatchObject({ ok: true });
      expect((await functionsOfApp(env.weft, "resync")).map((f) => f.id)).toEqual(["resync-drop", "resync-keep"]);

      // A redeploy at the same URL: "keep" changes its trigger and name, "drop" is gone, "added" is new.
      const second = sdk.createClient({ id: "resync", baseUrl: env.weft.url });
      app.replace(second, [
        second.createFunction({ id: "keep", name: "Keep v2" }, [{ event: "compat/resync.keep-v2" }], async () => "v2"),
        second.createFunction({ id: "added" }, [{ event: "compat/resync.added" }], async () => "added"),
      ]);
      expect(await syncApp(env.weft, app.url)).toMatchObject({ ok: true });
      expect(await functionsOfApp(env.weft, "resync")).toEqual([
        { id: "resync-added", app_id: "resync", name: "added", triggers: [{ event: "compat/resync.added" }] },
        { id: "resync-keep", app_id: "resync", name: "Keep v2", triggers: [{ event: "compat/resync.keep-v2" }] },
      ]);

      const keep = await runOf(env.weft, "compat/resync.keep-v2");
      expect((await runWithStatus(env.weft, keep.run_id, "Completed")).output).toBe("v2");
      const added = await runOf(env.weft, "compat/resync.added");
      expect((await runWithStatus(env.weft, added.run_id, "Completed")).output).toBe("added");
    });
  });
}
