import { randomUUID } from "node:crypto";
import { InvalidInputError } from "@weft/core";
import type { RedisConnection } from "./redis-connection.js";

export interface RedisDurabilityOptions {
  /**
   * A Redis without persistence (no append-only file, no RDB save points): `"require"` fails
   * `init()` (`weft start`), `"warn"` logs it (default), `"ignore"` is
   * silent. A Redis whose `CONFIG` is disabled or renamed (managed services) is only ever warned
   * about: it may well persist.
   */
  persistence?: "require" | "warn" | "ignore";
  /**
   * Where the loud lines go. By default `console.warn` (the stores have no logger of their own), and
   * the persistence warning only once per URL in a process, not once per store or test.
   */
  warn?: (line: string) => void;
}

/** URLs warned about in this process: one line per Redis, not one per store or test. */
const warnedUrls = new Set<string>();

/**
 * Redis acknowledges a write once it is in memory. Without persistence, a restart comes back empty:
 * every event acknowledged, job queued and step saved before it is gone, and the engine cannot
 * tell. Two checks make that loud instead of silent:
 *
 * - when the connection opens, the persistence settings (`RedisConnection.persistence`);
 * - an epoch marker: a random id written under `epochKey` at open and remembered. After every
 *   reconnect it is read back; gone (or replaced by another process that noticed first) means
 *   Redis lost its data while we were away, which is logged and the marker written again.
 */
export function watchDurability(conn: RedisConnection, epochKey: string, opts: RedisDurabilityOptions = {}): void {
  const warn = opts.warn ?? ((line: string) => console.warn(line));
  const warnOnce =
    opts.warn ??
    ((line: string) => {
      if (warnedUrls.has(conn.url)) return;
      warnedUrls.add(conn.url);
      console.warn(line);
    });
  let epoch: string | undefined;

  /** Write a marker unless one is there, and remember whichever is. */
  const claimEpoch = async (): Promise<string | undefined> => {
    await conn.command("SET", [epochKey, randomUUID(), "NX"]);
    const current = await conn.command("GET", [epochKey]);
    return typeof current === "string" ? current : undefined;
  };

  conn.onConnect(async (reconnect) => {
    if (!reconnect) {
      await checkPersistence(conn, opts.persistence ?? "warn", warnOnce);
      epoch = await claimEpoch();
      return;
    }
    try {
      const found = await conn.command("GET", [epochKey]);
      if (found === epoch) return;
      warn(
        `WARNING: Redis at ${conn.url} restarted empty (its marker ${epochKey} is ${found === null ? "gone" : "new"}): ` +
          "queued work and run state written before may be lost. Give Redis persistence (appendonly yes) to keep them across restarts.",
      );
      epoch = await claimEpoch();
    } catch (e) {
      warn(`Redis at ${conn.url}: could not check after a reconnect whether it kept its data: ${(e as Error).message}`);
    }
  });
}

async function checkPersistence(conn: RedisConnection, mode: "require" | "warn" | "ignore", warn: (line: string) => void): Promise<void> {
  if (mode === "ignore") return;
  const found = await conn.persistence();
  if (found.known && found.persistent) return;
  if (!found.known) {
    warn(
      `WARNING: could not check whether Redis at ${conn.url} persists its data (CONFIG GET failed: ${found.reason}). Without appendonly or RDB snapshots, a restart loses acknowledged events and run state.`,
    );
    return;
  }
  const problem = `Redis at ${conn.url} has no persistence (${found.detail}): if it restarts, every acknowledged event, queued job and run state it holds is lost`;
  if (mode === "require") {
    throw new InvalidInputError(`${problem}. Turn on appendonly (or RDB save points), or accept the risk explicitly (weft start --redis-no-persistence-ok)`);
  }
  warn(`WARNING: ${problem}. Turn on appendonly yes for anything but development.`);
}
