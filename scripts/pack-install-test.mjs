#!/usr/bin/env node
// Install Weft as a user would, without the source tree: build, `npm pack` the @weft packages the
// CLI needs (and the SDK, for the test app), `npm install` the tarballs into an empty temporary
// folder (third-party dependencies come from the npm registry; better-sqlite3 builds as usual),
// start `npx weft dev` there, check it serves the API and the dashboard, sync a tiny app written
// on the packed SDK, send an event and wait for the run to complete through the REST API.
// Exits non-zero, saying which step failed, on any failure. `--no-build` skips the build;
// `--pack-to DIR` only packs the tarballs into DIR and stops (the Dockerfile's build stage).
//
//   node scripts/pack-install-test.mjs [--no-build] [--keep] [--pack-to DIR]
import { execFileSync, spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const root = fileURLToPath(new URL("..", import.meta.url));
const argv = process.argv.slice(2);
const args = new Set(argv);
const packTo = args.has("--pack-to") ? argv[argv.indexOf("--pack-to") + 1] : undefined;
const work = mkdtempSync(join(tmpdir(), "weft-pack-"));
const children = [];
const started = Date.now();

const say = (line) => console.log(`[pack-install +${((Date.now() - started) / 1000).toFixed(1)}s] ${line}`);
const run = (cmd, argv, cwd) => execFileSync(cmd, argv, { cwd, stdio: ["ignore", "pipe", "inherit"], encoding: "utf8" });

/** The workspace packages `@weft/cli` and `@weft/sdk` need, following their dependencies. */
function packagesToPack() {
  const byName = new Map();
  for (const dir of readdirSync(join(root, "packages"))) {
    try {
      const manifest = JSON.parse(readFileSync(join(root, "packages", dir, "package.json"), "utf8"));
      byName.set(manifest.name, { dir: join(root, "packages", dir), manifest });
    } catch {
      // not a package folder
    }
  }
  const needed = new Set();
  const visit = (name) => {
    const pkg = byName.get(name);
    if (!pkg || needed.has(name)) return;
    if (pkg.manifest.private) throw new Error(`${name} is needed by the install but is private: true`);
    needed.add(name);
    for (const dep of Object.keys(pkg.manifest.dependencies ?? {})) visit(dep);
  };
  visit("@weft/cli");
  visit("@weft/sdk");
  return [...needed].map((name) => byName.get(name));
}

function freePort() {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address();
      s.close(() => resolve(port));
    });
  });
}

/** A child process whose output is kept (printed if the test fails). */
function start(cmd, argv, cwd, name, env = process.env) {
  // Its own process group, so the cleanup ends npx and the weft process under it together.
  const child = spawn(cmd, argv, { cwd, env, stdio: ["ignore", "pipe", "pipe"], detached: true });
  child.log = "";
  child.stdout.on("data", (d) => (child.log += d));
  child.stderr.on("data", (d) => (child.log += d));
  child.label = name;
  children.push(child);
  return child;
}

