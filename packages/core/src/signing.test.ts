import { describe, expect, it } from "vitest";
import { signatureWindowSeconds, signRequest, verifySignature } from "./signing.js";

const key = "signkey-test-8ee2262a15e8d3c42d6a840db7af3de2aab08ef632b32a37a687f24b34dba3ff";
const body = '{"event":{"name":"app/go"}}';
const t = 1_700_000_000;
const signed = signRequest(body, key, t);

describe("verifySignature", () => {
  it("accepts a signature 5 minutes old or 5 minutes ahead (clock skew), as Inngest does, and none further", () => {
    expect(signatureWindowSeconds).toBe(300);
    expect(verifySignature(signed, body, key, (t + 300) * 1000)).toBe(true);
    expect(verifySignature(signed, body, key, (t - 300) * 1000)).toBe(true);
    expect(verifySignature(signed, body, key, (t + 301) * 1000)).toBe(false);
    expect(verifySignature(signed, body, key, (t - 301) * 1000)).toBe(false);
  });

  it("refuses a signature moved in time, or with its hex altered in any way", () => {
    const s = signed.slice(signed.indexOf("&s=") + 3);
    for (const header of [
      `t=${t - 60}&s=${s}`,
      `t=${t}&s=${s}0`, // an odd trailing digit is dropped by hex decoding: must not pass
      `t=${t}&s=${s}00`,
      `t=${t}&s=${s.slice(0, -1)}`,
      `t=${t}&s=${s.slice(0, -2)}`,
      `t=${t}&s=${s.slice(0, 32)}`,
      `t=${t}&s=`,
      `t=&s=${s}`,
    ]) {
      expect(verifySignature(header, body, key, t * 1000), header).toBe(false);
    }
    expect(verifySignature(`t=${t}&s=${s.toUpperCase()}`, body, key, t * 1000)).toBe(true);
  });
});
