import type { ServerHttp2Stream } from "node:http2";
import type { StateStores } from "@weft/store";
import type { CallStats } from "./call-stats.js";
import type { ConcurrencyLimiter } from "./concurrency-limiter.js";
import type { LeaseCoalescer } from "./lease-coalescer.js";
import type { WakeupHub } from "./wakeup-hub.js";
import { argsProblem } from "./call-args.js";
import { decodeArgs, encodeResult, remoteMethods, storeNames } from "./wire.js";
import type { CallReply, StoreName } from "./wire.js";
import { statusOf, toWireError } from "./wire-errors.js";
import type { WireError } from "./wire-errors.js";

/** What a coordinator's calls share. */
export interface CallContext {
  stores: StateStores;
  limiter: ConcurrencyLimiter;
  hub: WakeupHub;
  /** Present when the hosted queue's `lease` calls may share backend calls. */
  leases: LeaseCoalescer | undefined;
  maxBodyBytes: number;
  stats: CallStats;
}

type StoreMethod = (...args: unknown[]) => Promise<unknown>;

function isStoreName(name: string | undefined): name is StoreName {
  return storeNames.includes(name as StoreName);
}

/**
 * One `POST /call/<store>/<method>`: read the JSON argument array, check it against the method's
 * parameters (`call-args.ts`: a misfit is a 400 naming the argument), run the method on the backing
 * store under the concurrency limit (and the wakeup scope of the calling client), answer the
 * result or the error's wire form. `route` is the path after `/call/`.
 */
export async function handleCall(ctx: CallContext, stream: ServerHttp2Stream, route: string, clientId: string): Promise<void> {
  const [store, method, ...rest] = route.split("/");
  if (!isStoreName(store) || method === undefined || !remoteMethods[store].has(method) || rest.length > 0) {
    // Checked against the list, never looked up on the object: `constructor`, `init` or `close`
    // are not callable from the wire.
    respondError(stream, { code: "INVALID_INPUT", message: `no such store method: ${route}` }, 404);
    return;
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(await readBody(stream, ctx.maxBodyBytes));
  } catch (e) {
    respondError(stream, { code: "INVALID_INPUT", message: `${store}.${method}: unreadable arguments: ${(e as Error).message}` });
    return;
  }
  if (!Array.isArray(parsed)) {
    respondError(stream, { code: "INVALID_INPUT", message: `${store}.${method}: the body must be a JSON array of arguments` });
    return;
  }
  const args = decodeArgs(parsed);
  const target = ctx.stores[store];
  if (target === undefined) {
    respondError(stream, { code: "INVALID_INPUT", message: `this coordinator hosts no ${store} store (its backend has none)` }, 404);
    return;
  }
  // Before any store sees them: a backend handed a number for a string throws a TypeError (a 500,
  // the client's fault reported as ours) or stores half a record.
  const wrong = argsProblem(store, method, args);
  if (wrong !== undefined) {
    respondError(stream, { code: "INVALID_INPUT", message: `${store}.${method}: ${wrong}` });
    return;
  }
  const fn = (target as unknown as Record<string, StoreMethod>)[method] as StoreMethod;
  const name = `${store}.${method}`;
  const queuedAt = performance.now();
  let startedAt = queuedAt;
  try {
    let reply: CallReply;
    if (store === "queue" && method === "lease" && ctx.leases !== undefined) {
      // A lease causes no wakeups, so it needs no client scope.
      const outcome = await ctx.leases.lease(args[0]);
      startedAt = outcome.startedAt;
      reply = { result: outcome.value };
    } else {
      const { value, wakeups } = await ctx.limiter.run(() => {
        startedAt = performance.now();
        return ctx.hub.run(clientId, () => Reflect.apply(fn, target, args) as Promise<unknown>);
      });
      reply = { result: encodeResult(store, method, value) };
      if (wakeups.length > 0) reply.wakeups = wakeups;
    }
    ctx.stats.record(name, startedAt - queuedAt, performance.now() - startedAt, false);
    respond(stream, 200, reply);
  } catch (e) {
    ctx.stats.record(name, startedAt - queuedAt, performance.now() - startedAt, true);
    respondError(stream, toWireError(e));
  }
}

/** The request body as text; rejects past `limit` bytes or when the client goes away. */
function readBody(stream: ServerHttp2Stream, limit: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    stream.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size > limit) {
        reject(new Error(`body over ${limit} bytes`));
        stream.pause();
        return;
      }
      chunks.push(chunk);
    });
    stream.on("end", () => resolve(Buffer.concat(chunks).toString("utf8")));
    stream.on("aborted", () => reject(new Error("the client went away")));
    stream.on("error", reject);
  });
}

export function respond(stream: ServerHttp2Stream, status: number, body: unknown, headers: Record<string, string> = {}): void {
  // The client may be gone (reset, session destroyed by close()); there is nobody to answer then.
  if (stream.destroyed || stream.closed || stream.headersSent) return;
  try {
    stream.respond({ ":status": status, "content-type": "application/json", ...headers });
    stream.end(JSON.stringify(body));
  } catch {
    // The session died between the check and the write: same as above.
  }
}

export function respondError(stream: ServerHttp2Stream, error: WireError, status: number = statusOf(error), headers: Record<string, string> = {}): void {
  respond(stream, status, error, headers);
}
