import { resolve } from "node:path";
import { parseDuration } from "@weft/core";
import { limitFlags, resolveLimits, textLogger, UrlPolicy, type Limits, type Logger } from "@weft/engine";
import { closeStores, isLogLevel, isLoopbackHost, jsonLogger, logFormats, openStores, redactUrl, startWeftServer } from "@weft/server";
import { parse, UsageError } from "./args.js";
import { caFlag, certAndKeyFlags } from "./tls-flags.js";

const serverFlags = {
  port: { type: "string" as const, default: "8288" },
  host: { type: "string" as const, default: "127.0.0.1" },
  "data-dir": { type: "string" as const, default: ".weft" },
  db: { type: "string" as const },
  state: { type: "string" as const },
  "state-cache": { type: "string" as const },
  workers: { type: "string" as const },
  "max-app-calls": { type: "string" as const },
  url: { type: "string" as const, short: "u", multiple: true as const, default: [] as string[] },
  "retry-interval": { type: "string" as const },
  lease: { type: "string" as const },
  "signing-key": { type: "string" as const },
  "event-key": { type: "string" as const, multiple: true as const, default: [] as string[] },
  "no-discovery": { type: "boolean" as const, default: false },
  "insecure-dev": { type: "boolean" as const, default: false },
  "api-token": { type: "string" as const },
  "call-timeout": { type: "string" as const },
  "max-request-bytes": { type: "string" as const },
  "allow-app-url": { type: "string" as const, multiple: true as const, default: [] as string[] },
  "allow-fetch-url": { type: "string" as const, multiple: true as const, default: [] as string[] },
  "allow-private-fetch": { type: "boolean" as const, default: false },
  "redis-no-persistence-ok": { type: "boolean" as const, default: false },
  "allowed-host": { type: "string" as const, multiple: true as const, default: [] as string[] },
  "log-format": { type: "string" as const },
  "log-level": { type: "string" as const },
  retention: { type: "string" as const },
  "retention-events": { type: "string" as const },
  "retention-runs": { type: "string" as const },
  "tls-cert": { type: "string" as const },
  "tls-key": { type: "string" as const },
  "app-ca": { type: "string" as const },
  "otel-endpoint": { type: "string" as const },
  "no-metrics": { type: "boolean" as const, default: false },
  ...Object.fromEntries(Object.values(limitFlags).map((flag) => [flag.slice(2), { type: "string" as const }])),
};

/** `weft dev`: open to any event key, looks for apps on the usual local ports. */
export function dev(argv: string[]): Promise<void> {
  return runServer(argv, "dev");
}

/**
 * `weft start`: the production server. It syncs only the apps it is given and refuses to start
 * without a signing key and at least one event key, unless `--insecure-dev` says that is wanted.
 */
export function start(argv: string[]): Promise<void> {
  return runServer(argv, "start");
}

