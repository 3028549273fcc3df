import { randomBytes } from "node:crypto";

/** Crockford base32, as ULIDs spell it. */
const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

function encodeTime(ms: number): string {
  let out = "";
  for (let i = 9; i >= 0; i--) {
    out = alphabet[ms % 32] + out;
    ms = Math.floor(ms / 32);
  }
  return out;
}

function encodeEntropy(bytes: Uint8Array): string {
  // 80 bits → 16 base32 characters, most significant first.
  let out = "";
  let acc = 0;
  let bits = 0;
  for (const b of bytes) {
    acc = (acc << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += alphabet[(acc >> (bits - 5)) & 31];
      bits -= 5;
    }
    acc &= (1 << bits) - 1;
  }
  return out;
}

let lastTime = -1;
let lastEntropy = new Uint8Array(10);

/** A monotonic ULID: ids made in the same millisecond sort in creation order. */
export function ulid(now: number = Date.now()): string {
  if (now <= lastTime) {
    // Increment the previous entropy as an 80-bit big-endian number.
    const next = Uint8Array.from(lastEntropy);
    for (let i = next.length - 1; i >= 0; i--) {
      next[i] = ((next[i] ?? 0) + 1) & 0xff;
      if (next[i] !== 0) break;
    }
    lastEntropy = next;
    return encodeTime(lastTime) + encodeEntropy(next);
  }
  lastTime = now;
  lastEntropy = new Uint8Array(randomBytes(10));
  return encodeTime(now) + encodeEntropy(lastEntropy);
}

/** The millisecond timestamp a ULID was made at. */
export function ulidTime(id: string): number {
  let ms = 0;
  for (const ch of id.slice(0, 10)) ms = ms * 32 + alphabet.indexOf(ch);
  return ms;
}

/**
 * Parse the SDK's `x-inngest-event-id-seed` header (`"<millis>,<base64 of 10 bytes>"`) into a
 * generator of the same ULIDs on every retry of one send: event `i` (1-based) adds `i` to bytes
 * 6..9 of the entropy, big-endian, as the Inngest server does.
 */
export function seededUlids(seed: string | undefined): ((index: number) => string) | undefined {
  if (!seed) return undefined;
  const [millisText, entropyText] = seed.split(",");
  const millis = Number(millisText);
  if (!Number.isSafeInteger(millis) || millis < 0 || !entropyText) return undefined;
  const entropy = Buffer.from(entropyText, "base64");
  if (entropy.length !== 10) return undefined;
  return (index: number) => {
    const bytes = Uint8Array.from(entropy);
    const tail = (bytes[6]! << 24) | (bytes[7]! << 16) | (bytes[8]! << 8) | bytes[9]!;
    const sum = ((tail >>> 0) + index) >>> 0;
    bytes[6] = (sum >>> 24) & 0xff;
    bytes[7] = (sum >>> 16) & 0xff;
    bytes[8] = (sum >>> 8) & 0xff;
    bytes[9] = sum & 0xff;
    return encodeTime(millis) + encodeEntropy(bytes);
  };
}
