import type { UrlPolicy } from "@weft/engine";

/**
 * Why a register body (from `/fn/register` or an in-band sync) is refused by `--allow-app-url`, or
 * undefined. The app's URL and every function's step URL are checked: the engine calls the step
 * URLs, so an allowed app must not be able to point a function at an internal address.
 */
export function registerUrlRefusal(body: unknown, policy: UrlPolicy | undefined): string | undefined {
  if (!policy || body === null || typeof body !== "object") return undefined;
  const b = body as { url?: unknown; functions?: unknown };
  const urls: unknown[] = [b.url];
  if (Array.isArray(b.functions)) {
    for (const f of b.functions as { steps?: Record<string, { runtime?: { url?: unknown } }> }[]) {
      for (const step of Object.values(f?.steps ?? {})) urls.push(step?.runtime?.url);
    }
  }
  for (const url of urls) {
    if (typeof url !== "string") continue; // the engine's validation names missing URLs
    const refused = policy.refusal(url);
    if (refused) return `app URL refused: ${refused}`;
  }
  return undefined;
}
