// A Redis without persistence loses every acknowledged event and run it holds when it restarts.
// `weft start` refuses one unless --redis-no-persistence-ok says that is intended; `weft dev` warns.
// Runs against the machine's Redis, which keeps nothing (as CI's), and skips if it does persist.
import { spawnSync } from "node:child_process";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { dropTestData, testBackend } from "../src/backends.js";
import { cliPath, freePort, kill9, processLog, requireBuiltCli, startWeftProcess } from "../src/processes.js";

const redis = await testBackend("redis");
const tag = `persist_${process.pid}_${Date.now()}`;
const persists = redis
  ? await (async () => {
      const admin = new Redis(redis);
      const [, appendonly] = (await admin.config("GET", "appendonly")) as [string, string];
      const [, save] = (await admin.config("GET", "save")) as [string, string];
      admin.disconnect();
      return appendonly === "yes" || save !== "";
    })()
  : true;

afterAll(() => dropTestData({ redis, prefixes: [`${tag}:`] }));

describe.runIf(redis && !persists)("Redis without persistence", () => {
  const state = `${redis}?keyPrefix=${tag}:`;

  it("weft start refuses it, naming the fix and the flag", () => {
    requireBuiltCli();
    const out = spawnSync(process.execPath, [cliPath, "start", "--insecure-dev", "--db", "memory:", "--state", state, "--port", "0"], {
      encoding: "utf8",
      timeout: 10_000,
    });
    expect(out.status).toBe(1);
    expect(out.stderr).toMatch(/has no persistence \(appendonly no, save ""\): .* Turn on appendonly .*--redis-no-persistence-ok/);
  });

  it.each([
    ["weft start --redis-no-persistence-ok", ["start", "--redis-no-persistence-ok"]],
    ["weft dev", ["dev", "--no-discovery"]],
  ])("%s starts, with the warning", { timeout: 15_000 }, async (_what, args) => {
    requireBuiltCli();
    const port = await freePort();
    const proc = await startWeftProcess([...args, "--insecure-dev", "--db", "memory:", "--state", state, "--port", String(port)], "Weft ");
    try {
      expect(processLog(proc)).toMatch(/WARNING: Redis at .* has no persistence/);
    } finally {
      await kill9(proc);
    }
  });
});
