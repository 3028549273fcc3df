import type { IncomingMessage } from "node:http";
import { describe, expect, it } from "vitest";
import { BrowserGuard, isLoopbackHost } from "./browser-guard.js";

const req = (method: string, headers: Record<string, string>) => ({ method, headers }) as unknown as IncomingMessage;
const status = (guard: BrowserGuard, method: string, headers: Record<string, string>) => guard.refusal(req(method, headers))?.status ?? "ok";

describe("isLoopbackHost", () => {
  it("knows loopback names and addresses", () => {
    for (const h of ["127.0.0.1", "127.1.2.3", "localhost", "LOCALHOST.", "app.localhost", "::1", "[::1]"]) expect(isLoopbackHost(h), h).toBe(true);
    for (const h of ["0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "example.com", "localhost.example.com", "127.0.0.1.nip.io"])
      expect(isLoopbackHost(h), h).toBe(false);
  });
});

describe("BrowserGuard", () => {
  const local = new BrowserGuard({ host: "127.0.0.1", allowedHosts: ["weft.internal"] });

  it("on a loopback bind, answers only loopback names, the bound host and --allowed-host (DNS rebinding)", () => {
    for (const host of ["127.0.0.1:8288", "localhost:8288", "[::1]:8288", "LocalHost", "weft.internal:8288", "app.localhost:8288"]) {
      expect(status(local, "GET", { host }), host).toBe("ok");
    }
    for (const host of ["evil.example:8288", "evil.example", "127.0.0.1.nip.io:8288", "weft.internal.evil.example", ""]) {
      expect(status(local, "GET", { host }), host).toBe(403);
    }
    // HTTP/1.0 without Host: no browser sends that.
    expect(status(local, "GET", {})).toBe("ok");
    // A public bind (which needs every secret) answers any name.
    expect(status(new BrowserGuard({ host: "0.0.0.0" }), "GET", { host: "weft.example.com" })).toBe("ok");
  });

  it("refuses writes from another origin or marked cross-site, and lets same-origin ones through (the dashboard)", () => {
    const host = "127.0.0.1:8288";
    expect(status(local, "POST", { host, origin: "http://evil.example" })).toBe(403);
    expect(status(local, "POST", { host, origin: "http://127.0.0.1:9999" })).toBe(403);
    expect(status(local, "POST", { host, origin: "null" })).toBe(403);
    expect(status(local, "DELETE", { host, "sec-fetch-site": "cross-site" })).toBe(403);
    expect(status(local, "POST", { host, "sec-fetch-site": "same-site" })).toBe(403);
    expect(status(local, "POST", { host, origin: "http://127.0.0.1:8288", "sec-fetch-site": "same-origin", "content-type": "application/json" })).toBe("ok");
    expect(status(new BrowserGuard({ host: "0.0.0.0" }), "POST", { host: "weft.example.com", origin: "https://weft.example.com" })).toBe("ok");
    expect(status(new BrowserGuard({ host: "0.0.0.0" }), "POST", { host: "weft.example.com:443", origin: "https://weft.example.com" })).toBe("ok");
    // Reads are the same-origin policy's: a page cannot read the answer without CORS headers.
    expect(status(local, "GET", { host, origin: "http://evil.example" })).toBe("ok");
  });

  it("takes a write's body only as JSON, so no simple (preflight-free) browser request can carry one", () => {
    const host = "127.0.0.1:8288";
    for (const type of [
      "text/plain",
      "text/plain;charset=UTF-8",
      "application/x-www-form-urlencoded",
      "multipart/form-data; boundary=x",
      "application/jsonp",
    ]) {
      expect(status(local, "POST", { host, "content-type": type }), type).toBe(415);
    }
    for (const type of ["application/json", "application/json; charset=utf-8", "Application/JSON", "application/cloudevents+json"]) {
      expect(status(local, "POST", { host, "content-type": type }), type).toBe("ok");
    }
    // curl and scripts that send no content type still work.
    expect(status(local, "POST", { host })).toBe("ok");
  });
});
