// The Metrics page and a function page in a real browser (Debian's Chromium) against a real server:
// runs are made first (some failing), then the charts must show exactly those runs, drawn on
// canvases; a run made while the page is open must appear through the live updates. With
// WEFT_SCREENSHOTS=1 the pages are saved to docs/ for the README.
import { fileURLToPath } from "node:url";
import { runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, type TestWeft } from "@weft/e2e";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard, chromiumAvailable, dashboardFunctions, launchChromium, setupStep } from "./browser.js";

const browserReady = chromiumAvailable();
const docsDir = fileURLToPath(new URL("../../../docs/", import.meta.url));

let weft: TestWeft;
let app: { close(): Promise<void> };
let browser: Browser;
let page: Page;

/** Send `name` once per entry of `data` and wait for every run to reach `status`. */
async function runsEnding(name: string, data: Record<string, unknown>[], status: "Completed" | "Failed"): Promise<void> {
  const ids = await sendEvents(
    weft,
    data.map((d) => ({ name, data: d })),
  );
  for (const id of ids) await runWithStatus(weft, (await runsOf(weft, id))[0]!.run_id, status);
}

beforeAll(async () => {
  if (!browserReady) return;
  await setupStep("building the dashboard", buildDashboard);
  weft = await setupStep("starting the server", () => startTestWeft());
  const fns = dashboardFunctions(weft.url);
  app = await setupStep("serving the app", () => serveApp(weft, fns.client, fns.functions));
  await setupStep("making runs", async () => {
    await runsEnding("dash/hello", [{ name: "ada" }, { name: "grace" }, { name: "linus" }], "Completed");
    await runsEnding("dash/import", [{ file: "a.csv" }, { file: "b.csv" }], "Failed"); // `flaky` fails each event's first run
  });
  browser = await setupStep("launching Chromium", launchChromium);
  page = await setupStep("opening a page", () => browser.newPage({ viewport: { width: 1360, height: 1000 }, colorScheme: "light" }));
  page.setDefaultTimeout(8000);
}, 90_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await weft?.close();
});

const tile = (metric: string) => page.locator(`[data-metric="${metric}"] dd`);
const chart = (title: string) => page.locator("figure.chart", { has: page.locator("figcaption", { hasText: title }) });

async function expectChartsDrawn(): Promise<void> {
  // Four charts, each with uPlot's canvas.
  await expect.poll(() => page.locator("figure.chart canvas").count()).toBe(4);
}

describe.runIf(browserReady)("metrics charts", () => {
  it("the Metrics page shows every run made, by status, with failure rate and step durations, and updates live", async () => {
    await page.goto(`${weft.url}/charts`);
    await page.getByRole("heading", { name: "Metrics" }).waitFor();
    await expect.poll(() => tile("runs").textContent()).toBe("5");
    expect(await tile("completed").textContent()).toBe("3");
    expect(await tile("failed").textContent()).toBe("2");
    expect(await tile("failure-rate").textContent()).toBe("40.0%");
    expect(await tile("p50").textContent()).not.toBe("—");
    await expectChartsDrawn();
    expect(await chart("Runs per minute").getAttribute("data-sums")).toBe("started:5 completed:3 failed:2 cancelled:0");
    if (process.env.WEFT_SCREENSHOTS === "1") await page.screenshot({ path: `${docsDir}dashboard-metrics.png`, fullPage: true });

    // A run made while the page is open arrives over the live updates (throttled, within seconds).
    await runsEnding("dash/hello", [{ name: "barbara" }], "Completed");
    await expect.poll(() => tile("runs").textContent(), { timeout: 8000 }).toBe("6");

    // The range switch asks for the day: the same runs, in 15-minute buckets.
    await page.getByRole("button", { name: "Day" }).click();
    await page.locator('section.metrics[data-range="24h"]').waitFor();
    await expect.poll(() => chart("Runs per 15 minutes").getAttribute("data-sums")).toBe("started:6 completed:4 failed:2 cancelled:0");
  });

  it("a function page, reached from the apps page and from the runs page, shows that function's charts", async () => {
    await page.goto(`${weft.url}/apps`);
    await page.getByRole("article", { name: "Function Flaky import" }).getByRole("link", { name: "Flaky import" }).click();
    await page.waitForURL(/\/functions\/dash-app-flaky$/);
    await page.getByRole("heading", { name: "Flaky import" }).waitFor();
    await expect.poll(() => tile("runs").textContent()).toBe("2");
    expect(await tile("failed").textContent()).toBe("2");
    expect(await tile("failure-rate").textContent()).toBe("100.0%");
    await expectChartsDrawn();
    expect(await chart("Runs per minute").getAttribute("data-sums")).toBe("started:2 completed:0 failed:2 cancelled:0");
    if (process.env.WEFT_SCREENSHOTS === "1") await page.screenshot({ path: `${docsDir}dashboard-function.png`, fullPage: true });

    await page.goto(weft.url);
    await page.locator("tbody").getByRole("link", { name: "dash-app-hello" }).first().click();
    await page.waitForURL(/\/functions\/dash-app-hello$/);
    await expect.poll(() => tile("runs").textContent()).toBe("4");
    expect(await tile("failed").textContent()).toBe("0");
  });
});
