import { headers } from "@weft/core";
import type { Engine } from "@weft/engine";

function json(status: number, body: unknown): Response {
  return new Response(JSON.stringify(body), { status, headers: { "content-type": "application/json" } });
}

/**
 * The SDK's calls to "the server" (event sends, v4 checkpoints), answered by the engine in this
 * process: a `fetch` with the server's routes and replies, so the SDK needs no special case.
 */
export function inProcessFetch(engine: Engine): typeof fetch {
  return async (input, init) => {
    const url = new URL(input instanceof Request ? input.url : String(input));
    const body = typeof init?.body === "string" ? init.body : input instanceof Request ? await input.text() : "";
    if ((init?.method ?? "GET").toUpperCase() !== "POST") return json(405, { error: "embedded engine: only POST" });
    if (/^\/e\/[^/]+$/.test(url.pathname)) {
      try {
        const seed = new Headers(init?.headers).get(headers.eventIdSeed) ?? undefined;
        return json(200, { ids: await engine.send(JSON.parse(body), { seed }), status: 200 });
      } catch (e) {
        return json(400, { ids: [], status: 400, error: (e as Error).message });
      }
    }
    const checkpoint = /^\/v1\/checkpoint\/([^/]+)\/async$/.exec(url.pathname);
    if (checkpoint) {
      const { steps, attempt } = JSON.parse(body) as { steps?: []; attempt?: number };
      const result = await engine.checkpoint(decodeURIComponent(checkpoint[1] ?? ""), steps ?? [], Number.isInteger(attempt) ? attempt : undefined);
      return json(result === "saved" ? 200 : result === "run-ended" ? 409 : 404, { result });
    }
    return json(404, { error: `embedded engine: no route ${url.pathname}` });
  };
}
