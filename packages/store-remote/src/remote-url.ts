import { InvalidInputError } from "@weft/core";

export interface RemoteEndpoint {
  host: string;
  port: number;
  /** `host:port` (IPv6 in brackets), for messages. */
  label: string;
  /** `http://host:port`, what `http2.connect` takes. */
  authority: string;
}

export interface RemoteTarget {
  endpoints: RemoteEndpoint[];
  /** The token given as the URL's password (`weft://any:TOKEN@host:port`), if any. */
  token?: string;
  /** The URL without credentials, for messages and logs. */
  display: string;
}

export const remoteScheme = "weft://";

/** `host:port`, with an IPv6 host in brackets. */
export function formatEndpoint(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Parse `weft://host:port[,host:port…]`: one or more coordinators, tried in turn. The port is
 * required (there is no registered default to fall back on). A token may ride along as the
 * password, `weft://weft:TOKEN@host:port`, which `redactUrl` in the server hides in logs; it is
 * never repeated in `display` or in any error.
 */
export function parseRemoteUrl(url: string): RemoteTarget {
  if (!url.startsWith(remoteScheme)) throw new InvalidInputError(`not a coordinator URL (want weft://host:port[,host:port…]): ${redact(url)}`);
  let rest = url.slice(remoteScheme.length);
  let token: string | undefined;
  const at = rest.lastIndexOf("@");
  if (at >= 0) {
    const userinfo = rest.slice(0, at);
    rest = rest.slice(at + 1);
    const colon = userinfo.indexOf(":");
    if (colon >= 0 && colon < userinfo.length - 1) token = decodeURIComponent(userinfo.slice(colon + 1));
  }
  rest = rest.replace(/\/$/, "");
  if (rest === "" || /[/?#]/.test(rest)) {
    throw new InvalidInputError(`a coordinator URL is weft://host:port[,host:port…] with no path or query: ${redact(url)}`);
  }
  const endpoints = rest.split(",").map((part) => parseEndpoint(part.trim(), url));
  const display = `${remoteScheme}${endpoints.map((e) => e.label).join(",")}`;
  return token === undefined ? { endpoints, display } : { endpoints, token, display };
}

function parseEndpoint(part: string, url: string): RemoteEndpoint {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(part);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidInputError(`"${part}" in ${redact(url)} is not host:port`);
  }
  const label = formatEndpoint(host, port);
  return { host, port, label, authority: `http://${label}` };
}

function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}
