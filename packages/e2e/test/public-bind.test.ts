// `weft dev` on a public address: dev mode accepts any event key and unsigned syncs, so off
// loopback it needs every secret `weft start` needs (--signing-key, --event-key, --api-token), or
// refuses to start with a message naming what is missing and a non-zero exit. Run as the built CLI.
import type { ChildProcess } from "node:child_process";
import { spawnSync } from "node:child_process";
import { request } from "undici";
import { afterAll, describe, expect, it } from "vitest";
import { cliPath, freePort, kill9, requireBuiltCli, startWeftProcess } from "../src/processes.js";

const signingKey = `signkey-test-${"ab".repeat(32)}`;
const children: ChildProcess[] = [];
afterAll(async () => {
  for (const child of children) await kill9(child);
});

function weftDev(args: string[]) {
  return spawnSync(process.execPath, [cliPath, "dev", "--db", "memory:", "--no-discovery", "--port", "0", ...args], { encoding: "utf8", timeout: 10_000 });
}

describe("weft dev on a public address", () => {
  it("refuses to start without every secret, naming the missing ones", () => {
    requireBuiltCli();
    const cases: [string[], string][] = [
      [["--host", "0.0.0.0"], "--signing-key, --event-key, --api-token"],
      // The finding: an API token alone left /e/* and /fn/register open.
      [["--host", "0.0.0.0", "--api-token", "tok"], "--signing-key, --event-key"],
      [["--host", "::", "--api-token", "tok", "--signing-key", signingKey], "--event-key"],
      [["--host", "192.168.1.10", "--event-key", "k", "--signing-key", signingKey], "--api-token"],
    ];
    for (const [args, missing] of cases) {
      const out = weftDev(args);
      expect(out.status, args.join(" ")).toBe(2);
      expect(out.stderr, args.join(" ")).toContain(`give ${missing} (as weft start needs)`);
      expect(out.stdout).not.toContain("Weft dev server on");
    }
  });

  it("starts with all three, and then holds /e and /fn/register to them", { timeout: 20_000 }, async () => {
    requireBuiltCli();
    const port = await freePort();
    const child = await startWeftProcess(
      [
        "dev",
        "--db",
        "memory:",
        "--no-discovery",
        "--host",
        "0.0.0.0",
        "--port",
        String(port),
        "--signing-key",
        signingKey,
        "--event-key",
        "evt-1",
        "--api-token",
        "tok-1",
      ],
      "Weft dev server on",
    );
    children.push(child);
    const post = async (path: string) =>
      (await request(`http://127.0.0.1:${port}${path}`, { method: "POST", body: "{}", headers: { "content-type": "application/json" } })).statusCode;
    expect(await post("/e/any-key")).toBe(401);
    expect(await post("/fn/register")).toBe(401);
    expect((await request(`http://127.0.0.1:${port}/v1/runs`)).statusCode).toBe(401);
  });

  it("loopback binds and an explicit --insecure-dev still start without secrets", { timeout: 20_000 }, async () => {
    requireBuiltCli();
    for (const args of [
      ["--host", "localhost"],
      ["--host", "0.0.0.0", "--insecure-dev"],
    ]) {
      const child = await startWeftProcess(["dev", "--db", "memory:", "--no-discovery", "--port", String(await freePort()), ...args], "Weft dev server on");
      children.push(child);
      await kill9(child);
    }
  });
});
