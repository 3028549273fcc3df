import { Weft, serve } from "@weft/sdk";
import { describe, expect, it } from "vitest";
import { hashSigningKey, signRequest, verifySignature } from "@weft/core";
import { callBody, startApp, startFakeServer } from "./helpers.js";

const signingKey = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff";

describe("signing", () => {
  it("hashes the key for the Authorization header, keeping its prefix", () => {
    // sha256 of the hex-decoded key, computed independently (Python hashlib)
    expect(hashSigningKey(signingKey)).toBe("signkey-test-e4bf4a2e7f55c7eb954b6e72f8f69628fbc409fe7da6d0f6958770987dcf0e02");
  });

  it("signs HMAC-SHA256(body + t) keyed by the key without its prefix", () => {
    // computed independently (Python hmac) with the key text after "signkey-test-"
    expect(signRequest('{"a":1}', signingKey, 1_700_000_000)).toBe("t=1700000000&s=4e7c74ad8c770412e9f95f3906421639b0dbcd4b4168a7669f7291e344e85d1f");
  });

  it("accepts its own signatures within 5 minutes, of the raw or canonical body", () => {
    const body = '{"b":1,"a":2}';
    const now = 1_700_000_000;
    expect(verifySignature(signRequest(body, signingKey, now), body, signingKey, now * 1000)).toBe(true);
    expect(verifySignature(signRequest('{"a":2,"b":1}', signingKey, now), body, signingKey, now * 1000)).toBe(true);
    expect(verifySignature(signRequest(body, signingKey, now), body, signingKey, (now + 301) * 1000)).toBe(false);
    expect(verifySignature(signRequest(body, "signkey-test-ff", now), body, signingKey, now * 1000)).toBe(false);
    expect(verifySignature(undefined, body, signingKey)).toBe(false);
  });

  it("rejects unsigned calls outside dev mode and runs signed ones", async () => {
    const server = await startFakeServer();
    const weft = new Weft({ id: "app", baseUrl: server.url, signingKey, isDev: false });
    const fn = weft.createFunction({ id: "f" }, { event: "app/test" }, async () => "ran");
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const url = `${app}?fnId=app-f&stepId=step`;
    const body = JSON.stringify(callBody({ fnId: "app-f" }));

    const unsigned = await fetch(url, { method: "POST", body });
    expect(unsigned.status).toBe(401);
    expect(await unsigned.json()).toEqual({ message: "Unauthorized" });

    const signed = await fetch(url, { method: "POST", body, headers: { "x-inngest-signature": signRequest(body, signingKey) } });
    expect([signed.status, await signed.json()]).toEqual([200, "ran"]);

    const put = await fetch(app, { method: "PUT", body: "", headers: { "x-inngest-signature": signRequest("", signingKey) } });
    expect(put.status).toBe(200);
    expect(server.requests[0]?.headers.authorization).toBe(`Bearer ${hashSigningKey(signingKey)}`);
  });

  it("does not check signatures in dev mode", async () => {
    const weft = new Weft({ id: "app", signingKey, isDev: true });
    const fn = weft.createFunction({ id: "f" }, { event: "app/test" }, async () => "ran");
    const app = await startApp(serve({ client: weft, functions: [fn] }));
    const res = await fetch(`${app}?fnId=app-f&stepId=step`, { method: "POST", body: JSON.stringify(callBody({ fnId: "app-f" })) });
    expect(res.status).toBe(200);
  });
});
