import { headers } from "@weft/core";
import type { Engine } from "@weft/engine";
import type { ServerRoute } from "@weft/sdk";

const reply = (status: number, body: unknown) => ({ status, text: JSON.stringify(body) });

/**
 * The SDK's calls to "the server" (event sends, checkpoints, signals), answered by the engine in this
 * process with the server's routes and replies, as plain function calls: a checkpoint sits on the
 * hot path of every step, and building HTTP objects for it cost more than the engine's own work.
 */
export function inProcessRoute(engine: Engine): ServerRoute {
  return async (url, requestHeaders, body) => {
    if (/^\/e\/[^/]+$/.test(url.pathname)) {
      try {
        return reply(200, { ids: await engine.send(JSON.parse(body), { seed: requestHeaders[headers.eventIdSeed] }), status: 200 });
      } catch (e) {
        return reply(400, { ids: [], status: 400, error: (e as Error).message });
      }
    }
    const checkpoint = /^\/v1\/checkpoint\/([^/]+)\/async$/.exec(url.pathname);
    if (checkpoint) {
      const answer = await engine.answerCheckpoint(decodeURIComponent(checkpoint[1] ?? ""), parseOrUndefined(body));
      return reply(answer.status, answer.body);
    }
    if (url.pathname === "/v1/signals") {
      const parsed = parseOrUndefined(body) as { signal?: unknown; data?: unknown } | undefined;
      if (typeof parsed?.signal !== "string" || parsed.signal === "")
        return reply(400, { error: 'body must be {"signal": "<name>", "data": <any>}', status: 400 });
      const runId = await engine.sendSignal(parsed.signal, parsed.data);
      return runId === undefined
        ? reply(404, { error: `no run is waiting for the signal ${JSON.stringify(parsed.signal)}`, status: 404 })
        : reply(200, { data: { run_id: runId } });
    }
    return reply(404, { error: `embedded engine: no route ${url.pathname}` });
  };
}

function parseOrUndefined(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}
