import { InvalidInputError } from "@weft/core";

export interface RemoteEndpoint {
  host: string;
  port: number;
  /** `host:port` (IPv6 in brackets), for messages. */
  label: string;
  /** `http://host:port` (`https://` over TLS), what `http2.connect` takes. */
  authority: string;
}

/** Files named by a `weft+tls://` URL's query: `?ca=FILE&cert=FILE&key=FILE` (each optional; cert and key go together). */
export interface RemoteTlsFiles {
  /** A CA to trust besides Node's bundled roots (the coordinator's certificate's issuer). */
  ca?: string;
  /** A client certificate and its key, for a coordinator started with `--tls-ca` (mutual TLS). */
  cert?: string;
  key?: string;
}

export interface RemoteTarget {
  endpoints: RemoteEndpoint[];
  /** The token given as the URL's password (`weft://any:TOKEN@host:port`), if any. */
  token?: string;
  /** The URL without credentials, for messages and logs. */
  display: string;
  /** Set for `weft+tls://`: connect over TLS, with these files. */
  tls?: RemoteTlsFiles;
}

export const remoteScheme = "weft://";
/** The coordinator over TLS (`weft coordinator --tls-cert … --tls-key …`). */
export const remoteTlsScheme = "weft+tls://";
const tlsParams = ["ca", "cert", "key"] as const;

/** `host:port`, with an IPv6 host in brackets. */
export function formatEndpoint(host: string, port: number): string {
  return host.includes(":") ? `[${host}]:${port}` : `${host}:${port}`;
}

/**
 * Parse `weft://host:port[,host:port…]`: one or more coordinators, tried in turn. The port is
 * required (there is no registered default to fall back on). A token may ride along as the
 * password, `weft://weft:TOKEN@host:port`, which `redactUrl` in the server hides in logs; it is
 * never repeated in `display` or in any error. `weft+tls://…[?ca=FILE][&cert=FILE&key=FILE]`
 * connects over TLS, trusting the CA file besides Node's roots and presenting the client
 * certificate when given (the files are read when the stores are created).
 */
export function parseRemoteUrl(url: string): RemoteTarget {
  const scheme = url.startsWith(remoteTlsScheme) ? remoteTlsScheme : url.startsWith(remoteScheme) ? remoteScheme : undefined;
  if (scheme === undefined) {
    throw new InvalidInputError(`not a coordinator URL (want weft://host:port[,host:port…] or weft+tls://…): ${redact(url)}`);
  }
  let rest = url.slice(scheme.length);
  let tls: RemoteTlsFiles | undefined;
  if (scheme === remoteTlsScheme) {
    const q = rest.indexOf("?");
    tls = q < 0 ? {} : parseTlsQuery(rest.slice(q + 1), url);
    if (q >= 0) rest = rest.slice(0, q);
  }
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
    const what =
      scheme === remoteTlsScheme ? "weft+tls://host:port[,host:port…][?ca=FILE&cert=FILE&key=FILE]" : "weft://host:port[,host:port…] with no path or query";
    throw new InvalidInputError(`a coordinator URL is ${what}: ${redact(url)}`);
  }
  const secure = tls !== undefined;
  const endpoints = rest.split(",").map((part) => parseEndpoint(part.trim(), url, secure));
  const display = `${scheme}${endpoints.map((e) => e.label).join(",")}`;
  return { endpoints, display, ...(token === undefined ? {} : { token }), ...(tls === undefined ? {} : { tls }) };
}

function parseTlsQuery(query: string, url: string): RemoteTlsFiles {
  const params = new URLSearchParams(query);
  const files: RemoteTlsFiles = {};
  for (const [name, value] of params) {
    if (!(tlsParams as readonly string[]).includes(name)) {
      throw new InvalidInputError(`unknown parameter "${name}" in ${redact(url)}: a weft+tls:// URL takes ca, cert and key (file paths)`);
    }
    if (value === "") throw new InvalidInputError(`"${name}=" names no file in ${redact(url)}`);
    files[name as (typeof tlsParams)[number]] = value;
  }
  if ((files.cert === undefined) !== (files.key === undefined)) {
    throw new InvalidInputError(`a client certificate needs both cert=FILE and key=FILE: ${redact(url)}`);
  }
  return files;
}

function parseEndpoint(part: string, url: string, secure: boolean): RemoteEndpoint {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]+)):(\d{1,5})$/.exec(part);
  const host = match?.[1] ?? match?.[2];
  const port = Number(match?.[3]);
  if (host === undefined || !Number.isInteger(port) || port < 1 || port > 65_535) {
    throw new InvalidInputError(`"${part}" in ${redact(url)} is not host:port`);
  }
  const label = formatEndpoint(host, port);
  return { host, port, label, authority: `${secure ? "https" : "http"}://${label}` };
}

function redact(url: string): string {
  return url.replace(/\/\/([^@/]*)@/, "//***@");
}
