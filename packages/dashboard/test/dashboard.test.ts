// The dashboard in a real browser (Debian's Chromium via playwright-core) against a real server
// and a real app: a run appears live and completes, its timeline opens, a waiting run is
// cancelled, a failed run is rerun and replayed from its failing step, a test event is sent from
// the form, a waiting run is sent its signal, apps sync, a function is paused and resumed and its running runs cancelled, an invoke
// links to its child run. Plus the API token of production mode, through the login form.
import { api, runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, stepsOf, waitFor, type TestWeft } from "@weft/e2e";
import { silentLogger } from "@weft/engine";
import { startWeftServer, type WeftServer } from "@weft/server";
import { createMemoryStores } from "@weft/store";
import type { Browser, Page } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { buildDashboard, chromiumAvailable, dashboardFunctions, launchChromium, setupStep } from "./browser.js";

const browserReady = chromiumAvailable();

let weft: TestWeft;
let app: { close(): Promise<void> };
let browser: Browser;
let page: Page;
let executions: Map<string, number>;

beforeAll(async () => {
  if (!browserReady) return;
  await setupStep("building the dashboard", buildDashboard);
  weft = await setupStep("starting the server", () => startTestWeft());
  const fns = dashboardFunctions(weft.url);
  executions = fns.executions;
  app = await setupStep("serving the app", () => serveApp(weft, fns.client, fns.functions));
  browser = await setupStep("launching Chromium", launchChromium);
  page = await setupStep("opening a page", () => browser.newPage());
  page.setDefaultTimeout(8000);
  // Generous: this setup once took over 30 s in a CI run on a loaded 2-core machine (which step is
  // unknown; setupStep now reports any slow one).
}, 90_000);

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
    await greet.getByRole("button", { name: /^greet/ }).click();
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

  it("shows the signal a waiting run waits for, and sends it from the page", async () => {
    const [eventId] = await sendEvents(weft, { name: "dash/signal", data: { order: "s-1" } });
    const [run] = await runsOf(weft, eventId!);
    await page.goto(`${weft.url}/runs/${run!.run_id}`);
    const waiting = page.getByRole("region", { name: "Waiting for" });
    await expect.poll(() => waiting.textContent()).toContain("waiting for signal approve-s-1 (times out after 1h)");
    const form = waiting.getByRole("form", { name: "Send the signal approve-s-1" });
    const data = form.getByLabel("Signal data (JSON)");
    await data.fill("{nope");
    await expect.poll(() => form.getByRole("alert").textContent()).toContain("not valid JSON");
    expect(await form.getByRole("button", { name: "Send signal" }).isDisabled()).toBe(true);

    // The server's 404 is shown as it is: the request names a signal nobody waits on (the body is
    // rewritten on its way; the answer is the real server's).
    await data.fill('{"approved": true}');
    await page.route("**/v1/signals", (route) => route.continue({ postData: JSON.stringify({ signal: "approve-nobody", data: {} }) }));
    await form.getByRole("button", { name: "Send signal" }).click();
    await expect.poll(() => form.getByRole("alert").textContent()).toContain('no run is waiting for the signal "approve-nobody"');
    await page.unroute("**/v1/signals");
    expect((await api<{ data: { status: string } }>(weft.url, "GET", `/v1/runs/${run!.run_id}`)).data.status).toBe("Running");

    await form.getByRole("button", { name: "Send signal" }).click();
    await page.locator('h1 [data-status="Completed"]').waitFor();
    await expect.poll(() => page.getByLabel("Run output").textContent()).toContain('"approved": true');
    expect((await runWithStatus(weft, run!.run_id, "Completed")).output).toEqual({ signal: "approve-s-1", data: { approved: true } });
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
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain(`Rerun of run ${failed!.run_id}`);
  });

  it("replays a failed run from its failing step, reusing the steps before it", async () => {
    const [eventId] = await sendEvents(weft, { name: "dash/import", data: { file: "more-rows.csv" } });
    const [failed] = await runsOf(weft, eventId!);
    await runWithStatus(weft, failed!.run_id, "Failed");
    await page.goto(`${weft.url}/runs/${failed!.run_id}`);
    const failing = page.locator('[data-step-name="import-rows"]');
    await failing.getByRole("button", { name: "Replay from here" }).click();
    await failing.getByRole("button", { name: "Confirm replay" }).click();
    await page.waitForURL((url) => url.pathname.startsWith("/runs/") && !url.pathname.endsWith(failed!.run_id));
    await page.locator('h1 [data-status="Completed"]').waitFor();
    await expect.poll(() => page.getByRole("status").first().textContent()).toContain("from step import-rows");
    const replayed = page.url().split("/runs/")[1]!;
    expect((await api<{ data: { output: unknown } }>(weft.url, "GET", `/v1/runs/${replayed}`)).data.output).toEqual({ imported: 3 });
    // "fetch-rows" was reused from the failed run; only "import-rows" ran again.
    const sdkEventId = (await api<{ data: { id: string } }>(weft.url, "GET", `/v1/events/${failed!.event_id}`)).data.id;
    expect([executions.get(`${sdkEventId}:fetch-rows`), executions.get(`${sdkEventId}:import-rows`)]).toEqual([1, 2]);

    // The server's refusal is shown as it is: a step the run never recorded (the request's body is
    // rewritten on its way, the answer is the real server's).
    await page.goto(`${weft.url}/runs/${failed!.run_id}`);
    await page.route("**/replay", (route) => route.continue({ postData: JSON.stringify({ step_id: "not-a-step" }) }));
    const first = page.locator('[data-step-name="fetch-rows"]');
    await first.getByRole("button", { name: "Replay from here" }).click();
    await first.getByRole("button", { name: "Confirm replay" }).click();
    await expect.poll(() => page.getByRole("alert").textContent()).toContain("has no recorded step not-a-step");
    expect(page.url()).toContain(failed!.run_id);
    await page.unroute("**/replay");
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

  it("pauses a function: its events start no run until it is resumed", async () => {
    await page.goto(`${weft.url}/apps`);
    const card = page.getByRole("article", { name: "Function Send digest" });
    await card.getByRole("button", { name: "Pause" }).click();
    await card.locator('h3 [data-status="Paused"]').waitFor();
    await card.getByRole("button", { name: "Resume" }).waitFor();
    expect((await api<{ data: { paused: boolean } }>(weft.url, "GET", "/v1/functions/dash-app-digest")).data.paused).toBe(true);

    const [held] = await sendEvents(weft, { name: "dash/digest", data: {} });
    // A marker event of another function, sent after it: once its run has completed, the paused
    // function's event has had its chance to start a run.
    const [marker] = await sendEvents(weft, { name: "dash/hello", data: { name: "marker" } });
    await runWithStatus(weft, (await runsOf(weft, marker!))[0]!.run_id, "Completed");
    expect((await api<{ data: unknown[] }>(weft.url, "GET", `/v1/events/${held}/runs`)).data).toEqual([]);

    await card.getByRole("button", { name: "Resume" }).click();
    await card.getByRole("button", { name: "Pause" }).waitFor();
    expect(await card.locator('[data-status="Paused"]').count()).toBe(0);
    const [next] = await sendEvents(weft, { name: "dash/digest", data: {} });
    await runWithStatus(weft, (await runsOf(weft, next!))[0]!.run_id, "Completed");
    expect((await api<{ data: unknown[] }>(weft.url, "GET", `/v1/events/${held}/runs`)).data).toEqual([]); // not replayed on resume
  });

  it("cancels every running run of a function from its card, after a confirmation", async () => {
    const ids = await sendEvents(weft, [
      { name: "dash/order", data: { order: "bulk-1" } },
      { name: "dash/order", data: { order: "bulk-2" } },
    ]);
    const runs = await Promise.all(ids.map(async (id) => (await runsOf(weft, id))[0]!));
    await page.goto(`${weft.url}/apps`);
    const card = page.getByRole("article", { name: "Function Wait for approval" });
    await card.getByRole("button", { name: "Cancel all running" }).click();
    await card.getByRole("button", { name: "Keep running" }).click();
    expect(await page.evaluate(() => document.activeElement?.textContent)).toBe("Cancel all running");
    await page.keyboard.press("Enter");
    await card.getByRole("button", { name: "Confirm cancel all" }).click();
    await expect.poll(() => card.getByRole("status").textContent()).toBe("Cancelled 2 runs.");
    for (const run of runs) await runWithStatus(weft, run.run_id, "Cancelled");
  });

  it("links an invoke to its child run, while it waits and after, and the child back to its parent", async () => {
    const [eventId] = await sendEvents(weft, { name: "dash/parent", data: { key: "k-1" } });
    const [parent] = await runsOf(weft, eventId!);
    const childId = await waitFor(async () => {
      const line = (await stepsOf(weft, parent!.run_id)).find((s) => s.op === "InvokeFunction");
      return (line?.output as { run_id?: string } | undefined)?.run_id;
    }, "the invoke line");
    await page.goto(`${weft.url}/runs/${parent!.run_id}`);
    const invoke = page.locator('[data-step-name="call-child"]');
    await invoke.locator('[data-status="Waiting"]').waitFor();
    expect(await invoke.getByRole("link", { name: "Child run" }).getAttribute("href")).toBe(`/runs/${childId}`);
    expect(await page.getByRole("region", { name: "Waiting for" }).getByRole("link", { name: childId }).count()).toBe(1);

    await sendEvents(weft, { name: "dash/release", data: { key: "k-1" } });
    await page.locator('h1 [data-status="Completed"]').waitFor();
    await invoke.locator('[data-status="Completed"]').waitFor();
    await invoke.getByRole("link", { name: "Child run" }).click();
    await page.waitForURL(`**/runs/${childId}`);
    await page.locator('h1 [data-status="Completed"]').waitFor();
    await page.getByRole("link", { name: parent!.run_id, exact: true }).click();
    await page.waitForURL(`**/runs/${parent!.run_id}`);
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
