import { useCallback, useEffect, useRef, useState } from "react";
import { api } from "./api";
import { subscribe, type LiveChange } from "./live-updates";

export interface Resource<T> {
  data: T | undefined;
  error: string | undefined;
  loading: boolean;
  reload(): void;
}

/**
 * GET `path` and keep it fresh: refetch when the path changes, on `reload()`, and whenever the
 * server says something of kind `live` changed. A change that arrives mid-fetch triggers exactly
 * one more fetch after it, so a burst of changes never stacks up requests.
 */
export function useResource<T>(path: string | null, live?: LiveChange): Resource<T> {
  const [data, setData] = useState<T | undefined>(undefined);
  const [error, setError] = useState<string | undefined>(undefined);
  const [loading, setLoading] = useState(path !== null);
  const state = useRef({ inFlight: false, again: false, path });
  state.current.path = path;

  const load = useCallback(async () => {
    const s = state.current;
    if (s.path === null) return;
    if (s.inFlight) {
      s.again = true;
      return;
    }
    s.inFlight = true;
    try {
      do {
        s.again = false;
        const asked = s.path;
        try {
          const json = await api<T>(asked);
          // A path change while fetching makes this answer stale.
          if (state.current.path === asked) {
            setData(json);
            setError(undefined);
          }
        } catch (e) {
          if (state.current.path === asked) setError((e as Error).message);
        }
      } while (s.again && s.path !== null);
    } finally {
      s.inFlight = false;
      setLoading(false);
    }
  }, []);

  useEffect(() => {
    setLoading(path !== null);
    setData(undefined);
    void load();
  }, [path, load]);

  useEffect(() => {
    if (!live) return;
    return subscribe((change) => {
      if (change === live) void load();
    });
  }, [live, load]);

  return { data, error, loading, reload: () => void load() };
}
