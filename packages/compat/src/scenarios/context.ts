// Shared plumbing for the scenario files: a Weft server per describe block, cleanup, counters,
// and small polling helpers over the REST API.
import { createHash } from "node:crypto";
import { afterAll, beforeAll } from "vitest";
import { api, startTestWeft, stepsOf, waitFor, type ApiRun, type ApiStep, type TestWeft, type TestWeftOptions } from "../harness.js";

export interface WeftEnv {
  /** The server; available from beforeAll on. */
  readonly weft: TestWeft;
  /** Close this in afterAll (before the server). Answers it, for chaining. */
  track<T extends { close(): Promise<void> }>(closable: T): T;
}

/** A Weft server (SQLite) for the enclosing describe block, closed with everything tracked. */
export function useWeft(opts: TestWeftOptions | (() => TestWeftOptions) = {}): WeftEnv {
  let weft: TestWeft | undefined;
  const closables: { close(): Promise<void> }[] = [];
  beforeAll(async () => {
    weft = await startTestWeft({ store: "sqlite", ...(typeof opts === "function" ? opts() : opts) });
  });
  afterAll(async () => {
    for (const c of closables.reverse()) await c.close();
    await weft?.close();
  });
  return {
    get weft() {
      if (!weft) throw new Error("the Weft server is not started yet (use it from beforeAll or a test)");
      return weft;
    },
    track(closable) {
      closables.push(closable);
      return closable;
    },
  };
}

/** Counts executions of step callbacks, keyed by run and step, to catch double scheduling. */
export class Counter {
  private readonly counts = new Map<string, number>();
  private readonly times = new Map<string, number[]>();

  hit(runId: string, what: string): void {
    const key = `${runId}:${what}`;
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    this.times.set(key, [...(this.times.get(key) ?? []), Date.now()]);
  }

  count(runId: string, what: string): number {
    return this.counts.get(`${runId}:${what}`) ?? 0;
  }

  /** When each execution started (ms since the epoch). */
  at(runId: string, what: string): number[] {
    return this.times.get(`${runId}:${what}`) ?? [];
  }
}

export interface ApiFunction {
  id: string;
  app_id: string;
  name: string;
  triggers: unknown[];
}

export async function functionsOfApp(weft: TestWeft, appId: string): Promise<ApiFunction[]> {
  const { data } = await api<{ data: ApiFunction[] }>(weft.url, "GET", "/v1/functions");
  // What a sync decides; other fields (`last_expression_error`, …) belong to other suites.
  return data
    .filter((f) => f.app_id === appId)
    .map(({ id, app_id, name, triggers }) => ({ id, app_id, name, triggers }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

/** The runs of a function, once there are at least `count` of them. */
export function runsOfFunction(weft: TestWeft, functionId: string, count = 1, status?: string): Promise<ApiRun[]> {
  const query = new URLSearchParams({ function_id: functionId, ...(status ? { status } : {}) });
  return waitFor(
    async () => {
      const { data } = await api<{ data: ApiRun[] }>(weft.url, "GET", `/v1/runs?${query}`);
      return data.length >= count ? data : undefined;
    },
    `${count} ${status ?? ""} run(s) of ${functionId}`,
  );
}

/** The run's steps, once one of them satisfies `probe` (e.g. a wait is registered). */
export function stepWhere(weft: TestWeft, runId: string, probe: (s: ApiStep) => boolean, what: string): Promise<ApiStep> {
  return waitFor(async () => (await stepsOf(weft, runId)).find(probe), what);
}

export async function getRun(weft: TestWeft, runId: string): Promise<ApiRun> {
  return (await api<{ data: ApiRun }>(weft.url, "GET", `/v1/runs/${runId}`)).data;
}

/** Ends a failed run's output: the error the server recorded. */
export function errorOf(run: ApiRun): { name?: string; message?: string } {
  return (run.output ?? {}) as { name?: string; message?: string };
}

/** A step id as it appears on the wire: the SHA-1 of the user's id (protocol §5). */
export function sha1Hex(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}