async function waitFor(what, probe, timeoutMs = 30_000) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe().catch(() => undefined);
    if (value !== undefined) return value;
    for (const child of children) if (child.exitCode !== null) throw new Error(`${child.label} exited (${child.exitCode}) while waiting for ${what}`);
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function api(base, method, path, body) {
  const res = await fetch(new URL(path, base), {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await res.json();
  if (!res.ok) throw new Error(`${method} ${path} answered ${res.status}: ${JSON.stringify(json)}`);
  return json;
}

const appSource = `import { createServer } from "node:http";
import { serve, Weft } from "@weft/sdk";
const client = new Weft({ id: "pack-test-app", baseUrl: process.env.WEFT_URL });
const hello = client.createFunction({ id: "hello" }, { event: "pack/hello" }, async ({ event, step }) => {
  const greeting = await step.run("greet", () => "hello " + event.data.name);
  return { greeting };
});
const handler = serve({ client, functions: [hello] });
createServer((req, res) => void handler(req, res)).listen(Number(process.env.PORT), "127.0.0.1");
`;

async function main() {
  if (!args.has("--no-build")) {
    say("building (npm run build: tsc -b and the dashboard)");
    run("npm", ["run", "build", "--silent"], root);
  }
  const packages = packagesToPack();
  const tarballs = packTo ?? join(work, "tarballs");
  mkdirSync(tarballs, { recursive: true });
  say(`packing ${packages.map((p) => p.manifest.name).join(", ")}`);
  for (const pkg of packages) run("npm", ["pack", "--silent", "--pack-destination", tarballs], pkg.dir);
  const files = readdirSync(tarballs).map((f) => join(tarballs, f));
  if (packTo !== undefined) {
    say(`packed ${files.length} tarballs into ${packTo}`);
    return;
  }

  const install = join(work, "install");
  mkdirSync(install);
  writeFileSync(join(install, "package.json"), `${JSON.stringify({ name: "weft-pack-install-test", private: true, type: "module" }, null, 2)}\n`);
  say(`npm install of ${files.length} tarballs into an empty folder (${install})`);
  run("npm", ["install", "--no-audit", "--no-fund", "--loglevel=error", ...files], install);
  const leaked = readdirSync(join(install, "node_modules", "@weft")).filter((d) => !packages.some((p) => p.manifest.name === `@weft/${d}`));
  if (leaked.length > 0) throw new Error(`the install pulled @weft packages that were not packed: ${leaked.join(", ")}`);

  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  say(`npx weft dev --port ${port}`);
  start("npx", ["--no-install", "weft", "dev", "--port", String(port), "--no-discovery", "--data-dir", join(install, ".weft")], install, "weft dev");
  await waitFor("weft dev to answer /health", async () => ((await fetch(`${base}/health`)).ok ? true : undefined));

  const page = await fetch(`${base}/`);
  const html = await page.text();
  if (page.status !== 200 || !html.includes('<div id="root">'))
    throw new Error(`the dashboard is not served at / (HTTP ${page.status}): ${html.slice(0, 200)}`);
  const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
  if (!script || (await fetch(`${base}${script}`)).status !== 200) throw new Error(`the dashboard's script ${script} is not served`);
  say(`dashboard served at / (${script})`);

  const appPort = await freePort();
  writeFileSync(join(install, "app.mjs"), appSource);
  // The app reads where Weft is and its own port from the environment.
  start(process.execPath, ["app.mjs"], install, "the test app", { ...process.env, WEFT_URL: base, PORT: String(appPort) });
  const appUrl = `http://127.0.0.1:${appPort}/api/inngest`;
  await waitFor("the test app to listen", async () => ((await fetch(appUrl)).status < 500 ? true : undefined));

  const synced = await api(base, "POST", "/v1/apps", { url: appUrl });
  if (!synced.data?.ok) throw new Error(`sync failed: ${JSON.stringify(synced)}`);
  say(`app synced (${appUrl}); sending pack/hello`);
  const { ids } = await api(base, "POST", "/e/pack-test-key", { name: "pack/hello", data: { name: "tarball" } });
  const runId = await waitFor("the event's run", async () => (await api(base, "GET", `/v1/events/${ids[0]}/runs`)).data[0]?.run_id);
  const done = await waitFor(`run ${runId} to complete`, async () => {
    const { data } = await api(base, "GET", `/v1/runs/${runId}`);
    if (data.status === "Failed" || data.status === "Cancelled") throw new Error(`run ${runId} ended ${data.status}: ${JSON.stringify(data.output)}`);
    return data.status === "Completed" ? data : undefined;
  });
  if (done.output?.greeting !== "hello tarball") throw new Error(`unexpected output ${JSON.stringify(done.output)}`);
  say(`run ${runId} completed with ${JSON.stringify(done.output)}: the packed install works`);
}

function cleanup() {
  for (const child of children) {
    if (child.exitCode !== null) continue;
    try {
      // Each child leads its own process group (detached): end the group, npx and weft under it alike.
      process.kill(-child.pid, "SIGTERM");
    } catch {
      // already gone
    }
  }
  if (!args.has("--keep")) rmSync(work, { recursive: true, force: true });
}

main().then(
  () => {
    cleanup();
    process.exit(0);
  },
  (e) => {
    console.error(`[pack-install] FAILED: ${e.message}`);
    for (const child of children) if (child.log) console.error(`--- ${child.label} printed:\n${child.log.slice(-4000)}`);
    cleanup();
    process.exit(1);
  },
);
