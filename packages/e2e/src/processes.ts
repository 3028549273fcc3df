import { type ChildProcess, spawn } from "node:child_process";
import { existsSync } from "node:fs";
import { createServer as createHttpServer } from "node:http";
import { createServer } from "node:net";
import { serve, Weft } from "@weft/sdk";

/** The built CLI: tests that kill servers run it as a real process (`npm test` builds first). */
export const cliPath = new URL("../../cli/dist/bin.js", import.meta.url).pathname;

export function requireBuiltCli(): void {
  if (!existsSync(cliPath)) throw new Error(`${cliPath} is missing: run \`npm test\` (it builds first) or \`npm run build\``);
}

export async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, "127.0.0.1", () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

const logs = new WeakMap<ChildProcess, { text: string }>();

/** Everything a process started by `startWeftProcess` has printed so far (stdout and stderr). */
export function processLog(child: ChildProcess): string {
  return logs.get(child)?.text ?? "";
}

/** `weft <args>` as a child process, resolved once its log shows `ready` (e.g. the app synced). */
export function startWeftProcess(args: string[], ready = "app sync ok"): Promise<ChildProcess> {
  const child = spawn(process.execPath, [cliPath, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  const captured = { text: "" };
  logs.set(child, captured);
  child.stdout?.on("data", (d) => (captured.text += d));
  child.stderr?.on("data", (d) => (captured.text += d));
  return new Promise((resolve, reject) => {
    const check = setInterval(() => {
      if (!captured.text.includes(ready)) return;
      clearInterval(check);
      child.removeAllListeners("exit");
      resolve(child);
    }, 20);
    child.once("exit", (code) => {
      clearInterval(check);
      reject(new Error(`weft ${args[0]} exited with ${code}: ${captured.text}`));
    });
  });
}

export function kill9(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((resolve) => {
    child.once("exit", () => resolve());
    child.kill("SIGKILL");
  });
}

export interface CountingApp {
  url: string;
  /** Executions per `<k>:<step>`: a step recorded before a kill must never run again. */
  executions: Map<string, number>;
  close(): Promise<void>;
}

/** Every step of `crash-app-durable`, for checking each ran. */
export const countingAppSteps = ["a", "b", "c", "fan-1", "fan-2", "fan-3", "fan-4", "d"];

/**
 * An app whose function `crash-app-durable` (event `crash/start`, `data.k`) runs steps a, b (slow,
 * so kills land mid-step), sleeps 1 s, runs c, fans out to four parallel steps, waits for
 * `crash/go` matching `data.k`, and runs d.
 */
export async function startCountingApp(baseUrl: string): Promise<CountingApp> {
  const executions = new Map<string, number>();
  const ran = (k: unknown, step: string) => executions.set(`${k}:${step}`, (executions.get(`${k}:${step}`) ?? 0) + 1);
  const slow = (ms: number) => new Promise((r) => setTimeout(r, ms));
  const client = new Weft({ id: "crash-app", baseUrl });
  const fn = client.createFunction({ id: "durable" }, { event: "crash/start" }, async ({ event, step }) => {
    const k = event.data.k as number;
    await step.run("a", async () => (ran(k, "a"), await slow(20), k));
    await step.run("b", async () => (ran(k, "b"), await slow(400), k));
    await step.sleep("nap", "1s");
    await step.run("c", async () => (ran(k, "c"), await slow(20), k));
    await Promise.all([1, 2, 3, 4].map((i) => step.run(`fan-${i}`, async () => (ran(k, `fan-${i}`), await slow(50), i))));
    const go = await step.waitForEvent("go", { event: "crash/go", match: "data.k", timeout: "1h" });
    await step.run("d", () => (ran(k, "d"), k));
    return { k, go: go !== null };
  });
  const handler = serve({ client, functions: [fn] });
  const http = createHttpServer((req, res) => void handler(req, res));
  await new Promise<void>((r) => http.listen(0, "127.0.0.1", r));
  return {
    url: `http://127.0.0.1:${(http.address() as { port: number }).port}/api/inngest`,
    executions,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
