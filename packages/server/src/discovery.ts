import { headers } from "@weft/core";
import { request } from "undici";

/** Where dev servers look for apps (protocol §1.4, as the Inngest dev server does). */
const ports = [80, 443, ...range(3000, 3010), 4321, 5000, 5173, 8000, 8080, 8081, 8888, ...range(8910, 8915), 8787];
const paths = ["/api/inngest", "/x/inngest", "/.netlify/functions/inngest", "/.redwood/functions/inngest"];

function range(from: number, to: number): number[] {
  return Array.from({ length: to - from + 1 }, (_, i) => from + i);
}

/** Candidate URLs on this machine, plus `$PORT` if set. */
export function discoveryUrls(env: NodeJS.ProcessEnv = process.env): string[] {
  const extra = Number(env.PORT);
  const all = Number.isInteger(extra) && extra > 0 && !ports.includes(extra) ? [...ports, extra] : ports;
  return all.flatMap((port) => paths.map((path) => `http://127.0.0.1:${port}${path}`));
}

/**
 * The candidate URLs that answer a GET with an `x-inngest-sdk` header: apps serving functions.
 * Closed ports fail at once; each probe gives up after 2 s.
 */
export async function discoverApps(candidates: string[] = discoveryUrls()): Promise<string[]> {
  const found = await Promise.all(
    candidates.map(async (url) => {
      try {
        const res = await request(url, { method: "GET", headersTimeout: 2000, bodyTimeout: 2000 });
        await res.body.dump();
        return res.headers[headers.sdk] !== undefined ? url : undefined;
      } catch {
        return undefined;
      }
    }),
  );
  return found.filter((u): u is string => u !== undefined);
}