async function runServer(argv: string[], mode: "dev" | "start"): Promise<void> {
  const { values } = parse(argv, serverFlags);
  const port = Number(values.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new UsageError(`--port must be a port number, not "${values.port}"`);
  for (const u of values.url) if (!URL.canParse(u)) throw new UsageError(`-u needs an app URL such as http://localhost:3000/api/inngest, not "${u}"`);
  const signingKey = values["signing-key"] ?? process.env.WEFT_SIGNING_KEY ?? process.env.INNGEST_SIGNING_KEY;
  if (signingKey !== undefined && !/^(signkey-\w+-)?[0-9a-f]+$/i.test(signingKey)) {
    throw new UsageError("--signing-key must be hex, optionally prefixed signkey-<env>- (e.g. signkey-prod-<64 hex digits>)");
  }
  const eventKeys = values["event-key"].length > 0 ? values["event-key"] : ((process.env.WEFT_EVENT_KEY ?? process.env.INNGEST_EVENT_KEY)?.split(",") ?? []);
  const apiToken = values["api-token"] ?? process.env.WEFT_API_TOKEN;
  if (mode === "start" && !values["insecure-dev"] && (!signingKey || eventKeys.length === 0 || !apiToken)) {
    throw new UsageError("weft start needs --signing-key, at least one --event-key and --api-token (or --insecure-dev to run open)");
  }
  // Off loopback, dev mode's openness (any event key, unsigned syncs) reaches the network: it needs
  // every secret production needs, as `weft start` does, or an explicit --insecure-dev.
  if (mode === "dev" && !isLoopbackHost(values.host) && !values["insecure-dev"]) {
    const missing = [!signingKey && "--signing-key", eventKeys.length === 0 && "--event-key", !apiToken && "--api-token"].filter(Boolean);
    if (missing.length > 0) {
      throw new UsageError(
        `weft dev on ${values.host} is reachable from the network: give ${missing.join(", ")} (as weft start needs), bind it to 127.0.0.1, or pass --insecure-dev to run it open`,
      );
    }
  }
  const allowAppUrls = values["allow-app-url"];
  if (allowAppUrls.length > 0) {
    const policy = new UrlPolicy(allowAppUrls, "--allow-app-url");
    for (const u of values.url) {
      const refused = policy.refusal(u);
      if (refused) throw new UsageError(`-u ${u}: ${refused}`);
    }
  }
  const log = loggerFrom(values["log-format"], values["log-level"]);
  // Read before any store opens: a missing or unusable file stops the command with its name.
  const tls = certAndKeyFlags(values["tls-cert"], values["tls-key"]);
  const appCa = caFlag("--app-ca", values["app-ca"]);
  const limits = limitsFrom(values as Record<string, unknown>);
  const dbUrl = values.db ?? `sqlite:${resolve(values["data-dir"], "weft.db")}`;
  const workers = values.workers === undefined ? undefined : Number(values.workers);
  if (workers !== undefined && (!Number.isInteger(workers) || workers < 1))
    throw new UsageError(`--workers must be a positive integer, not "${values.workers}"`);
  const maxAppCalls = values["max-app-calls"] === undefined ? undefined : Number(values["max-app-calls"]);
  if (maxAppCalls !== undefined && (!Number.isInteger(maxAppCalls) || maxAppCalls < 1))
    throw new UsageError(`--max-app-calls must be a positive integer, not "${values["max-app-calls"]}"`);
  const cacheMb = values["state-cache"] === undefined ? undefined : Number(values["state-cache"]);
  if (cacheMb !== undefined && !(cacheMb > 0)) throw new UsageError(`--state-cache takes a size in MB, not "${values["state-cache"]}"`);
  // weft start refuses a Redis that would lose acknowledged work on a restart, unless told it is intended.
  const redisPersistence = mode === "start" && !values["redis-no-persistence-ok"] ? "require" : "warn";
  const retention = retentionFrom(values.retention, values["retention-events"], values["retention-runs"]);
  const stores = await openStores({ db: dbUrl, state: values.state, cacheMb, redisPersistence, finishedRunTtlMs: retention.runsMs });
  const server = await startWeftServer({
    stores,
    log: log.logger,
    port,
    host: values.host,
    appUrls: values.url,
    retryIntervalMs: durationFlag("--retry-interval", values["retry-interval"]),
    leaseMs: durationFlag("--lease", values.lease),
    signingKey,
    eventKeys,
    discovery: mode === "dev" && !values["no-discovery"],
    concurrency: workers,
    maxCallsPerApp: maxAppCalls,
    apiToken,
    cacheStats: stores.cacheStats,
    limits,
    maxBodyBytes: bytesFlag("--max-request-bytes", values["max-request-bytes"]),
    callTimeoutMs: durationFlag("--call-timeout", values["call-timeout"]),
    allowAppUrls,
    allowFetchUrls: values["allow-fetch-url"],
    // Production never fetches private, loopback or link-local addresses for a function unless told to.
    denyPrivateFetch: mode === "start" && !values["allow-private-fetch"],
    allowedHosts: values["allowed-host"],
    retention,
    tls,
    appCa,
    // Traces over OTLP/HTTP: the flag, or the standard OTEL_EXPORTER_OTLP_ENDPOINT; off otherwise.
    otelEndpoint: values["otel-endpoint"],
    metrics: !values["no-metrics"],
  });
  const where = values.state ? `db: ${redactUrl(dbUrl)}, state: ${redactUrl(values.state)}` : `store: ${redactUrl(dbUrl)}`;
  if (log.format === "json") {
    // Every stdout line is JSON in this format, the banner too.
    log.logger.info(`Weft ${mode} server started`, { url: server.url, stores: where, signed: signingKey !== undefined, eventKeyCount: eventKeys.length });
  } else {
    console.log(
      `Weft ${mode} server on ${server.url} (${where}${signingKey ? ", requests signed" : ""}${eventKeys.length ? `, ${eventKeys.length} event key(s)` : ""})`,
    );
    if (mode === "dev") {
      console.log(`  send an event:  npx weft send app/user.created --data '{"user":{"id":"u1"}}'`);
      console.log(`  list runs:      npx weft runs`);
    }
  }
  const shutdown = async () => {
    await server.close();
    await closeStores(stores);
    process.exit(0);
  };
  process.once("SIGINT", () => void shutdown());
  process.once("SIGTERM", () => void shutdown());
}

/** `weft migrate [--db URL] [--state URL]`: bring the stores' schemas up to date, then exit. */
export async function migrate(argv: string[]): Promise<void> {
  const { values } = parse(argv, { db: { type: "string" }, state: { type: "string" }, "data-dir": { type: "string", default: ".weft" } });
  const dbUrl = values.db ?? `sqlite:${resolve(values["data-dir"] ?? ".weft", "weft.db")}`;
  // Opening a store runs its migrations (under a lock, so concurrent starts migrate once).
  await closeStores(await openStores({ db: dbUrl, state: values.state }));
  console.log(`migrated ${redactUrl(dbUrl)}${values.state ? ` and ${redactUrl(values.state)}` : ""}`);
}

/** `--log-format json|text` and `--log-level debug|info|warn|error`, or `WEFT_LOG_FORMAT` / `WEFT_LOG_LEVEL`. */
function loggerFrom(formatFlag: string | undefined, levelFlag: string | undefined): { format: "json" | "text"; logger: Logger } {
  const format = formatFlag ?? process.env.WEFT_LOG_FORMAT ?? "text";
  const level = levelFlag ?? process.env.WEFT_LOG_LEVEL ?? "info";
  if (format !== "json" && format !== "text") throw new UsageError(`--log-format must be one of ${logFormats.join(", ")}, not "${format}"`);
  if (!isLogLevel(level)) throw new UsageError(`--log-level must be one of debug, info, warn, error, not "${level}"`);
  return { format, logger: format === "json" ? jsonLogger({ level }) : textLogger(level) };
}

/**
 * `--retention 30d` keeps events and finished runs 30 days; `--retention-events` and
 * `--retention-runs` set each on its own (default: `--retention`). None of them: keep everything.
 */
function retentionFrom(all: string | undefined, events: string | undefined, runs: string | undefined): { eventsMs?: number; runsMs?: number } {
  const positive = (flag: string, text: string | undefined) => {
    const ms = durationFlag(flag, text);
    if (ms !== undefined && !(ms > 0)) throw new UsageError(`${flag} must be a duration above zero such as 30d, not "${text}"`);
    return ms;
  };
  const both = positive("--retention", all);
  return { eventsMs: positive("--retention-events", events) ?? both, runsMs: positive("--retention-runs", runs) ?? both };
}

function durationFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  try {
    return parseDuration(text);
  } catch (e) {
    throw new UsageError(`${flag}: ${(e as Error).message}`);
  }
}

