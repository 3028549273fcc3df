import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { api, type TestWeft } from "./harness.js";

/**
 * How the app answers one call: `attempt` counts this function's calls from 0. Return "ok" to
 * answer like an SDK whose function returned `{ attempt }`, or misbehave on `res` yourself.
 */
// biome-ignore lint/suspicious/noConfusingVoidType: behaviours that misbehave on `res` return nothing; with `undefined` instead, a block body without `return` would not type-check
export type Behaviour = (attempt: number, req: IncomingMessage, res: ServerResponse) => "ok" | void;

export interface FaultyApp {
  url: string;
  /** Calls received per function id. */
  calls: Map<string, number>;
  close(): Promise<void>;
}

/** Answer as an SDK does: 200 with the SDK header and the function's return value. */
export function answerOk(res: ServerResponse, value: unknown): void {
  const body = JSON.stringify(value);
  res.writeHead(200, { "content-type": "application/json", "x-inngest-sdk": "js:v3.0.0", "content-length": Buffer.byteLength(body) });
  res.end(body);
}

/**
 * An app speaking just enough of the wire protocol to be called, whose every function misbehaves
 * in its own way. Functions are registered with `POST /fn/register` (function `<id>` on event
 * `fault/<id>`, `retries` retries), so no SDK stands between the engine and the fault.
 */
export async function startFaultyApp(weft: TestWeft, behaviours: Record<string, Behaviour>, retries = 3): Promise<FaultyApp> {
  const calls = new Map<string, number>();
  const http: Server = createServer((req, res) => {
    const fnId = new URL(req.url ?? "/", "http://x").searchParams.get("fnId") ?? "";
    const attempt = calls.get(fnId) ?? 0;
    calls.set(fnId, attempt + 1);
    // Drain the request first, so a misbehaviour is the answer's and never the request's.
    req.resume();
    req.on("end", () => {
      const behaviour = behaviours[fnId];
      if (!behaviour) {
        res.writeHead(404).end();
        return;
      }
      if (behaviour(attempt, req, res) === "ok") answerOk(res, { attempt });
    });
  });
  await new Promise<void>((resolve) => http.listen(0, "127.0.0.1", resolve));
  const url = `http://127.0.0.1:${(http.address() as AddressInfo).port}/api/inngest`;
  const functions = Object.keys(behaviours).map((id) => ({
    id,
    name: id,
    triggers: [{ event: `fault/${id}` }],
    steps: { step: { id: "step", name: "step", runtime: { type: "http", url }, retries: { attempts: retries } } },
  }));
  await api(weft.url, "POST", "/fn/register", { appName: "faulty-app", url, sdk: "test", functions });
  return {
    url,
    calls,
    close: () =>
      new Promise<void>((resolve) => {
        http.closeAllConnections();
        http.close(() => resolve());
      }),
  };
}
