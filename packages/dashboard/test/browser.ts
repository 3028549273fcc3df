// Shared by the dashboard's browser tests: build the dashboard, launch Debian's Chromium, and a
// small app whose functions exercise each page (a quick run, a waiting run, a failing run).
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, statSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { NonRetriableError, Weft } from "@weft/sdk";
import { chromium, type Browser } from "playwright-core";

const dashboardDir = fileURLToPath(new URL("..", import.meta.url));
export const chromiumPath = process.env.WEFT_CHROMIUM ?? "/usr/bin/chromium";

/**
 * Whether the browser tests can run: on a developer's machine without Chromium they are skipped
 * with a loud reason; under CI=true a missing browser fails the run (`.ci/run` installs it).
 */
export function chromiumAvailable(): boolean {
  if (existsSync(chromiumPath)) return true;
  const message = `no Chromium at ${chromiumPath} (apt-get install chromium, or set WEFT_CHROMIUM)`;
  if (process.env.CI === "true") throw new Error(`${message}: CI needs it`);
  console.warn(`SKIPPING dashboard browser tests: ${message}`);
  return false;
}

/**
 * Build the dashboard into packages/dashboard/dist, which the server serves, unless it is newer
 * than every source file (as right after `npm run build`, which `npm test` runs first). Vite alone,
 * ~1 s on an idle machine but many times that next to a full test run, so skipping it when fresh
 * keeps the browser tests' setup short; a stale build is never served.
 */
export function buildDashboard(): void {
  if (builtAfterSources()) return;
  const vite = fileURLToPath(new URL("../../../node_modules/vite/bin/vite.js", import.meta.url));
  execFileSync(process.execPath, [vite, "build", "--logLevel", "error"], { cwd: dashboardDir, stdio: "inherit" });
}

function builtAfterSources(): boolean {
  const built = join(dashboardDir, "dist", "index.html");
  if (!existsSync(built)) return false;
  const builtAt = statSync(built).mtimeMs;
  const sources = [join(dashboardDir, "index.html"), join(dashboardDir, "vite.config.ts"), ...filesUnder(join(dashboardDir, "src"))];
  return sources.every((file) => statSync(file).mtimeMs < builtAt);
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? filesUnder(join(dir, entry.name)) : [join(dir, entry.name)]));
}

/**
 * Run one step of a browser test's setup and say so when it took over 5 s, so a setup that times
 * out on a loaded CI machine leaves a trace of which step was slow.
 */
export async function setupStep<T>(name: string, fn: () => T | Promise<T>): Promise<T> {
  const started = performance.now();
  try {
    return await fn();
  } finally {
    const ms = performance.now() - started;
    if (ms > 5000) console.warn(`dashboard test setup: ${name} took ${Math.round(ms)} ms`);
  }
}

/** Launch Chromium; its own timeout names the launch when a loaded machine makes it slow. */
export function launchChromium(): Promise<Browser> {
  if (!existsSync(chromiumPath)) throw new Error(`no Chromium at ${chromiumPath}: apt-get install chromium, or set WEFT_CHROMIUM`);
  return chromium.launch({
    executablePath: chromiumPath,
    timeout: 45_000,
    args: [
      "--headless",
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

/**
 * The functions the dashboard tests drive. `flaky` fails its first run of each event (in its
 * second step) and passes when rerun or replayed; `executions` counts each step's runs by event id.
 * `parent` invokes `child`, which waits for a `dash/release` with the same key.
 */
export function dashboardFunctions(baseUrl: string) {
  const client = new Weft({ id: "dash-app", baseUrl });
  const executions = new Map<string, number>();
  const count = (key: string) => {
    const n = (executions.get(key) ?? 0) + 1;
    executions.set(key, n);
    return n;
  };
  const hello = client.createFunction({ id: "hello", name: "Say hello" }, { event: "dash/hello" }, async ({ event, step }) => {
    const greeting = await step.run("greet", () => `hello ${String(event.data.name ?? "world")}`);
    const shout = await step.run("shout", () => greeting.toUpperCase());
    return { greeting, shout };
  });
  const approval = client.createFunction({ id: "approval", name: "Wait for approval" }, { event: "dash/order" }, async ({ step }) => {
    await step.run("reserve", () => "reserved");
    const approved = await step.waitForEvent("wait-for-approval", { event: "dash/approved", match: "data.order", timeout: "1h" });
    return { approved: approved !== null };
  });
  const flaky = client.createFunction({ id: "flaky", name: "Flaky import", retries: 0 }, { event: "dash/import" }, async ({ event, step }) => {
    await step.run("fetch-rows", () => (count(`${event.id}:fetch-rows`), [1, 2, 3]));
    return step.run("import-rows", () => {
      if (count(`${event.id}:import-rows`) === 1) throw new NonRetriableError("the upstream file was truncated");
      return { imported: 3 };
    });
  });
  const digest = client.createFunction({ id: "digest", name: "Send digest" }, { event: "dash/digest" }, async ({ step }) => step.run("send", () => "sent"));
  const child = client.createFunction({ id: "child", name: "Child task" }, { event: "dash/child" }, async ({ step }) => {
    const release = await step.waitForEvent("wait-for-release", { event: "dash/release", match: "data.key", timeout: "1h" });
    return { released: release !== null };
  });
  const parent = client.createFunction({ id: "parent", name: "Invoke a child" }, { event: "dash/parent" }, async ({ event, step }) => {
    const result = await step.invoke("call-child", { function: child, data: { key: event.data.key } });
    return { child: result };
  });
  const signalled = client.createFunction({ id: "signalled", name: "Wait for a signal" }, { event: "dash/signal" }, async ({ event, step }) =>
    step.waitForSignal("wait-for-signal", { signal: `approve-${String(event.data.order)}`, timeout: "1h" }),
  );
  return { client, functions: [hello, approval, flaky, digest, child, parent, signalled], executions };
}
