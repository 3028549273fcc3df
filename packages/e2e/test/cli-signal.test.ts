// `weft signal NAME --data JSON` as a real process against a server: it resumes the waiting run
// and prints its id; no waiting run (404) and bad JSON are one line on stderr and a non-zero exit.
import { execFile } from "node:child_process";
import { randomUUID } from "node:crypto";
import { Weft } from "@weft/sdk";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runOf, runWithStatus, serveApp, startTestWeft, stepsOf, waitFor, type TestWeft } from "../src/index.js";
import { cliPath, requireBuiltCli } from "../src/processes.js";

let weft: TestWeft;
let app: { close(): Promise<void> };

beforeAll(async () => {
  requireBuiltCli();
  weft = await startTestWeft({ store: "memory" });
  const client = new Weft({ id: "cli-signal-app", baseUrl: weft.url });
  const waiter = client.createFunction({ id: "wait", retries: 0 }, { event: "cli-sig/wait" }, async ({ event, step }) =>
    step.waitForSignal("await-signal", { signal: String(event.data.signal), timeout: "1h" }),
  );
  app = await serveApp(weft, client, [waiter]);
});

afterAll(async () => {
  await app?.close();
  await weft?.close();
});

/** Run the built CLI without blocking this process (the server under test runs in it). */
function weftCli(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [cliPath, ...args, "--url", weft.url], { encoding: "utf8", timeout: 10_000 }, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("weft signal", () => {
  it("resumes the waiting run with the data and prints its id", async () => {
    const signal = `cli-${randomUUID()}`;
    const run = await runOf(weft, "cli-sig/wait", { signal });
    await waitFor(async () => (await stepsOf(weft, run.run_id)).find((s) => s.op === "WaitForSignal" && s.status === "Waiting"), "the signal wait");
    const out = await weftCli(["signal", signal, "--data", '{"approved":true}']);
    expect(out).toMatchObject({ code: 0, stderr: "" });
    expect(out.stdout.trim()).toBe(`signalled ${signal}: resumed run ${run.run_id}`);
    expect((await runWithStatus(weft, run.run_id, "Completed")).output).toEqual({ signal, data: { approved: true } });
  });

  it("exits 1 with one line when no run waits on the signal", async () => {
    const out = await weftCli(["signal", `nobody-${randomUUID()}`]);
    expect(out.code).toBe(1);
    expect(out.stdout).toBe("");
    expect(out.stderr).toMatch(/^weft: no run is waiting for the signal "nobody-[^"]+"\n$/);
  });

  it("exits 2 with one line on bad --data JSON or a missing name, and sends nothing", async () => {
    const bad = await weftCli(["signal", "x", "--data", "{nope"]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^weft: --data is not valid JSON: [^\n]*\n$/);
    const missing = await weftCli(["signal"]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^weft: weft signal needs a signal name/);
  });
});
