import { request } from "undici";

/** A failure talking to the server, already phrased for the terminal. */
export class ApiError extends Error {}

/**
 * Calls the Weft REST API; every failure becomes one readable line. A server started with
 * `weft start --api-token` wants that token on every call: it is read from `WEFT_API_TOKEN`
 * (an environment variable, not a flag, so it stays out of shell history and `ps`).
 */
export async function api<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  const token = process.env.WEFT_API_TOKEN;
  const headers: Record<string, string> = {};
  if (body !== undefined) headers["content-type"] = "application/json";
  if (token) headers.authorization = `Bearer ${token}`;
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(new URL(path, baseUrl), {
      method: method as "GET",
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
  } catch (e) {
    throw new ApiError(`cannot reach the Weft server at ${baseUrl} (${(e as Error).message}); is \`weft dev\` running?`);
  }
  const text = await res.body.text();
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(`${method} ${path} answered ${res.statusCode} with a body that is not JSON`);
  }
  if (res.statusCode === 401 && !token) {
    throw new ApiError(`${baseUrl} requires an API token: set WEFT_API_TOKEN to the token given to weft start --api-token`);
  }
  if (res.statusCode >= 400) {
    const error = (json as { error?: unknown }).error;
    throw new ApiError(typeof error === "string" ? error : `${method} ${path} answered ${res.statusCode}`);
  }
  return json as T;
}
