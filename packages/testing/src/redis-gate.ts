import { execFileSync } from "node:child_process";
import { Redis } from "ioredis";

/**
 * Whether a Redis suite can run here. On a developer machine a missing Redis skips the suite with
 * a loud warning; under `CI=true` it throws, so CI can never pass by skipping.
 */

/** The Redis the single-node suites use. */
export const testRedisUrl = process.env.WEFT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379";

/** Throws under CI; warns and answers false elsewhere. */
function skipOrFail(suite: string, problem: string): false {
  const message = `[${suite}] ${problem}`;
  if (process.env.CI === "true") throw new Error(`${message} (CI=true: Redis suites must run, not skip)`);
  console.warn(`${message}: SKIPPING this suite. Start Redis or set WEFT_TEST_REDIS_URL to run it.`);
  return false;
}

/** True when `url` answers PING within a second. */
export async function redisReachable(suite: string, url: string = testRedisUrl): Promise<boolean> {
  const probe = new Redis(url, { lazyConnect: true, connectTimeout: 1_000, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  let lastError = "";
  probe.on("error", (e: Error) => {
    lastError = e.message;
  });
  try {
    await probe.connect();
    await probe.ping();
    return true;
  } catch (e) {
    return skipOrFail(suite, `cannot reach Redis at ${url}: ${lastError || (e as Error).message}`);
  } finally {
    probe.disconnect();
  }
}

/** True when `redis-server` and `redis-cli` are on the PATH (the cluster suite starts its own nodes). */
export function redisBinariesPresent(suite: string): boolean {
  for (const bin of ["redis-server", "redis-cli"]) {
    try {
      execFileSync(bin, ["--version"], { stdio: "ignore" });
    } catch {
      return skipOrFail(suite, `${bin} is not installed`);
    }
  }
  return true;
}
