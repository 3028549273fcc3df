/**
 * A bounded cache in two generations. Compiled expressions and regular expressions are cached by
 * source text, and sources can come from event data (a pause freezes its own expression, `matches()`
 * can take its pattern from a field), so the cache must be bounded.
 *
 * Not a strict LRU: a strict one reorders on every hit (a Map delete and set), which cost more than
 * evaluating the expression once the cache held ~600 entries. Here a hit in the young generation is
 * one Map lookup; a hit in the old generation moves the entry to the young one; when the young
 * generation is full the old one is dropped and the young one becomes old. An entry used at least
 * once per `limit` insertions therefore stays, and at most 2 × `limit` entries are held.
 */
export class LruCache<V> {
  private young = new Map<string, V>();
  private old = new Map<string, V>();

  constructor(private readonly limit: number) {}

  /** The cached value for `key`, or `make(key)` stored in its place. */
  getOrMake(key: string, make: (key: string) => V): V {
    const hit = this.young.get(key);
    if (hit !== undefined) return hit;
    const aged = this.old.get(key);
    if (aged !== undefined) {
      this.old.delete(key);
      this.store(key, aged);
      return aged;
    }
    const made = make(key);
    this.store(key, made);
    return made;
  }

  /** How many entries are held (both generations). */
  get size(): number {
    return this.young.size + this.old.size;
  }

  private store(key: string, value: V): void {
    if (this.young.size >= this.limit) {
      this.old = this.young;
      this.young = new Map();
    }
    this.young.set(key, value);
  }
}
