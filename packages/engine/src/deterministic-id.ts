import { createHash } from "node:crypto";

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/**
 * A ULID whose entropy is a hash of `seed`: the same (time, seed) always gives the same id, so an
 * event the engine emits again after a crash (a run's finished event, an invoke) is the same event.
 */
export function deterministicUlid(time: number, seed: string): string {
  let t = "";
  let ms = time;
  for (let i = 0; i < 10; i++) {
    t = alphabet[ms % 32] + t;
    ms = Math.floor(ms / 32);
  }
  const digest = createHash("sha256").update(seed).digest();
  let r = "";
  for (let i = 0; i < 16; i++) r += alphabet[(digest[i] ?? 0) % 32];
  return t + r;
}
