/**
 * A least-recently-used cache with a fixed number of entries. Compiled expressions and regular
 * expressions are cached by source text, and sources can come from event data (a pause freezes its
 * own expression, `matches()` can take its pattern from a field), so the cache must be bounded.
 */
export class LruCache<V> {
  private readonly entries = new Map<string, V>();

  constructor(private readonly limit: number) {}

  /** The cached value for `key`, or `make(key)` stored in its place (evicting the oldest entry). */
  getOrMake(key: string, make: (key: string) => V): V {
    const hit = this.entries.get(key);
    if (hit !== undefined) {
      // Re-insert so that Map order is least recently used first.
      this.entries.delete(key);
      this.entries.set(key, hit);
      return hit;
    }
    const made = make(key);
    if (this.entries.size >= this.limit) {
      const oldest = this.entries.keys().next();
      if (!oldest.done) this.entries.delete(oldest.value);
    }
    this.entries.set(key, made);
    return made;
  }
}
