import { InvalidInputError } from "@weft/core";

/** Where to connect, parsed from `redis://…` (one node) or `redis-cluster://…` (a cluster). */
export type RedisTarget = (
  | { kind: "node"; url: string }
  | { kind: "cluster"; nodes: { host: string; port: number }[]; username?: string; password?: string; tls: boolean }
) & {
  /** The whole URL as given, password redacted: what messages name. */
  display: string;
  /** From a `?keyPrefix=` query parameter, which lets a URL alone keep deployments apart. */
  keyPrefix?: string;
};

/** A URL with any password replaced, for messages: errors end up in logs. */
export function redactRedisUrl(url: string): string {
  return url.replace(/\/\/([^:/@]*):[^@/]*@/, "//$1:***@");
}

/**
 * `redis://[user:pass@]host:port[/db]` or `rediss://…` for one node (ioredis parses it), and
 * `redis-cluster://[user:pass@]host:port,host:port,…` (or `rediss-cluster://` for TLS) for a cluster,
 * whose nodes are only the startup nodes: the client discovers the rest. Either may end in
 * `?keyPrefix=<prefix>`; other query parameters of a node URL go to ioredis.
 */
export function parseRedisUrl(url: string): RedisTarget {
  const display = redactRedisUrl(url);
  const { rest, keyPrefix } = takeKeyPrefix(url);
  const common = keyPrefix === undefined ? { display } : { display, keyPrefix };
  if (/^rediss?:\/\//.test(rest)) return { kind: "node", url: rest, ...common };
  const match = /^(rediss?)-cluster:\/\/(?:([^:@/]*)(?::([^@/]*))?@)?([^/?]+?)\/?$/.exec(rest);
  if (match === null) {
    throw new InvalidInputError(`unsupported Redis URL "${display}": use redis://host:port[/db] or redis-cluster://host:port,host:port,…`);
  }
  const [, scheme, user, pass, hosts = ""] = match;
  const nodes = hosts.split(",").map((hostPort) => {
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(hostPort.trim());
    if (m === null) throw new InvalidInputError(`bad cluster node "${hostPort}" in "${display}": use host:port`);
    return { host: (m[1] ?? "").replace(/^\[|\]$/g, ""), port: m[2] === undefined ? 6379 : Number(m[2]) };
  });
  const target: RedisTarget = { kind: "cluster", nodes, tls: scheme === "rediss", ...common };
  if (user !== undefined && user !== "") target.username = decodeURIComponent(user);
  if (pass !== undefined) target.password = decodeURIComponent(pass);
  return target;
}

/** The URL without its `keyPrefix` query parameter, and that parameter. */
function takeKeyPrefix(url: string): { rest: string; keyPrefix?: string } {
  const q = url.indexOf("?");
  if (q < 0) return { rest: url };
  const params = new URLSearchParams(url.slice(q + 1));
  const keyPrefix = params.get("keyPrefix") ?? undefined;
  params.delete("keyPrefix");
  const query = params.toString();
  const rest = url.slice(0, q) + (query === "" ? "" : `?${query}`);
  return keyPrefix === undefined ? { rest } : { rest, keyPrefix };
}
