// `--log-format json`: a production server (the built CLI, a real process) makes runs, one of them
// failing; every line it writes on stdout must parse as JSON, the run lines must carry `runId`,
// `functionId` (and `stepId` on a failed step), and no line may hold a secret, the event's data or a
// step's output. At `--log-level debug` the run's output appears, in debug lines only.
import { type ChildProcess, spawn } from "node:child_process";
import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { hashSigningKey } from "@weft/core";
import { NonRetriableError, serve, Weft } from "@weft/sdk";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../src/index.js";
import { cliPath, freePort, requireBuiltCli } from "../src/processes.js";

const signingKey = `signkey-test-${randomBytes(32).toString("hex")}`;
const eventKey = `evt-${randomBytes(16).toString("hex")}`;
const apiToken = `tok-${randomBytes(16).toString("hex")}`;
const secrets = [signingKey, signingKey.slice("signkey-test-".length), hashSigningKey(signingKey).replace(/^signkey-\w+-/, ""), eventKey, apiToken];
/** In the event's data and in the steps' outputs: payloads, never in an info line. */
const eventMarker = `event-data-${randomBytes(8).toString("hex")}`;
const outputMarker = `step-output-${randomBytes(8).toString("hex")}`;

const dir = mkdtempSync(join(tmpdir(), "weft-json-logs-"));
let app: Server;
let appUrl: string;
const children: ChildProcess[] = [];

interface LogLine {
  level: string;
  time: string;
  msg: string;
  runId?: string;
  functionId?: string;
  stepId?: string;
  [field: string]: unknown;
}

beforeAll(async () => {
  const client = new Weft({ id: "logs-app", signingKey });
  const ok = client.createFunction({ id: "ok" }, { event: "logs/ok" }, async ({ step }) => {
    const made = await step.run("make", () => ({ made: outputMarker }));
    return { done: made.made };
  });
  const bad = client.createFunction({ id: "bad", retries: 0 }, { event: "logs/bad" }, async ({ step }) => {
    await step.run("explode", () => {
      throw new NonRetriableError("the step gave up");
    });
  });
  const handler = serve({ client, functions: [ok, bad] });
  app = createServer((req, res) => void handler(req, res));
  await new Promise<void>((resolve) => app.listen(0, "127.0.0.1", resolve));
  appUrl = `http://127.0.0.1:${(app.address() as AddressInfo).port}/api/inngest`;
});

afterAll(() => {
  for (const child of children) child.kill("SIGKILL");
  app.closeAllConnections();
  app.close();
  rmSync(dir, { recursive: true, force: true });
});

/** `weft start --log-format json` on a fresh SQLite file; resolves once the app synced. */
async function startJsonServer(level: string): Promise<{ base: string; stdout: () => string; stop: () => Promise<void> }> {
  const port = await freePort();
  const args = ["start", "--port", String(port), "--db", `sqlite:${join(dir, `${level}.db`)}`, "-u", appUrl, "--log-format", "json", "--log-level", level];
  const secretArgs = ["--signing-key", signingKey, "--event-key", eventKey, "--api-token", apiToken];
  const child = spawn(process.execPath, [cliPath, ...args, ...secretArgs], { stdio: ["ignore", "pipe", "pipe"] });
  children.push(child);
  let out = "";
  let err = "";
  child.stdout?.on("data", (d) => (out += d));
  child.stderr?.on("data", (d) => (err += d));
  await waitFor(async () => (out.includes("app sync ok") ? true : undefined), `the server to sync the app (stderr: ${err})`, 15_000);
  return {
    base: `http://127.0.0.1:${port}`,
    stdout: () => out,
    stop: () =>
      new Promise<void>((resolve) => {
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
      }),
  };
}

async function makeRuns(base: string): Promise<{ runId: string; functionId: string; status: string }[]> {
  const sent = await request(`${base}/e/${eventKey}`, {
    method: "POST",
    body: JSON.stringify([
      { name: "logs/ok", data: { marker: eventMarker } },
      { name: "logs/ok", data: { marker: eventMarker } },
      { name: "logs/bad", data: { marker: eventMarker } },
    ]),
  });
  expect(sent.statusCode).toBe(200);
  await sent.body.text();
  return waitFor(
    async () => {
      const res = await request(`${base}/v1/runs`, { headers: { authorization: `Bearer ${apiToken}` } });
      const runs = ((await res.body.json()) as { data: { run_id: string; function_id: string; status: string }[] }).data;
      if (runs.length < 3 || runs.some((r) => r.status === "Running")) return undefined;
      return runs.map((r) => ({ runId: r.run_id, functionId: r.function_id, status: r.status }));
    },
    "three runs to end",
    15_000,
  );
}

function parseLines(stdout: string): LogLine[] {
  const lines = stdout.split("\n").filter((l) => l.trim() !== "");
  expect(lines.length).toBeGreaterThan(0);
  return lines.map((l) => {
    const parsed = JSON.parse(l) as LogLine; // throws (and fails the test) on any line that is not JSON
    expect(["debug", "info", "warn", "error"]).toContain(parsed.level);
    expect(Number.isNaN(Date.parse(parsed.time))).toBe(false);
    expect(typeof parsed.msg).toBe("string");
    return parsed;
  });
}

describe("--log-format json", () => {
  it("writes JSON lines with run, function and step ids, and no secret or payload", { timeout: 40_000 }, async () => {
    requireBuiltCli();
    const server = await startJsonServer("info");
    const runs = await makeRuns(server.base);
    await server.stop();
    const lines = parseLines(server.stdout());

    expect(runs.filter((r) => r.status === "Completed")).toHaveLength(2);
    const failed = runs.find((r) => r.status === "Failed");
    expect(failed?.functionId).toBe("logs-app-bad");
    for (const run of runs) {
      const started = lines.find((l) => l.msg === "run started" && l.runId === run.runId);
      expect(started).toMatchObject({ level: "info", functionId: run.functionId });
      const ended = lines.find((l) => l.msg === `run ${run.status.toLowerCase()}` && l.runId === run.runId);
      expect(ended).toMatchObject({ level: run.status === "Failed" ? "warn" : "info", functionId: run.functionId });
    }
    // The failed step's line names the step.
    const stepFailure = lines.find((l) => l.runId === failed?.runId && l.msg === "step failed");
    expect(stepFailure?.stepId).toEqual(expect.any(String));
    expect(lines.some((l) => l.level === "debug")).toBe(false);

    const text = server.stdout();
    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
    expect(text.includes(eventMarker)).toBe(false);
    expect(text.includes(outputMarker)).toBe(false);
  });

  it("at --log-level debug, shows the run's output in debug lines only, and still no secret", { timeout: 40_000 }, async () => {
    requireBuiltCli();
    const server = await startJsonServer("debug");
    const runs = await makeRuns(server.base);
    await server.stop();
    const lines = parseLines(server.stdout());

    const completed = runs.find((r) => r.status === "Completed");
    const output = lines.find((l) => l.msg === "run output" && l.runId === completed?.runId);
    expect(output).toMatchObject({ level: "debug", functionId: "logs-app-ok" });
    expect(String(output?.output)).toContain(outputMarker);
    for (const line of lines.filter((l) => l.level !== "debug")) expect(JSON.stringify(line).includes(outputMarker)).toBe(false);
    const text = server.stdout();
    for (const secret of secrets) expect(text.includes(secret)).toBe(false);
  });
});
