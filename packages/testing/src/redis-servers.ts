import { execFile, spawn } from "node:child_process";
import type { ChildProcess } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { Redis } from "ioredis";

const run = promisify(execFile);

/** A throwaway Redis (one node or a 3-master cluster) on loopback, started by a test and stopped after it. */
export interface TestRedis {
  /** `redis://127.0.0.1:P`, or `redis-cluster://127.0.0.1:P1,127.0.0.1:P2,127.0.0.1:P3` */
  url: string;
  ports: number[];
  /** Kill the servers (SIGKILL: nothing is persisted) and remove their temp dir. */
  stop(): Promise<void>;
}

/** True when nothing listens on `port` of 127.0.0.1 (checked by listening on it for a moment). */
function portFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, "127.0.0.1", () => server.close(() => resolve(true)));
  });
}

/** `count` ports P in 30000–39999 with P and its cluster bus port P+10000 free. */
export async function freePorts(count: number): Promise<number[]> {
  const ports: number[] = [];
  while (ports.length < count) {
    const port = 30_000 + Math.floor(Math.random() * 10_000);
    if (ports.some((p) => Math.abs(p - port) < 2)) continue;
    if ((await portFree(port)) && (await portFree(port + 10_000))) ports.push(port);
  }
  return ports;
}

async function onNode<T>(port: number, f: (node: Redis) => Promise<T>): Promise<T> {
  const node = new Redis({ port, host: "127.0.0.1", lazyConnect: true, retryStrategy: () => null, maxRetriesPerRequest: 0 });
  node.on("error", () => {});
  try {
    await node.connect();
    return await f(node);
  } finally {
    node.disconnect();
  }
}

/** Poll every 50 ms; a server that exited (its port was taken after probing) ends the wait at once. */
async function waitFor(what: string, children: ChildProcess[], timeoutMs: number, check: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (children.some((c) => c.exitCode !== null)) throw new Error(`a redis-server exited while waiting for ${what}`);
    if (await check().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

function stopProcess(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

/**
 * Start `count` `redis-server`s without persistence in a temp dir and wait until each answers PING;
 * then `setup` (e.g. joining them into a cluster). A port taken between probing and binding makes a
 * server exit; then everything is stopped and started again on new ports.
 */
async function startServers(count: number, clusterEnabled: boolean, setup: (ports: number[], children: ChildProcess[]) => Promise<string>): Promise<TestRedis> {
  let lastError: unknown;
  for (let attempt = 0; attempt < 3; attempt++) {
    const dir = mkdtempSync(join(tmpdir(), "weft-redis-"));
    const children: ChildProcess[] = [];
    const stop = async () => {
      await Promise.all(children.map(stopProcess));
      rmSync(dir, { recursive: true, force: true });
    };
    try {
      const ports = await freePorts(count);
      for (const port of ports) {
        const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "no"];
        args.push("--daemonize", "no", "--loglevel", "warning");
        if (clusterEnabled) args.push("--cluster-enabled", "yes", "--cluster-config-file", join(dir, `nodes-${port}.conf`));
        const child = spawn("redis-server", args, { stdio: "ignore" });
        child.on("error", () => {});
        children.push(child);
      }
      for (const port of ports) {
        await waitFor(`redis-server on port ${port}`, children, 5_000, async () => (await onNode(port, (n) => n.ping())) === "PONG");
      }
      return { url: await setup(ports, children), ports, stop };
    } catch (e) {
      lastError = e;
      await stop();
    }
  }
  throw new Error(`could not start redis-server: ${String(lastError)}`, { cause: lastError });
}

/** One plain `redis-server` of the test's own (to kill, for instance). */
export function startRedisNode(): Promise<TestRedis> {
  return startServers(1, false, async ([port]) => `redis://127.0.0.1:${port}`);
}

/**
 * Three cluster-enabled `redis-server`s joined with `redis-cli --cluster create` (no replicas),
 * ready once every node reports `cluster_state:ok`.
 */
export function startRedisCluster(): Promise<TestRedis> {
  return startServers(3, true, async (ports, children) => {
    const nodes = ports.map((p) => `127.0.0.1:${p}`);
    await run("redis-cli", ["--cluster", "create", ...nodes, "--cluster-replicas", "0", "--cluster-yes"], { timeout: 15_000 });
    for (const port of ports) {
      await waitFor(`cluster_state:ok on port ${port}`, children, 10_000, async () =>
        (await onNode(port, (n) => n.cluster("INFO"))).includes("cluster_state:ok"),
      );
    }
    return `redis-cluster://${nodes.join(",")}`;
  });
}

/** A `redis-server` that keeps its data across a kill (append-only file, fsync on every write). */
export interface RestartableRedis extends TestRedis {
  /** SIGKILL the server: connections drop and calls fail until `restart`. */
  kill(): Promise<void>;
  /** Start it again on the same port and data, and wait until it answers PING. */
  restart(): Promise<void>;
}

/** One persistent `redis-server` of the test's own, to kill and restart under a running engine. */
export async function startRestartableRedis(): Promise<RestartableRedis> {
  const dir = mkdtempSync(join(tmpdir(), "weft-redis-aof-"));
  const [port] = (await freePorts(1)) as [number];
  const args = ["--port", String(port), "--bind", "127.0.0.1", "--dir", dir, "--save", "", "--appendonly", "yes", "--appendfsync", "always"];
  let child: ChildProcess | undefined;
  const launch = async () => {
    child = spawn("redis-server", [...args, "--daemonize", "no", "--loglevel", "warning"], { stdio: "ignore" });
    child.on("error", () => {});
    await waitFor(`redis-server on port ${port}`, [child], 10_000, async () => (await onNode(port, (n) => n.ping())) === "PONG");
  };
  await launch();
  return {
    url: `redis://127.0.0.1:${port}`,
    ports: [port],
    kill: async () => {
      if (child) await stopProcess(child);
    },
    restart: launch,
    stop: async () => {
      if (child) await stopProcess(child);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
