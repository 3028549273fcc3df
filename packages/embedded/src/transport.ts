import { headers } from "@weft/core";
import type { Engine } from "@weft/engine";
import type { ServerRoute } from "@weft/sdk";

const reply = (status: number, body: unknown) => ({ status, text: JSON.stringify(body) });

/**
 * The SDK's calls to "the server" (event sends, checkpoints), answered by the engine in this
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
