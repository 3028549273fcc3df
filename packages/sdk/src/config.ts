import { defaultBaseUrl, defaultParallelSteps, dummyEventKey } from "./constants.js";
import type { EventSchemas } from "./event-schemas.js";
import type { Logger } from "./types.js";

export interface WeftOptions<S = Record<never, never>> {
  /** The app id; function ids on the wire are `<id>-<fnId>`. */
  id: string;
  schemas?: EventSchemas<S>;
  /** API and event base URL. Default: `WEFT_BASE_URL` › `INNGEST_BASE_URL` › `http://localhost:8288`. */
  baseUrl?: string;
  /** Default: `WEFT_EVENT_KEY` › `INNGEST_EVENT_KEY` › `NO_EVENT_KEY_SET`. */
  eventKey?: string;
  /** Default: `WEFT_SIGNING_KEY` › `INNGEST_SIGNING_KEY`. Requests are verified outside dev mode. */
  signingKey?: string;
  /** Force dev mode on or off; otherwise `WEFT_DEV` / `INNGEST_DEV`, else dev unless a signing key is set. */
  isDev?: boolean;
  logger?: Logger;
  /** The fetch used for calls to the server (`send`, sync, checkpoints); undici with keep-alive by default. */
  fetch?: typeof fetch;
  /**
   * Run sequential steps within one call and save each result on the server before the next
   * (protocol §11), when the server offers it. Default true; false: one call per step.
   */
  checkpointing?: boolean;
  /**
   * When a call finds several new parallel steps (`Promise.all` of `step.run`s) and the server
   * allows it (Weft does; the Inngest server does not), run up to this many of them at once in this
   * call and answer their results together: one request instead of one per step. A group larger
   * than this runs in several calls. Default 50; 0 or 1 (or false): one call per step.
   */
  parallelSteps?: number | false;
}

/** A client's resolved settings, shared by its functions, `send` and the serve handlers. */
export interface ClientConfig {
  readonly appId: string;
  readonly baseUrl: string;
  readonly eventKey: string;
  readonly signingKey: string | undefined;
  readonly mode: "dev" | "cloud";
  readonly allowInBandSync: boolean;
  readonly logger: Logger;
  /** Undefined: the SDK's own keep-alive client (see `postToServer`). */
  readonly fetch: typeof fetch | undefined;
  readonly checkpointing: boolean;
  /** Parallel steps one call may run at once (`WeftOptions.parallelSteps`); under 2: none. */
  readonly parallelSteps: number;
  /** Set by `routeClient`: the server is an engine in this process. */
  readonly route?: ServerRoute;
}

/** A POST to "the server" answered without a network: an embedded engine's routes. */
export type ServerRoute = (url: URL, headers: Record<string, string>, body: string) => Promise<{ status: number; text: string }>;

type Env = Readonly<Record<string, string | undefined>>;

/** `"1"`/`"true"` → true, `"0"`/`"false"` → false, a URL → true (dev server address), else undefined. */
function parseFlag(value: string | undefined): boolean | undefined {
  const v = value?.trim().toLowerCase();
  if (!v) return undefined;
  if (v === "1" || v === "true") return true;
  if (v === "0" || v === "false") return false;
  return /^https?:\/\//.test(v) ? true : undefined;
}

function firstSet(...values: (string | undefined)[]): string | undefined {
  return values.find((v) => v !== undefined && v !== "");
}

/**
 * @internal Embedded mode: route this client's calls to the server (event sends, checkpoints) to
 * an engine in the same process instead of the network: plain function calls, no HTTP objects.
 * Functions read the client's config at call time, so they follow too.
 */
export function routeClient(config: ClientConfig, route: ServerRoute): void {
  (config as { route?: ServerRoute }).route = route;
}

function parallelStepsOf(value: number | false | undefined): number {
  if (value === false) return 0;
  return typeof value === "number" && !Number.isNaN(value) ? Math.max(0, Math.floor(value)) : defaultParallelSteps;
}

export function resolveConfig(options: WeftOptions<unknown>, env: Env = process.env): ClientConfig {
  if (!options.id) throw new Error("Weft: an app `id` is required");
  const signingKey = firstSet(options.signingKey, env.WEFT_SIGNING_KEY, env.INNGEST_SIGNING_KEY);
  const devFlag = options.isDev ?? parseFlag(firstSet(env.WEFT_DEV, env.INNGEST_DEV));
  return {
    appId: options.id,
    baseUrl: firstSet(options.baseUrl, env.WEFT_BASE_URL, env.INNGEST_BASE_URL) ?? defaultBaseUrl,
    eventKey: firstSet(options.eventKey, env.WEFT_EVENT_KEY, env.INNGEST_EVENT_KEY) ?? dummyEventKey,
    signingKey,
    mode: (devFlag ?? signingKey === undefined) ? "dev" : "cloud",
    allowInBandSync: parseFlag(firstSet(env.WEFT_ALLOW_IN_BAND_SYNC, env.INNGEST_ALLOW_IN_BAND_SYNC)) !== false,
    logger: options.logger ?? console,
    fetch: options.fetch,
    checkpointing: options.checkpointing !== false,
    parallelSteps: parallelStepsOf(options.parallelSteps),
  };
}
