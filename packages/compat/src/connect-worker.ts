import { type ChildProcess, spawn } from "node:child_process";
import { fileURLToPath } from "node:url";

/** The official-SDK `connect()` worker script the Connect tests run as real processes. */
export const connectWorkerScript = fileURLToPath(new URL("../fixtures/connect-worker.mjs", import.meta.url));

export interface ConnectWorkerOptions {
  weftUrl: string;
  name: string;
  appId?: string;
  signingKey?: string;
  maxConcurrency?: number;
  /** How long the `slow` function's step runs in this worker. */
  hangMs?: number;
}

export interface ConnectWorkerProcess {
  child: ChildProcess;
  name: string;
  /** Everything it printed so far. */
  log(): string;
  /** Resolves once its log contains `text`. */
  waitForLog(text: string, timeoutMs?: number): Promise<void>;
  kill(signal?: NodeJS.Signals): Promise<void>;
}

/** Start a worker process and resolve once its first connection is ready (the SDK's `connect()` returned). */
export async function startConnectWorker(opts: ConnectWorkerOptions): Promise<ConnectWorkerProcess> {
  const env: NodeJS.ProcessEnv = { ...process.env, WEFT_URL: opts.weftUrl, WORKER_NAME: opts.name, APP_ID: opts.appId ?? "connect-app" };
  if (opts.signingKey) env.SIGNING_KEY = opts.signingKey;
  else delete env.SIGNING_KEY;
  if (opts.maxConcurrency !== undefined) env.MAX_CONCURRENCY = String(opts.maxConcurrency);
  if (opts.hangMs !== undefined) env.HANG_MS = String(opts.hangMs);
  for (const key of Object.keys(env)) if (key.startsWith("INNGEST_")) delete env[key];
  // Node 20 has no global WebSocket unless asked; the SDK uses the global one.
  const child = spawn(process.execPath, ["--experimental-websocket", "--no-warnings", connectWorkerScript], { env, stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout?.on("data", (d) => (text += d));
  child.stderr?.on("data", (d) => (text += d));
  const worker: ConnectWorkerProcess = {
    child,
    name: opts.name,
    log: () => text,
    waitForLog: (wanted, timeoutMs = 15_000) =>
      new Promise((resolve, reject) => {
        const deadline = Date.now() + timeoutMs;
        const check = setInterval(() => {
          if (text.includes(wanted)) {
            clearInterval(check);
            resolve();
          } else if (child.exitCode !== null || Date.now() > deadline) {
            clearInterval(check);
            reject(new Error(`worker ${opts.name} never printed ${JSON.stringify(wanted)} (exit ${child.exitCode}): ${text}`));
          }
        }, 20);
      }),
    kill: (signal = "SIGKILL") => {
      if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
      return new Promise((resolve) => {
        child.once("exit", () => resolve());
        child.kill(signal);
      });
    },
  };
  await worker.waitForLog(`CONNECTED ${opts.name}`);
  return worker;
}
