import type { Pause } from "./pause-store.js";

/**
 * The order every pause store answers in: oldest first, then by id.
 *
 * @internal shared by the backends so their answers compare equal.
 */
export function comparePauses(a: Pause, b: Pause): number {
  return a.createdAt - b.createdAt || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}
