import { StoreUnavailableError, isWeftError } from "@weft/core";

/** Node socket errors that mean the server could not be reached or the connection broke. */
const socketCodes = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "ENOTFOUND",
  "ETIMEDOUT",
  "EHOSTUNREACH",
  "ENETUNREACH",
  "EAI_AGAIN",
  "EPIPE",
  "ENOENT", // a Unix socket path that does not exist
]);

/**
 * SQLSTATE classes that mean "the database is not usable right now" rather than "this statement is
 * wrong": connection exception (08), invalid authorization (28), unknown database (3D000),
 * insufficient resources such as too many connections (53), and shutdown or recovery (57P).
 */
const unavailableSqlState = /^(08|28|3D|53|57P)/;

/** pg's own wording for a pool or socket that failed or was closed under a query. */
const unavailableMessage =
  /Connection terminated|timeout exceeded when trying to connect|connection timeout|Client has encountered a connection error|Cannot use a pool after calling end|Client was closed|not queryable/i;

/** True when `e` says the database cannot be reached or used, as opposed to a rejected statement. */
export function isConnectionFailure(e: unknown): boolean {
  if (isWeftError(e, StoreUnavailableError)) return true;
  if (e instanceof AggregateError) return e.errors.some(isConnectionFailure);
  if (typeof e !== "object" || e === null) return false;
  const { code, message } = e as { code?: unknown; message?: unknown };
  if (typeof code === "string" && (socketCodes.has(code) || (code.length === 5 && unavailableSqlState.test(code)))) return true;
  return typeof message === "string" && unavailableMessage.test(message);
}

/** Deadlocks and serialization failures: the transaction was rolled back whole and may run again. */
export function isRetryableConflict(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === "40P01" || code === "40001";
}

/**
 * `host:port/database` for messages: names where the store points without the user's password.
 * Falls back to libpq's environment variables and defaults, as pg does.
 */
export function describeTarget(url: string): string {
  try {
    const parsed = new URL(url);
    const host = decodeURIComponent(parsed.hostname) || parsed.searchParams.get("host") || process.env.PGHOST || "localhost";
    const port = parsed.port || parsed.searchParams.get("port") || process.env.PGPORT || "5432";
    const database = decodeURIComponent(parsed.pathname.replace(/^\//, "")) || process.env.PGDATABASE || decodeURIComponent(parsed.username) || "postgres";
    return `${host}:${port}/${database}`;
  } catch {
    return "postgres (unparsable connection URL)";
  }
}

/**
 * Removes the URL's password from a message, in case a driver or server message ever echoes the
 * connection string. Very short passwords are left alone: replacing one or two characters
 * everywhere would garble the message more than it protects.
 */
export function redactPassword(url: string, message: string): string {
  let password = "";
  try {
    password = decodeURIComponent(new URL(url).password);
  } catch {
    return message;
  }
  return password.length >= 4 ? message.split(password).join("***") : message;
}

/** The most useful one-line reason in a driver error (Node's AggregateError has an empty message). */
export function reasonOf(e: unknown): string {
  if (e instanceof AggregateError && e.errors.length > 0) {
    return [...new Set(e.errors.map(reasonOf))].join("; ");
  }
  if (typeof e === "object" && e !== null) {
    const { message, code } = e as { message?: unknown; code?: unknown };
    if (typeof message === "string" && message !== "") return message;
    if (typeof code === "string") return code;
  }
  return String(e);
}

/**
 * A `StoreUnavailableError` naming the target (never the password) when `e` is a connection
 * failure; `e` unchanged otherwise.
 */
export function translateError(e: unknown, url: string, target: string): unknown {
  if (isWeftError(e, StoreUnavailableError) || !isConnectionFailure(e)) return e;
  const reason = redactPassword(url, reasonOf(e));
  return new StoreUnavailableError(`postgres at ${target} is unavailable: ${reason}`, { cause: e });
}
