import type { IncomingMessage } from "node:http";
import { isIP } from "node:net";

/** Whether a host name or address only this machine can reach (127.0.0.0/8, ::1, localhost). */
export function isLoopbackHost(host: string): boolean {
  const h = host
    .toLowerCase()
    .replace(/^\[(.*)\]$/, "$1")
    .replace(/\.$/, "");
  if (h === "localhost" || h.endsWith(".localhost") || h === "::1") return true;
  return isIP(h) === 4 && h.startsWith("127.");
}

/** A `Host` header (or a host flag) as a lower-cased name without brackets, and its port if given. */
function splitHost(hostHeader: string): { name: string; port: string | undefined } {
  const h = hostHeader.trim().toLowerCase();
  const m = /^\[([^\]]*)\](?::(\d*))?$/.exec(h) ?? /^([^:]*)(?::(\d*))?$/.exec(h);
  // A bare IPv6 address (`::1`, from --host) has colons and no port.
  if (!m) return { name: h, port: undefined };
  return { name: (m[1] as string).replace(/\.$/, ""), port: m[2] || undefined };
}

const hostnameOf = (host: string) => splitHost(host).name;

export interface BrowserGuardOptions {
  /** The address the server is bound to. */
  host: string;
  /** More `Host` names accepted on a loopback bind (`--allowed-host`). */
  allowedHosts?: string[];
}

export interface Refusal {
  status: 403 | 415;
  error: string;
}

const writeMethods = new Set(["POST", "PUT", "PATCH", "DELETE"]);
/** Content types a page may send cross-origin without a CORS preflight, and anything else not JSON. */
const jsonType = /^application\/([\w.+-]+\+)?json\s*(;|$)/i;
/** Connect's start and flush bodies: not a type a page can send without a preflight, which nothing here answers. */
const protobufType = /^application\/(x-)?protobuf\s*(;|$)/i;

/**
 * What keeps a web page from driving the server through the developer's browser.
 *
 * - DNS rebinding: a page on `evil.example` whose name is re-pointed at 127.0.0.1 reaches a
 *   loopback server as same-origin, but its requests carry `Host: evil.example`. On a loopback
 *   bind only loopback names, the bound host and `--allowed-host` names are answered.
 * - Cross-site writes: a page may POST to any URL without a preflight (`text/plain`, forms,
 *   `no-cors`). Writes whose `Origin` is not this server, or that the browser marks
 *   `Sec-Fetch-Site: cross-site`/`same-site`, are refused, and a write's body must be JSON
 *   (every SDK and our clients send `application/json`; a request with no content type is not a
 *   browser's simple request with a body, so curl and scripts keep working), or protobuf (a
 *   Connect worker's start request; a page cannot send that type without a preflight).
 *
 * The dashboard is served from the same origin, so its requests pass.
 */
export class BrowserGuard {
  private readonly hosts: Set<string> | undefined;

  constructor(opts: BrowserGuardOptions) {
    this.hosts = isLoopbackHost(opts.host)
      ? new Set(["localhost", "127.0.0.1", "::1", hostnameOf(opts.host), ...(opts.allowedHosts ?? []).map(hostnameOf)])
      : undefined;
  }

  /** Loopback names can never be rebound: browsers resolve `localhost` and `*.localhost` themselves. */
  private answers(name: string): boolean {
    return isLoopbackHost(name) || (this.hosts?.has(name) ?? true);
  }

  refusal(req: IncomingMessage): Refusal | undefined {
    const host = req.headers.host;
    // HTTP/1.0 may omit Host; browsers never do, so a request without one is no rebinding attack.
    if (this.hosts && host !== undefined && !this.answers(hostnameOf(host))) {
      return {
        status: 403,
        error: `this server answers only to ${[...this.hosts].join(", ")} (Host: ${JSON.stringify(host.slice(0, 100))}); start it with --allowed-host <name> to accept another name`,
      };
    }
    if (!writeMethods.has(req.method ?? "")) return undefined;
    const site = req.headers["sec-fetch-site"];
    if (site === "cross-site" || site === "same-site") return { status: 403, error: "cross-site requests may not write to this server" };
    const origin = req.headers.origin;
    if (origin !== undefined && !sameOrigin(origin, host)) return { status: 403, error: "cross-origin requests may not write to this server" };
    const type = req.headers["content-type"];
    if (type !== undefined && !jsonType.test(type) && !protobufType.test(type))
      return { status: 415, error: `the request body must be JSON (content-type: application/json), not ${JSON.stringify(type.slice(0, 100))}` };
    return undefined;
  }
}

/** Whether a browser's `Origin` names the host the request was sent to (`null` never does). */
function sameOrigin(origin: string, host: string | undefined): boolean {
  if (host === undefined || !URL.canParse(origin)) return false;
  const url = new URL(origin);
  if (url.protocol !== "http:" && url.protocol !== "https:") return false;
  const defaultPort = url.protocol === "https:" ? "443" : "80";
  const target = splitHost(host);
  return splitHost(url.host).name === target.name && (url.port || defaultPort) === (target.port ?? defaultPort);
}
