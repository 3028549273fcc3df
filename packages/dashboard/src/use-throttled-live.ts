import { useEffect, useRef } from "react";
import { subscribe } from "./live-updates";

/**
 * Call `refresh` when the server says runs changed, at most once per `intervalMs` (the last change
 * of a burst is never lost: it fires at the end of the interval), and every `intervalMs × 10` in
 * any case, since time moves on and the queue changes without a notification.
 */
export function useThrottledLive(refresh: () => void, intervalMs = 2000): void {
  // The latest callback, so a new function each render does not resubscribe.
  const latest = useRef(refresh);
  latest.current = refresh;
  useEffect(() => {
    let last = 0;
    let timer: ReturnType<typeof setTimeout> | undefined;
    const fire = () => {
      timer = undefined;
      last = Date.now();
      latest.current();
    };
    const unsubscribe = subscribe((change) => {
      if (change !== "runs-changed" || timer !== undefined) return;
      timer = setTimeout(fire, Math.max(0, last + intervalMs - Date.now()));
    });
    const tick = setInterval(fire, intervalMs * 10);
    return () => {
      unsubscribe();
      clearInterval(tick);
      if (timer !== undefined) clearTimeout(timer);
    };
  }, [intervalMs]);
}
