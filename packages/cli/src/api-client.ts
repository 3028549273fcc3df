import { request } from "undici";

/** A failure talking to the server, already phrased for the terminal. */
export class ApiError extends Error {}

/** Calls the Weft REST API; every failure becomes one readable line. */
export async function api<T>(baseUrl: string, method: string, path: string, body?: unknown): Promise<T> {
  let res: Awaited<ReturnType<typeof request>>;
  try {
    res = await request(new URL(path, baseUrl), {
      method: method as "GET",
      headers: body === undefined ? {} : { "content-type": "application/json" },
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
  if (res.statusCode >= 400) {
    const error = (json as { error?: unknown }).error;
    throw new ApiError(typeof error === "string" ? error : `${method} ${path} answered ${res.statusCode}`);
  }
  return json as T;
}
