// Screenshots of each page for the README, saved to docs/ at the repository root. Skipped unless
// WEFT_SCREENSHOTS=1: `WEFT_SCREENSHOTS=1 npx vitest run packages/dashboard/test/screenshots.test.ts`.
import { mkdirSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { api, runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, type TestWeft } from "@weft/e2e";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, it } from "vitest";
import { buildDashboard, dashboardFunctions, launchChromium } from "./browser.js";

const docsDir = fileURLToPath(new URL("../../../docs/", import.meta.url));

describe.skipIf(process.env.WEFT_SCREENSHOTS !== "1")("dashboard screenshots", () => {
  let weft: TestWeft;
  let app: { close(): Promise<void> };
  let browser: Browser;
  let page: Page;
  let completed: string;
  let waiting: string;
  let failed: string;

  beforeAll(async () => {
    buildDashboard();
    mkdirSync(docsDir, { recursive: true });
    weft = await startTestWeft();
    const { client, functions } = dashboardFunctions(weft.url);
    app = await serveApp(weft, client, functions);
    const [f] = await sendEvents(weft, { name: "dash/import", data: { file: "rows.csv" } });
    failed = (await runsOf(weft, f!))[0]!.run_id;
    await runWithStatus(weft, failed, "Failed");
    for (const name of ["ada", "grace", "linus"]) await sendEvents(weft, { name: "dash/hello", data: { name } });
    const [w] = await sendEvents(weft, { name: "dash/order", data: { order: "o-17", total: 120 } });
    waiting = (await runsOf(weft, w!))[0]!.run_id;
    const [h] = await sendEvents(weft, { name: "dash/hello", data: { name: "margaret" } });
    completed = (await runsOf(weft, h!))[0]!.run_id;
    await runWithStatus(weft, completed, "Completed");
    browser = await launchChromium();
    page = await browser.newPage({ viewport: { width: 1360, height: 860 }, colorScheme: "light" });
  }, 90_000);

  afterAll(async () => {
    await browser?.close();
    await app?.close();
    await weft?.close();
  });

  const shot = (name: string) => page.screenshot({ path: `${docsDir}${name}.png`, fullPage: true });

  it("takes one of each page", async () => {
    await page.goto(weft.url);
    await page.locator(`tr[data-run-id="${completed}"] [data-status="Completed"]`).waitFor();
    await page.locator("tbody .mono:has-text('dash/hello')").first().waitFor();
    await shot("dashboard-runs");

    await page.goto(`${weft.url}/runs/${completed}`);
    await page.locator('[data-step-name="shout"]').waitFor();
    await page.locator('[data-step-name="greet"] .step-row').click();
    await shot("dashboard-run");

    await page.goto(`${weft.url}/runs/${waiting}`);
    await page.getByRole("region", { name: "Waiting for" }).waitFor();
    await shot("dashboard-run-waiting");

    await page.goto(`${weft.url}/runs/${failed}`);
    await page.locator('h1 [data-status="Failed"]').waitFor();
    await page.locator('[data-step-name="import-rows"] .step-row').click();
    await shot("dashboard-run-failed");

    const events = await sendEvents(weft, { name: "dash/hello", data: { name: "barbara" } });
    await page.goto(`${weft.url}/events/${events[0]}`);
    await page.getByRole("region", { name: "Event detail" }).locator('[data-status="Completed"]').waitFor();
    const form = page.getByRole("form", { name: "Send a test event" });
    await form.getByLabel("Name").fill("app/user.created");
    await form.getByLabel("Data (JSON)").fill('{\n  "user": { "id": "u1" }\n}');
    await shot("dashboard-events");

    await api(weft.url, "POST", "/v1/functions/dash-app-digest/pause");
    await page.goto(`${weft.url}/apps`);
    await page.getByRole("article", { name: "Function Flaky import" }).getByText("Last hour").waitFor();
    await page.getByRole("article", { name: "Function Send digest" }).locator('[data-status="Paused"]').waitFor();
    await shot("dashboard-apps");

    await page.emulateMedia({ colorScheme: "dark" });
    await page.goto(`${weft.url}/runs/${completed}`);
    await page.locator('[data-step-name="shout"]').waitFor();
    await page.locator('[data-step-name="greet"] .step-row').click();
    await shot("dashboard-run-dark");
  });
});
