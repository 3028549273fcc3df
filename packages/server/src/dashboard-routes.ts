import { readFile, stat } from "node:fs/promises";
import type { IncomingMessage, ServerResponse } from "node:http";
import { createRequire } from "node:module";
import { dirname, extname, join, resolve, sep } from "node:path";
import { gzipSync } from "node:zlib";

/**
 * The built dashboard: the `dist/` of the `@weft/dashboard` package, found by package resolution,
 * so an install from the registry (or from `npm pack` tarballs) serves it as the repo does (where
 * the workspace links the package). Undefined when the package is not installed.
 */
export function defaultDashboardDir(): string | undefined {
  try {
    return join(dirname(createRequire(import.meta.url).resolve("@weft/dashboard/package.json")), "dist");
  } catch {
    return undefined;
  }
}

const contentTypes: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".json": "application/json",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".woff2": "font/woff2",
  ".map": "application/json",
  ".txt": "text/plain; charset=utf-8",
};

/** Paths the API owns: a miss there is the API's 404, never the dashboard's index page. */
const apiPrefixes = ["/v1/", "/e/", "/fn/", "/health"];

const securityHeaders = {
  "x-content-type-options": "nosniff",
  "referrer-policy": "no-referrer",
  // Inline style attributes are React's; no inline scripts are needed.
  "content-security-policy": "default-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; frame-ancestors 'none'",
};

interface Asset {
  body: Buffer;
  gzipped?: Buffer;
  type: string;
}

/**
 * Serves the built dashboard (a single-page app): files from `dir`, and `index.html` for any other
 * GET outside the API so client-side routes like `/runs/01J…` load on refresh. Vite names bundled
 * files by content hash under `assets/`, so those are cached for a year; `index.html` is revalidated
 * every time so a new build is picked up. Hashed files are read once and kept, gzipped, in memory.
 */
export class DashboardAssets {
  private readonly cache = new Map<string, Asset | null>();
  /** Undefined when the dashboard package is not installed: every asset misses and the not-built page says so. */
  private readonly root: string | undefined;

  constructor(dir: string | undefined = defaultDashboardDir()) {
    this.root = dir === undefined ? undefined : resolve(dir);
  }

  /** Whether this request is the dashboard's to answer. */
  owns(method: string, pathname: string): boolean {
    return (method === "GET" || method === "HEAD") && !apiPrefixes.some((p) => pathname === p.replace(/\/$/, "") || pathname.startsWith(p));
  }

  async serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void> {
    let rel: string;
    try {
      rel = decodeURIComponent(pathname);
    } catch {
      rel = "/";
    }
    const asset = (rel !== "/" && (await this.load(rel))) || (!rel.startsWith("/assets/") && (await this.load("/index.html")));
    if (!asset) {
      if (await this.built()) send(res, req, 404, "text/plain; charset=utf-8", Buffer.from(`not found: ${pathname}\n`));
      else send(res, req, 503, "text/plain; charset=utf-8", Buffer.from(notBuilt(this.root ?? "nowhere: the @weft/dashboard package is not installed")));
      return;
    }
    const hashed = rel.startsWith("/assets/");
    const gzip = asset.gzipped && /\bgzip\b/.test(String(req.headers["accept-encoding"] ?? ""));
    send(res, req, 200, asset.type, gzip ? (asset.gzipped as Buffer) : asset.body, {
      "cache-control": hashed ? "public, max-age=31536000, immutable" : "no-cache",
      vary: "accept-encoding",
      ...(gzip ? { "content-encoding": "gzip" } : {}),
    });
  }

  private async built(): Promise<boolean> {
    return (await this.load("/index.html")) !== null;
  }

  private async load(rel: string): Promise<Asset | null> {
    const cached = this.cache.get(rel);
    if (cached !== undefined) return cached;
    if (this.root === undefined) return null;
    const file = resolve(join(this.root, rel));
    // Never leave the dashboard's folder (`/../../etc/passwd`).
    if (!file.startsWith(this.root + sep)) return null;
    let asset: Asset | null = null;
    try {
      if ((await stat(file)).isFile()) {
        const body = await readFile(file);
        const type = contentTypes[extname(file)] ?? "application/octet-stream";
        const compressible = /^text\/|json|svg/.test(type) && body.length > 1024;
        asset = { body, type, gzipped: compressible ? gzipSync(body) : undefined };
      }
    } catch {
      asset = null;
    }
    // Only hashed files are kept: index.html and misses are read again, so a dashboard built (or
    // rebuilt) while the server runs is picked up.
    if (asset && rel.startsWith("/assets/")) this.cache.set(rel, asset);
    return asset;
  }
}

function send(res: ServerResponse, req: IncomingMessage, status: number, type: string, body: Buffer, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": type, "content-length": body.length, ...securityHeaders, ...headers });
  res.end(req.method === "HEAD" ? undefined : body);
}

function notBuilt(dir: string): string {
  return [
    "The Weft dashboard is not built.",
    "",
    `Build it with \`npm run build -w @weft/dashboard\`, or install the @weft/dashboard package (it is served from ${dir}).`,
    "The REST API works without it: /v1/runs, /v1/events, /v1/apps, /v1/functions.",
    "",
  ].join("\n");
}
