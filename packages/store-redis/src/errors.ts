import { StoreUnavailableError, WeftError, isWeftError } from "@weft/core";

/**
 * Redis error replies that mean "not now" rather than "never": the server is loading, busy, out of
 * memory, read-only, between failovers, or refuses our credentials. The caller may retry them later.
 */
const transientReplies = /^(LOADING|BUSY|TRYAGAIN|CLUSTERDOWN|MASTERDOWN|READONLY|NOREPLICAS|MISCONF|OOM|NOAUTH|WRONGPASS|NOPERM|ERR max number of clients)/;

/**
 * What a failed Redis call becomes. Weft errors pass through. A broken, closed or timed-out
 * connection (ioredis's plain errors) and transient replies become `StoreUnavailableError` naming
 * the (redacted) URL, so the engine retries the job. Any other error reply (a wrong type, a script
 * error, a cross-slot access) is a bug that retrying cannot fix: it stays a plain `Error`.
 */
export function toStoreError(e: unknown, url: string, what: string): Error {
  if (isWeftError(e, WeftError)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const isReply = e instanceof Error && e.name === "ReplyError";
  if (isReply && !transientReplies.test(message)) {
    return new Error(`Redis at ${url} refused ${what}: ${message}`, { cause: e });
  }
  return new StoreUnavailableError(`Redis at ${url} is unavailable (${what}): ${message}`, { cause: e });
}
