/** A copy of a stored record, so a caller's later edits never reach the store (and back). */
export function cloneOrUndefined<T>(value: T | undefined): T | undefined {
  return value === undefined ? undefined : structuredClone(value);
}

/** Sort ascending by a string key, comparing code units (as SQLite's BINARY collation does for ASCII). */
export function byKey<T>(values: T[], key: (value: T) => string): T[] {
  return values.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? -1 : ka > kb ? 1 : 0;
  });
}
