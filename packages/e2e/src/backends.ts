import { createConnection } from "node:net";

const defaults = {
  postgres: process.env.WEFT_TEST_POSTGRES_URL ?? "postgres://postgres@127.0.0.1:5432/test",
  redis: process.env.WEFT_TEST_REDIS_URL ?? "redis://127.0.0.1:6379",
};

function reachable(url: string): Promise<boolean> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve) => {
    const socket = createConnection({ host: hostname, port: Number(port), timeout: 1000 });
    socket.once("connect", () => (socket.destroy(), resolve(true)));
    socket.once("error", () => resolve(false));
    socket.once("timeout", () => (socket.destroy(), resolve(false)));
  });
}

/**
 * The URL of a test backend, or undefined (with a loud warning) when it cannot be reached on a
 * developer's machine. Under `CI=true` an unreachable backend fails the run instead.
 */
export async function testBackend(kind: keyof typeof defaults): Promise<string | undefined> {
  const url = defaults[kind];
  if (await reachable(url)) return url;
  const message = `${kind} is not reachable at ${url} (set WEFT_TEST_${kind.toUpperCase()}_URL)`;
  if (process.env.CI === "true") throw new Error(`${message}: CI needs it`);
  console.warn(`SKIPPING ${kind} tests: ${message}`);
  return undefined;
}

/** Leave the shared servers as we found them: drop test schemas and keys under test prefixes. */
export async function dropTestData(opts: { postgres?: string; schemas?: string[]; redis?: string; prefixes?: string[] }): Promise<void> {
  if (opts.postgres && opts.schemas?.length) {
    const { default: pg } = await import("pg");
    const client = new pg.Client({ connectionString: opts.postgres });
    await client.connect();
    for (const schema of opts.schemas) await client.query(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
    await client.end();
  }
  if (opts.redis && opts.prefixes?.length) {
    const { Redis } = await import("ioredis");
    const client = new Redis(opts.redis);
    for (const prefix of opts.prefixes) {
      const keys = await client.keys(`${prefix}*`);
      if (keys.length > 0) await client.del(...keys);
    }
    client.disconnect();
  }
}
