// The runs page's bulk actions in a real browser against a real server and app: tick runs, count
// them (a dry run), confirm, and watch the progress line until the cancellation is done; only the
// ticked runs end cancelled. Then replay them from the current filter.
import type { ApiRun } from "@weft/core";
import { api, runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, waitFor, type TestWeft } from "@weft/e2e";
import { Weft } from "@weft/sdk";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard, chromiumAvailable, launchChromium, setupStep } from "./browser.js";

const browserReady = chromiumAvailable();
let weft: TestWeft;
let app: { close(): Promise<void> };
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!browserReady) return;
  await setupStep("building the dashboard", buildDashboard);
  weft = await setupStep("starting the server", () => startTestWeft());
  const client = new Weft({ id: "bulk-ui", baseUrl: weft.url });
  const napper = client.createFunction({ id: "napper" }, { event: "ui/nap" }, async ({ step }) => {
    await step.sleep("nap", "1h");
  });
  app = await setupStep("serving the app", () => serveApp(weft, client, [napper]));
  browser = await setupStep("launching Chromium", launchChromium);
  page = await setupStep("opening a page", () => browser.newPage());
  page.setDefaultTimeout(8000);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await weft?.close();
});

describe.skipIf(!browserReady)("dashboard bulk actions", () => {
  it("cancels the ticked runs after a count confirmation, shows the progress, then replays them by filter", { timeout: 30_000 }, async () => {
    const ids = await sendEvents(
      weft,
      [0, 1, 2, 3].map((n) => ({ name: "ui/nap", data: { n } })),
    );
    const runs = await Promise.all(ids.map(async (id) => ((await runsOf(weft, id))[0] as ApiRun).run_id));
    await page.goto(`${weft.url}/?function=bulk-ui-napper`);
    for (const runId of runs.slice(0, 2)) await page.getByRole("checkbox", { name: `Select run ${runId}` }).check();
    await page.getByRole("button", { name: "Cancel…" }).click();
    await page.getByText("Cancel 2 run(s) that are running?").waitFor();
    await page.getByRole("button", { name: "Cancel 2" }).click();
    await page.getByText("Cancellation done: 2 matched, 2 cancelled").waitFor();
    for (const runId of runs.slice(0, 2)) await runWithStatus(weft, runId, "Cancelled");
    for (const runId of runs.slice(2)) expect((await api<{ data: ApiRun }>(weft.url, "GET", `/v1/runs/${runId}`)).data.status).toBe("Running");

    // No ticks: the filters choose (this function's cancelled runs).
    await page.goto(`${weft.url}/?function=bulk-ui-napper&status=Cancelled`);
    await page.getByRole("button", { name: "Replay…" }).click();
    await page.getByText("Replay 2 run(s) that failed or were cancelled?").waitFor();
    await page.getByRole("button", { name: "Replay 2" }).click();
    await page.getByText("Replay done: 2 matched, 2 replayed").waitFor();
    for (const id of ids) {
      await waitFor(async () => {
        const { data } = await api<{ data: ApiRun[] }>(weft.url, "GET", `/v1/events/${id}/runs`);
        return data.length === (id === ids[0] || id === ids[1] ? 2 : 1) ? true : undefined;
      }, "the replays");
    }
  });
});
