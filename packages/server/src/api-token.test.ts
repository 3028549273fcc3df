import type { IncomingMessage } from "node:http";
import { beforeEach, describe, expect, it, vi } from "vitest";

// Watch the constant-time comparison: it must run, on equal-length digests, whatever is given.
const compared = vi.hoisted(() => [] as [number, number][]);
vi.mock("node:crypto", async (importOriginal) => {
  const crypto = await importOriginal<typeof import("node:crypto")>();
  return {
    ...crypto,
    timingSafeEqual: (a: NodeJS.ArrayBufferView, b: NodeJS.ArrayBufferView) => {
      compared.push([a.byteLength, b.byteLength]);
      return crypto.timingSafeEqual(a, b);
    },
  };
});

const { apiTokenAccepted } = await import("./api-token.js");
const { sdkAuthorized } = await import("./auth.js");
const withAuth = (authorization?: string) => ({ headers: authorization === undefined ? {} : { authorization } }) as IncomingMessage;

describe("API token check", () => {
  beforeEach(() => {
    compared.length = 0;
  });

  it("accepts the token and refuses anything else", () => {
    expect(apiTokenAccepted(withAuth("Bearer tok-123"), "tok-123")).toBe(true);
    for (const given of [undefined, "Bearer ", "Bearer tok-12", "Bearer tok-1234", "tok-124", "Basic tok-123"]) {
      expect(apiTokenAccepted(withAuth(given), "tok-123"), given).toBe(false);
    }
    expect(apiTokenAccepted(withAuth(), undefined)).toBe(true);
  });

  it("compares in constant time even when the lengths differ, so the length leaks nothing", () => {
    for (const given of ["Bearer x", "Bearer tok-123", `Bearer ${"y".repeat(500)}`, "", "Bearer tok-124"]) apiTokenAccepted(withAuth(given), "tok-123");
    expect(compared).toEqual(Array(5).fill([32, 32]));
  });

  it("the SDK's bearer on /fn/register and checkpoints is compared the same way", () => {
    sdkAuthorized(withAuth("Bearer short"), "signkey-test-abcdef");
    expect(compared).toEqual([[32, 32]]);
  });
});
