// Why these cannot be shared conformance cases: they are about the Redis server underneath, its
// persistence settings and what a restart leaves of its data. No other store forgets its data when
// its server restarts. They use the machine's Redis (no persistence) and redis-servers of their own:
// one with appendonly, one with CONFIG renamed away (as managed services do), one restarted empty.
import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { InvalidInputError, isWeftError } from "@weft/core";
import { createRedisStores, KeyLayout, RedisConnection, watchDurability } from "@weft/store-redis";
import type { RedisStoresOptions } from "@weft/store-redis";
import { Redis } from "ioredis";
import { afterAll, describe, expect, it } from "vitest";
import { deleteKeysWithPrefix, freePorts, redisBinariesPresent, redisReachable, startRestartableRedis, testRedisUrl, uniquePrefix } from "@weft/testing";

const suite = "redis durability checks";
const cleanups: (() => Promise<unknown>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

/** A redis-server of this file's own with `args`, which `restart` brings back on the same port. */
async function ownRedis(args: string[]): Promise<{ url: string; kill(): Promise<void>; restart(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), "weft-redis-durability-"));
  const [port] = (await freePorts(1)) as [number];
  let child: ChildProcess | undefined;
  const kill = () =>
    new Promise<void>((resolve) => {
      if (!child || child.exitCode !== null || child.signalCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGKILL");
    });
  const launch = async () => {
    child = spawn("redis-server", ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, ...args], { stdio: "ignore" });
    child.on("error", () => {});
    const probe = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => 50, maxRetriesPerRequest: null });
    probe.on("error", () => {});
    await probe.ping();
    probe.disconnect();
  };
  await launch();
  cleanups.push(async () => {
    await kill();
    rmSync(dir, { recursive: true, force: true });
  });
  return { url: `redis://127.0.0.1:${port}`, kill, restart: launch };
}

/** Open a bundle with `opts`, remembering what it warned; answers the warnings and the init's error. */
async function openWith(url: string, opts: RedisStoresOptions) {
  const warnings: string[] = [];
  const keyPrefix = uniquePrefix("durability");
  const stores = createRedisStores(url, { keyPrefix, warn: (line) => warnings.push(line), ...opts });
  cleanups.push(() => stores.close());
  const error = await stores.init().then(
    () => undefined,
    (e: unknown) => e,
  );
  return { warnings, error, keyPrefix };
}

/** Every call on the connection has been answered after the next reconnect's checks. */
async function pastReconnect(conn: RedisConnection): Promise<void> {
  // The first PING to get through proves the connection is back; the reconnect check was sent on
  // "ready", so its reply precedes the second PING's.
  for (;;) {
    if (
      await conn.command("PING", []).then(
        () => true,
        () => false,
      )
    )
      break;
  }
  await conn.command("PING", []);
}

if ((await redisReachable(suite)) && redisBinariesPresent(suite)) {
  describe(suite, () => {
    it("finds the machine's Redis without persistence: weft start's mode refuses it, dev's warns", async () => {
      const admin = new Redis(testRedisUrl);
      const [, appendonly] = (await admin.config("GET", "appendonly")) as [string, string];
      const [, save] = (await admin.config("GET", "save")) as [string, string];
      admin.disconnect();
      // The check is only meaningful if this Redis really keeps nothing (as CI's does).
      if (appendonly !== "no" || save !== "") return;

      const refused = await openWith(testRedisUrl, { persistence: "require" });
      expect(isWeftError(refused.error, InvalidInputError), String(refused.error)).toBe(true);
      expect((refused.error as Error).message).toMatch(
        /has no persistence \(appendonly no, save ""\): .* lost\. Turn on appendonly .*--redis-no-persistence-ok/,
      );

      const warned = await openWith(testRedisUrl, { persistence: "warn" });
      expect(warned.error).toBeUndefined();
      expect(warned.warnings).toEqual([expect.stringMatching(/^WARNING: Redis at redis:\/\/.* has no persistence/)]);
    });

    it("accepts a Redis with appendonly, silently", { timeout: 15_000 }, async () => {
      const redis = await startRestartableRedis();
      cleanups.push(() => redis.stop());
      const opened = await openWith(redis.url, { persistence: "require" });
      expect(opened.error).toBeUndefined();
      expect(opened.warnings).toEqual([]);
    });

    it("a Redis whose CONFIG is renamed away is warned about as unchecked, never refused", { timeout: 15_000 }, async () => {
      const redis = await ownRedis(["--save", "", "--appendonly", "no", "--rename-command", "CONFIG", ""]);
      const opened = await openWith(redis.url, { persistence: "require" });
      expect(opened.error).toBeUndefined();
      expect(opened.warnings).toEqual([
        expect.stringMatching(/^WARNING: could not check whether Redis at .* persists its data \(CONFIG GET failed: .*unknown command/),
      ]);
    });

    it("notices a Redis that restarted empty, says so loudly once, and writes the marker again", { timeout: 15_000 }, async () => {
      const redis = await ownRedis(["--save", "", "--appendonly", "no"]);
      const layout = new KeyLayout(uniquePrefix("epoch"));
      const warnings: string[] = [];
      const conn = new RedisConnection(redis.url);
      watchDurability(conn, layout.epoch(), { persistence: "ignore", warn: (line) => warnings.push(line) });
      cleanups.push(() => conn.close());
      await conn.init();
      const marker = await conn.command("GET", [layout.epoch()]);
      expect(marker).toEqual(expect.any(String));

      await redis.kill();
      await redis.restart();
      await pastReconnect(conn);
      expect(warnings).toEqual([
        expect.stringMatching(
          /^WARNING: Redis at redis:\/\/127\.0\.0\.1:\d+ restarted empty \(its marker .* is gone\): queued work and run state written before may be lost/,
        ),
      ]);
      await pastReconnect(conn); // the rewrite follows the warning
      const rewritten = await conn.command("GET", [layout.epoch()]);
      expect(rewritten).toEqual(expect.any(String));
      expect(rewritten).not.toBe(marker);
    });

    it("a Redis that kept its data across a restart is not reported", { timeout: 15_000 }, async () => {
      const redis = await startRestartableRedis();
      cleanups.push(() => redis.stop());
      const layout = new KeyLayout(uniquePrefix("epoch"));
      const warnings: string[] = [];
      const conn = new RedisConnection(redis.url);
      watchDurability(conn, layout.epoch(), { warn: (line) => warnings.push(line) });
      cleanups.push(() => conn.close());
      await conn.init();
      await redis.kill();
      await redis.restart();
      await pastReconnect(conn);
      expect(warnings).toEqual([]);
    });
  });

  afterAll(async () => {
    const admin = new Redis(testRedisUrl);
    await deleteKeysWithPrefix(admin, "weft-test:durability:");
    await admin.quit();
  });
}
