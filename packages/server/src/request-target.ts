/** A request's path and query, or why they cannot be read (answered 400). */
export type RequestTarget = { pathname: string; query: URLSearchParams } | { error: string };

/**
 * Read a request target (`req.url`) without ever throwing. Origin-form (`/v1/runs?x=1`, also
 * `//a:99999/`) is resolved against a fixed origin, so its path can never become a host;
 * absolute-form (`http://host/path`, which proxies send) keeps only its path and query. The path
 * is normalised as URLs are (dot segments, `\`), then empty segments are dropped, so the API-token
 * check and the router see the same path (`/v1//runs` is `/v1/runs` for both). Query values must
 * not hold NUL characters: no store key holds one, and Postgres refuses them in text.
 */
export function parseRequestTarget(raw: string): RequestTarget {
  let url: URL;
  try {
    url = raw.startsWith("/") ? new URL(`http://localhost${raw}`) : new URL(raw);
  } catch {
    return { error: `the request target is not a valid URL or path: ${JSON.stringify(raw.slice(0, 200))}` };
  }
  const pathname = `/${url.pathname.split("/").filter(Boolean).join("/")}`;
  for (const [key, value] of url.searchParams) {
    if (key.includes("\0") || value.includes("\0")) return { error: `query parameter ${JSON.stringify(key)} contains a NUL character` };
  }
  return { pathname, query: url.searchParams };
}