/** `--max-*` flags: sizes take `512kb`, `4mb` (binary units) or plain bytes; counts are integers. */
function limitsFrom(values: Record<string, unknown>): Partial<Limits> {
  const limits: Partial<Limits> = {};
  for (const [key, flag] of Object.entries(limitFlags) as [keyof Limits, string][]) {
    const text = values[flag.slice(2)];
    if (typeof text !== "string") continue;
    limits[key] = flag.endsWith("-bytes") ? bytesFlag(flag, text) : countFlag(flag, text);
  }
  try {
    resolveLimits(limits); // its own bounds (e.g. the nesting cap), as a usage error
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  return limits;
}

function countFlag(flag: string, text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new UsageError(`${flag} must be a positive integer, not "${text}"`);
  return n;
}

function bytesFlag(flag: string, text: string | undefined): number | undefined {
  if (text === undefined) return undefined;
  const m = /^(\d+)\s*(b|kb|kib|mb|mib|gb|gib)?$/i.exec(text.trim());
  if (!m) throw new UsageError(`${flag} must be a size such as 512kb, 4mb or 1048576, not "${text}"`);
  const unit = (m[2] ?? "b").toLowerCase()[0] as "b" | "k" | "m" | "g";
  const n = Number(m[1]) * { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3 }[unit];
  if (n < 1) throw new UsageError(`${flag} must be at least one byte`);
  return n;
}
