// Cron triggers start runs with `inngest/scheduled.timer`, which v4's trigger-name validation
// accepts for cron functions. The server's clock is set just before a minute boundary when the
// app syncs, so the first tick comes within a second instead of a minute.
import { describe, expect, it } from "vitest";
import { runWithStatus } from "../harness.js";
import type { CompatEvent, SdkUnderTest } from "../sdk-under-test.js";
import { serveInngest, syncApp } from "../serve-inngest.js";
import { runsOfFunction, useWeft } from "./context.js";

export function cronScenarios(sdk: SdkUnderTest): void {
  describe("cron", () => {
    let offset = 0;
    const env = useWeft(() => ({ clock: { now: () => Date.now() + offset } }));

    it("a `* * * * *` function runs at the tick with an inngest/scheduled.timer event", async () => {
      const ticks: CompatEvent[] = [];
      const client = sdk.createClient({ id: "cron", baseUrl: env.weft.url });
      const everyMinute = client.createFunction({ id: "every-minute" }, [{ cron: "* * * * *" }], async ({ event }) => {
        ticks.push(event);
        return event.name;
      });
      const app = env.track(await serveInngest(sdk, client, [everyMinute]));
      // Nothing is scheduled before the sync, so moving the clock now affects only this cron.
      offset = 60_000 - (Date.now() % 60_000) - 700;
      expect(await syncApp(env.weft, app.url)).toMatchObject({ ok: true });

      const [run] = await runsOfFunction(env.weft, "cron-every-minute");
      expect((await runWithStatus(env.weft, run!.run_id, "Completed")).output).toBe("inngest/scheduled.timer");
      expect(ticks[0]?.data).toMatchObject({ cron: "* * * * *" });
    });
  });
}
