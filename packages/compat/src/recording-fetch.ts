import type { ApiCall } from "./sdk-under-test.js";

/**
 * A `fetch` for the SDK's client option that records every call the SDK makes to the server.
 * It is how the suite sees the SDK's side of the protocol (register, send, checkpoint) without
 * a proxy between app and server.
 */
export function recordingFetch(calls: ApiCall[]): typeof fetch {
  return async (input, init) => {
    const request = new Request(input, init);
    const body = request.body === null ? "" : await request.clone().text();
    calls.push({ method: request.method, url: new URL(request.url), headers: headersOf(request.headers), body });
    return fetch(request);
  };
}

/** The SDK's logger: silent unless `COMPAT_SDK_LOG=1`, so expected failures don't flood the output. */
export function sdkLogger(): {
  info(...args: unknown[]): void;
  warn(...args: unknown[]): void;
  error(...args: unknown[]): void;
  debug(...args: unknown[]): void;
} {
  if (process.env.COMPAT_SDK_LOG) return console;
  const quiet = () => {};
  return { info: quiet, warn: quiet, error: quiet, debug: quiet };
}

/** A Headers object as a plain record with lower-case names. */
export function headersOf(headers: Headers): Record<string, string> {
  const out: Record<string, string> = {};
  headers.forEach((value, name) => {
    out[name] = value;
  });
  return out;
}
