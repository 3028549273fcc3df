// The dashboard in a real browser (Debian's Chromium via playwright-core) against a real server
// and a real app: a run appears live and completes, its timeline opens, a waiting run is
// cancelled, a failed run is rerun, a test event is sent from the form, apps sync. Plus the API
// token of production mode, through the login form.
import { api, runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, type TestWeft } from "@weft/e2e";
import { silentLogger } from "@weft/engine";
import { startWeftServer, type WeftServer } from "@weft/server";
import { createMemoryStores } from "@weft/store";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard, chromiumAvailable, dashboardFunctions, launchChromium } from "./browser.js";

const browserReady = chromiumAvailable();

let weft: TestWeft;
let app: { close(): Promise<void> };
let browser: Browser;
let page: Page;

beforeAll(async () => {
  if (!browserReady) return;
  buildDashboard();
  weft = await startTestWeft();
  const { client, functions } = dashboardFunctions(weft.url);
  app = await serveApp(weft, client, functions);
  browser = await launchChromium();
  page = await browser.newPage();
  page.setDefaultTimeout(8000);
}, 30_000);

afterAll(async () => {
  await browser?.close();
  await app?.close();
  await weft?.close();
});

describe.runIf(browserReady)("the dashboard", () => {
  it("serves the app at / with its assets, and the API keeps its 404s", async () => {
    const res = await fetch(`${weft.url}/runs/unknown`);
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/text\/html/);
    const asset = /src="(\/assets\/[^"]+\.js)"/.exec(await res.text())?.[1];
    const js = await fetch(`${weft.url}${asset}`);
    expect(js.headers.get("content-type")).toMatch(/javascript/);
    expect(js.headers.get("cache-control")).toContain("immutable");
    expect((await fetch(`${weft.url}/v1/nope`)).status).toBe(404);
  });

  it("shows a new run live and its completion, then its timeline", async () => {
    const streaming = page.waitForResponse((r) => r.url().endsWith("/v1/stream"));
    await page.goto(weft.url);
    await page.getByRole("heading", { name: "Runs" }).waitFor();
    await streaming;
    // Sent once the page is loaded and listening: only the live stream can make the run appear.
    const [eventId] = await sendEvents(weft, { name: "dash/hello", data: { name: "ada" } });
    const [run] = await runsOf(weft, eventId!);
    const row = page.locator(`tr[data-run-id="${run!.run_id}"]`);
    await row.locator('[data-status="Completed"]').waitFor();
    await expect.poll(() => row.textContent()).toContain("dash/hello");

    await row.getByRole("link", { name: run!.run_id }).click();
    await page.waitForURL(`**/runs/${run!.run_id}`);
    const greet = page.locator('[data-step-name="greet"]');
    await greet.locator('[data-status="Completed"]').waitFor();
    await page.locator('[data-step-name="shout"]').waitFor();
    await greet.getByRole("button").click();
    await expect.poll(() => greet.locator("pre").textContent()).toContain("hello ada");
    await expect.poll(() => page.getByLabel("Run output").textContent()).toContain("HELLO ADA");
    await expect.poll(() => page.getByLabel("Trigger event payload").textContent()).toContain('"name": "ada"');
  });

  it("shows what a waiting run waits for, and cancels it", async () => {
    const [eventId] = await sendEvents(weft, { name: "dash/order", data: { order: "o-1" } });
    const [run] = await runsOf(weft, eventId!);
    await page.goto(`${weft.url}/runs/${run!.run_id}`);
    const waiting = page.getByRole("region", { name: "Waiting for" });
    await expect.poll(() => waiting.textContent()).toContain("waiting for event dash/approved");
    await page.getByRole("button", { name: "Cancel run" }).click();
    await page.getByRole("button", { name: "Confirm cancel" }).click();
    await page.locator('h1 [data-status="Cancelled"]').waitFor();
    await runWithStatus(weft, run!.run_id, "Cancelled");
  });

  it("reruns a failed run as a fresh run", async () => {
    const [eventId] = await sendEvents(weft, { name: "dash/import", data: { file: "rows.csv" } });
    const [failed] = await runsOf(weft, eventId!);
    await runWithStatus(weft, failed!.run_id, "Failed");
    await page.goto(`${weft.url}/runs/${failed!.run_id}`);
    await page.locator('h1 [data-status="Failed"]').waitFor();
    await expect.poll(() => page.getByLabel("Run output").textContent()).toContain("the upstream file was truncated");
    await page.getByRole("button", { name: "Rerun" }).click();
    await page.waitForURL((url) => url.pathname.startsWith("/runs/") && !url.pathname.endsWith(failed!.run_id));
    await page.locator('h1 [data-status="Completed"]').waitFor();
    const fresh = page.url().split("/runs/")[1]!;
    const { data } = await api<{ data: { event_id: string; function_id: string } }>(weft.url, "GET", `/v1/runs/${fresh}`);
    expect(data.function_id).toBe(failed!.function_id);
    expect(data.event_id).toBe(failed!.event_id); // the same trigger event, a new run
  });

  it("validates and sends a test event from the form, and lists the runs it started", async () => {
    await page.goto(`${weft.url}/events`);
    const form = page.getByRole("form", { name: "Send a test event" });
    await form.getByLabel("Name").fill("dash/hello");
    await form.getByLabel("Data (JSON)").fill('{"name": ');
    await expect.poll(() => form.getByRole("alert").textContent()).toContain("not valid JSON");
    expect(await form.getByRole("button", { name: "Send event" }).isDisabled()).toBe(true);
    await form.getByLabel("Data (JSON)").fill('{"name": "grace"}');
    await form.getByRole("button", { name: "Send event" }).click();
    await page.waitForURL("**/events/*");
    const detail = page.getByRole("region", { name: "Event detail" });
    await detail.locator('[data-status="Completed"]').waitFor();
    await expect.poll(() => detail.textContent()).toContain("dash-app-hello");
  });

  it("shows apps and functions, and syncs on request", async () => {
    await page.goto(`${weft.url}/apps`);
    await page.getByRole("article", { name: "Function Flaky import" }).waitFor();
    await expect.poll(() => page.locator(".apps-table").textContent()).toContain("Synced");
    await page.getByRole("button", { name: "Sync now" }).click();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("Synced");
  });

  it("is usable from the keyboard: / focuses search, which finds a run by event id", async () => {
    const [eventId] = await sendEvents(weft, { name: "dash/hello", data: {} });
    const [run] = await runsOf(weft, eventId!);
    await page.goto(weft.url);
    await page.locator("#search").waitFor();
    await page.keyboard.press("/");
    expect(await page.evaluate(() => document.activeElement?.id)).toBe("search");
    await page.keyboard.type(eventId!);
    await page.keyboard.press("Enter");
    await page.waitForURL(`**/runs/${run!.run_id}`);
  });
});

