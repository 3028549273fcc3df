// Cron triggers fire once per tick. The server's clock runs at real speed but starts just before a
// minute boundary, so the first tick comes within a second instead of a minute.
import { Weft } from "@weft/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runWithStatus, serveApp, startTestWeft, waitFor, type ApiRun, type TestWeft } from "../src/index.js";

let weft: TestWeft;
let app: { close(): Promise<void> };
const offset = 60_000 - (Date.now() % 60_000) - 400; // "now" is 400 ms before the next minute
const ticks: unknown[] = [];

beforeAll(async () => {
  weft = await startTestWeft({ clock: { now: () => Date.now() + offset } });
  const client = new Weft({ id: "cron-app", baseUrl: weft.url });
  const everyMinute = client.createFunction({ id: "every-minute" }, { cron: "* * * * *" }, async ({ event }) => {
    ticks.push(event.data);
    return event.name;
  });
  app = await serveApp(weft, client, [everyMinute]);
});

afterAll(async () => {
  await app?.close();
  await weft?.close();
});

describe("cron", () => {
  it("starts the function with an inngest/scheduled.timer event at the tick, once", async () => {
    const runs = await waitFor(
      async () => {
        const { data } = await api<{ data: ApiRun[] }>(weft.url, "GET", "/v1/runs?function_id=cron-app-every-minute");
        return data.length > 0 ? data : undefined;
      },
      "the first tick",
      5000,
    );
    expect((await runWithStatus(weft, runs[0]!.run_id, "Completed")).output).toBe("inngest/scheduled.timer");
    expect(ticks[0]).toMatchObject({ cron: "* * * * *", scheduledAt: expect.stringMatching(/:00\.000Z$/) });
    // A re-sync schedules again; the tick already queued absorbs it.
    await api(weft.url, "POST", "/v1/apps/sync");
    const { data } = await api<{ data: ApiRun[] }>(weft.url, "GET", "/v1/runs?function_id=cron-app-every-minute");
    expect(data).toHaveLength(1);
  });
});
