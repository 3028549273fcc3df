import { beforeEach, describe, expect, it, vi } from "vitest";
import { seededUlids, ulidTime } from "./ulid.js";

// `ulid` remembers the last time it used (ids never go back in time within a process), so each test
// gets a fresh copy of the module rather than depending on the tests before it.
let ulid: (now?: number) => string;
beforeEach(async () => {
  vi.resetModules();
  ({ ulid } = await import("./ulid.js"));
});

const crockford = /^[0-9A-HJKMNP-TV-Z]{26}$/;
/** Base64 of ten bytes, as the SDK sends in `x-inngest-event-id-seed`. */
const entropy = (...bytes: number[]): string => Buffer.from(bytes).toString("base64");

describe("ulid", () => {
  it("is 26 Crockford base32 characters (no I, L, O or U)", () => {
    for (let i = 0; i < 200; i++) expect(ulid()).toMatch(crockford);
  });

  it("encodes the time as the spec's example does", () => {
    // From the ULID spec: 1469918176385 ms is "01ARYZ6S41".
    expect(ulid(1469918176385).slice(0, 10)).toBe("01ARYZ6S41");
    expect(ulidTime(ulid(1469918176385))).toBe(1469918176385);
  });

  it("round-trips its time through ulidTime", () => {
    // Ascending, since a time earlier than the last one is replaced by the last one.
    for (const now of [0, 1, 1_700_000_000_000, Date.UTC(2099, 11, 31, 23, 59, 59, 999), 2 ** 48 - 1]) {
      expect(ulidTime(ulid(now))).toBe(now);
    }
  });

  it("is strictly increasing for 1000 ids made in the same millisecond", () => {
    const now = Date.UTC(2200, 0, 1);
    const ids = Array.from({ length: 1000 }, () => ulid(now));
    expect(new Set(ids).size).toBe(1000);
    for (let i = 1; i < ids.length; i++) expect(ids[i]! > ids[i - 1]!, `${ids[i - 1]} < ${ids[i]}`).toBe(true);
    expect(ids.every((id) => ulidTime(id) === now)).toBe(true);
  });

  it("stays increasing when the clock goes backwards, keeping the later time", () => {
    const now = Date.UTC(2201, 0, 1);
    const first = ulid(now);
    const second = ulid(now - 5000);
    expect(second > first).toBe(true);
    expect(ulidTime(second)).toBe(now);
    // A later millisecond starts from fresh entropy but still sorts after.
    const third = ulid(now + 1);
    expect(third > second).toBe(true);
    expect(ulidTime(third)).toBe(now + 1);
  });
});

describe("seededUlids", () => {
  const millis = 1469918176385;
  const seed = `${millis},${entropy(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)}`;

  it("adds the 1-based event index to the seed's entropy", () => {
    const next = seededUlids(seed);
    expect(next?.(1)).toBe("01ARYZ6S41" + "0000000000000001");
    expect(next?.(2)).toBe("01ARYZ6S41" + "0000000000000002");
    expect(next?.(32)).toBe("01ARYZ6S41" + "0000000000000010");
  });

  it("gives the same ids for the same seed, so a retried send is deduplicated", () => {
    const seed2 = `1700000000000,${entropy(9, 8, 7, 6, 5, 4, 3, 2, 1, 0)}`;
    const a = seededUlids(seed2);
    const b = seededUlids(seed2);
    expect([1, 2, 3].map((i) => a?.(i))).toEqual([1, 2, 3].map((i) => b?.(i)));
    expect(a?.(1)).toMatch(crockford);
    expect(ulidTime(a?.(1) ?? "")).toBe(1700000000000);
  });

  it("gives different, increasing ids for index 1 and 2", () => {
    const next = seededUlids(`1700000000000,${entropy(1, 2, 3, 4, 5, 6, 7, 8, 9, 10)}`);
    const one = next?.(1) ?? "";
    const two = next?.(2) ?? "";
    expect(one).not.toBe(two);
    expect(two > one).toBe(true);
  });

  it("carries into the higher bytes of the 32-bit tail", () => {
    // Tail 0x000000FF + 1 = 0x00000100: byte 8 becomes 1, byte 9 becomes 0.
    const next = seededUlids(`${millis},${entropy(0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff)}`);
    expect(next?.(1)).toBe("01ARYZ6S41" + "0000000000000080");
  });

  it("is undefined for a missing or malformed seed", () => {
    expect(seededUlids(undefined)).toBeUndefined();
    expect(seededUlids("")).toBeUndefined();
    expect(seededUlids("abc")).toBeUndefined();
    expect(seededUlids("1,short")).toBeUndefined();
    expect(seededUlids(`${millis}`)).toBeUndefined();
    expect(seededUlids(`-5,${entropy(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)}`)).toBeUndefined();
    expect(seededUlids(`1.5,${entropy(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)}`)).toBeUndefined();
    expect(seededUlids(`x,${entropy(0, 0, 0, 0, 0, 0, 0, 0, 0, 0)}`)).toBeUndefined();
    // Eleven bytes of entropy is not ten.
    expect(seededUlids(`${millis},${entropy(0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)}`)).toBeUndefined();
  });
});
