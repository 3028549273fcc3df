import { createRequire } from "node:module";
import { Worker } from "node:worker_threads";

/**
 * Checkpoints a WAL database from a worker thread, on its own connection.
 *
 * SQLite's automatic checkpoint runs inside the COMMIT that crosses the WAL size limit, on the
 * committing connection: with better-sqlite3 that is the event loop, blocked 10–20 ms on the
 * checkpoint's fsyncs every ~1,000 pages (the profile of the throughput bench: 2–3% of commits, 40%
 * of all commit time, and most of the idle event → first step p99). A PASSIVE checkpoint from
 * another connection copies the same pages while the writer goes on (readers and the writer never
 * wait for it), so the engine's connection keeps SQLite's own checkpoint only as a safety net, at
 * a much larger WAL (`safetyNetPages`), for when this thread falls behind.
 */
export class WalCheckpointer {
  private constructor(private readonly worker: Worker) {}

  /** WAL pages after which the writer's connection checkpoints itself (SQLite's default is 1,000). */
  static readonly safetyNetPages = 20_000;

  static start(path: string, intervalMs = 100): WalCheckpointer {
    const driver = createRequire(import.meta.url).resolve("better-sqlite3");
    const worker = new Worker(workerSource, { eval: true, workerData: { driver, path, intervalMs } });
    // Housekeeping: never what keeps a process alive, and a failure only leaves it to the safety net.
    worker.unref();
    worker.on("error", () => {});
    return new WalCheckpointer(worker);
  }

  /** Stop checkpointing; the worker closes its connection and exits. */
  stop(): void {
    this.worker.postMessage("stop");
  }
}

// Plain JavaScript: it runs as is in the worker (tests run the TypeScript sources, so no built file).
const workerSource = `
const { parentPort, workerData } = require("node:worker_threads");
const Database = require(workerData.driver);
let db;
try {
  db = new Database(workerData.path, { fileMustExist: true });
} catch {
  process.exit(0);
}
const timer = setInterval(() => {
  try {
    db.pragma("wal_checkpoint(PASSIVE)");
  } catch {
    // Busy or gone: the next tick tries again, and the writer's own checkpoint is the safety net.
  }
}, workerData.intervalMs);
parentPort.on("message", (m) => {
  if (m !== "stop") return;
  clearInterval(timer);
  try { db.close(); } catch {}
  parentPort.close();
});
`;