describe("the API token (production mode)", () => {
  let server: WeftServer;

  beforeAll(async () => {
    server = await startWeftServer({ stores: createMemoryStores(), port: 0, log: silentLogger, apiToken: "s3cret", syncIntervalMs: 60_000 });
  });
  afterAll(async () => server?.close());

  it("refuses the API without the token and accepts it as a bearer header", async () => {
    expect((await fetch(`${server.url}/v1/runs`)).status).toBe(401);
    expect((await fetch(`${server.url}/v1/stream`)).status).toBe(401);
    expect((await fetch(`${server.url}/v1/runs`, { headers: { authorization: "Bearer wrong" } })).status).toBe(401);
    expect((await fetch(`${server.url}/v1/runs`, { headers: { authorization: "Bearer s3cret" } })).status).toBe(200);
    expect((await fetch(`${server.url}/health`)).status).toBe(200);
  });

  it.runIf(browserReady)("asks for the token in a login form, then shows the dashboard", async () => {
    const context = await browser.newContext();
    const p = await context.newPage();
    await p.goto(server.url);
    await p.getByLabel("API token").fill("wrong");
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByRole("alert").waitFor();
    await p.getByLabel("API token").fill("s3cret");
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByRole("heading", { name: "Runs" }).waitFor();
    await context.close();
  });
});
