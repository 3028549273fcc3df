// The CLI's API commands against a server that requires an API token (`weft start --api-token`):
// refused with one line that names WEFT_API_TOKEN when it is unset, answered when it is set.
import { execFile } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestWeft, type TestWeft } from "../src/index.js";
import { cliPath, requireBuiltCli } from "../src/processes.js";

const token = "cli-test-token-0123456789";
let weft: TestWeft;

beforeAll(async () => {
  requireBuiltCli();
  weft = await startTestWeft({ store: "memory", server: { apiToken: token } });
});

afterAll(async () => {
  await weft?.close();
});

function weftCli(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const options = { encoding: "utf8" as const, timeout: 10_000, env: { PATH: process.env.PATH, ...env } };
    execFile(process.execPath, [cliPath, ...args, "--url", weft.url], options, (error, stdout, stderr) => {
      resolve({ code: error ? ((error as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

describe("weft CLI with an API token", () => {
  it("without WEFT_API_TOKEN: exits 1 with one line saying what to set", async () => {
    const out = await weftCli(["functions"], {});
    expect(out.code).toBe(1);
    expect(out.stderr).toBe(`weft: ${weft.url} requires an API token: set WEFT_API_TOKEN to the token given to weft start --api-token\n`);
  });

  it("with a wrong token: the server's refusal, exit 1", async () => {
    const out = await weftCli(["runs"], { WEFT_API_TOKEN: "wrong" });
    expect(out.code).toBe(1);
    expect(out.stderr).toMatch(/^weft: this server requires an API token/);
  });

  it("with WEFT_API_TOKEN: the commands answer", async () => {
    const fns = await weftCli(["functions"], { WEFT_API_TOKEN: token });
    expect(fns).toMatchObject({ code: 0, stderr: "" });
    const runs = await weftCli(["runs"], { WEFT_API_TOKEN: token });
    expect(runs).toMatchObject({ code: 0, stderr: "" });
  });
});
