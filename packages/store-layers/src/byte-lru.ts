/**
 * A least-recently-used map bounded by a byte budget the caller estimates per entry. An entry larger
 * than the whole budget is not kept at all (it would only evict everything else and then itself).
 */
export class ByteLru<V> {
  /** Insertion order is recency order: a touched entry is deleted and set again. */
  private readonly entries = new Map<string, { value: V; bytes: number }>();
  private total = 0;

  constructor(private readonly maxBytes: number) {
    if (!(maxBytes >= 0)) throw new Error(`maxBytes must be a number >= 0, got ${maxBytes}`);
  }

  get bytes(): number {
    return this.total;
  }

  get size(): number {
    return this.entries.size;
  }

  /** The value, marked as the most recently used. */
  get(key: string): V | undefined {
    const entry = this.entries.get(key);
    if (entry === undefined) return undefined;
    this.entries.delete(key);
    this.entries.set(key, entry);
    return entry.value;
  }

  /** The value, without touching its recency. */
  peek(key: string): V | undefined {
    return this.entries.get(key)?.value;
  }

  /** Store (or replace) `key` as the most recently used, then evict the oldest until within budget. */
  set(key: string, value: V, bytes: number): void {
    this.delete(key);
    if (bytes > this.maxBytes) return;
    this.entries.set(key, { value, bytes });
    this.total += bytes;
    this.evict();
  }

  /** Re-measure an entry that grew or shrank in place; one that no longer fits is dropped. */
  resize(key: string, bytes: number): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.total += bytes - entry.bytes;
    entry.bytes = bytes;
    if (bytes > this.maxBytes) this.delete(key);
    else this.evict();
  }

  delete(key: string): void {
    const entry = this.entries.get(key);
    if (entry === undefined) return;
    this.entries.delete(key);
    this.total -= entry.bytes;
  }

  clear(): void {
    this.entries.clear();
    this.total = 0;
  }

  private evict(): void {
    for (const [key, entry] of this.entries) {
      if (this.total <= this.maxBytes) return;
      this.entries.delete(key);
      this.total -= entry.bytes;
    }
  }
}
