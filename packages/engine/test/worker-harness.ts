// What the worker's tests (worker, app-call-limiter, worker-untouched) share: waiting for a
// condition, and stopping each test's worker after it however the test ended.
import { afterEach } from "vitest";

/** Resolves once `probe` holds; throws after 5 s. */
export async function until(probe: () => boolean | Promise<boolean>): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (!(await probe())) {
    if (Date.now() > deadline) throw new Error("timed out");
    await new Promise((r) => setTimeout(r, 2));
  }
}

/** Registers an `afterEach` that runs the stop the test set last; answers the setter. */
export function stopAfterEach(): (stop: () => Promise<void>) => void {
  let current: (() => Promise<void>) | undefined;
  afterEach(async () => {
    await current?.();
    current = undefined;
  });
  return (stop) => {
    current = stop;
  };
}
