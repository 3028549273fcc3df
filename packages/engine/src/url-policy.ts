/**
 * Which URLs the server may call: app URLs (`--allow-app-url`) and `step.fetch` / `step.ai.infer`
 * targets (`--allow-fetch-url`). Without patterns every http(s) URL is allowed (dev). With them, a
 * server exposed to a network cannot be made into a proxy to internal addresses by syncing an app,
 * registering a function, or a step asking the gateway to fetch something.
 * Patterns judge the URL as written; `weft start` also refuses gateway targets that resolve to a
 * private, loopback or link-local address, checked at connection time (`fetch-guard.ts`).
 *
 * Patterns are globs over `protocol//host[:port]/path` (never the user info, query or fragment, so
 * `https://good.example.com@10.0.0.1/` is judged by its real host, 10.0.0.1): `*` matches any run of
 * characters but `/ @ ? #` (so it stays within the host or one path segment), `**` matches anything.
 * Examples: `https://*.example.com/**`, `http://127.0.0.1:3000/api/inngest`.
 */
export class UrlPolicy {
  private readonly patterns: RegExp[];

  constructor(
    readonly globs: string[],
    private readonly flag: string,
  ) {
    this.patterns = globs.map(globToRegExp);
  }

  /** Undefined when `url` may be called, else why not (naming the flag). */
  refusal(url: string): string | undefined {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return `"${url}" is not a URL`;
    }
    if (parsed.protocol !== "http:" && parsed.protocol !== "https:") return `"${url}" is not an http(s) URL`;
    if (this.patterns.length === 0) return undefined;
    const subject = `${parsed.protocol}//${parsed.host}${parsed.pathname}`;
    if (this.patterns.some((p) => p.test(subject))) return undefined;
    return `${subject} is not allowed by ${this.flag} (allowed: ${this.globs.join(", ")})`;
  }
}

function globToRegExp(glob: string): RegExp {
  let source = "";
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i] as string;
    if (c === "*" && glob[i + 1] === "*") {
      source += ".*";
      i++;
    } else if (c === "*") {
      source += "[^/@?#]*";
    } else {
      source += c.replace(/[.+?^${}()|[\]\\]/g, "\\$&");
    }
  }
  return new RegExp(`^${source}$`, "i");
}
