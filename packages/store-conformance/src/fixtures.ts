import { ulid } from "@weft/core";
import type { WeftEvent } from "@weft/core";
import type { NewRun, Pause, QueueItem } from "@weft/store";

/** A run to create; each call gets a fresh run id and key unless given. */
export function newRun(now: number, overrides: Partial<NewRun> = {}): NewRun {
  const runId = overrides.runId ?? ulid(now);
  return {
    runId,
    idempotencyKey: `fn-a:${runId}`,
    functionId: "app-fn-a",
    appId: "app",
    env: "dev",
    events: [event("app/user.created", { user: { id: "u1" } }, now)],
    createdAt: now,
    maxAttempts: 4,
    ...overrides,
  };
}

export function event(name: string, data: Record<string, unknown>, ts: number, id: string = ulid(ts)): WeftEvent {
  return { id, name, data, user: {}, ts };
}

export function pause(now: number, overrides: Partial<Pause> & { id: string }): Pause {
  return {
    runId: "run-1",
    stepId: `step-${overrides.id}`,
    kind: "wait",
    env: "dev",
    eventName: "app/user.updated",
    createdAt: now,
    expiresAt: now + 60_000,
    ...overrides,
  };
}

export function item(id: string, now: number, overrides: Partial<QueueItem> = {}): QueueItem {
  return { id, kind: "discover", runId: "run-1", tenant: "tenant-a", payload: { n: id }, availableAt: now, attempt: 0, ...overrides };
}

/** Ids sorted, for comparing answers whose order the contract leaves open. */
export function ids(values: readonly { id: string }[]): string[] {
  return values.map((v) => v.id).sort();
}
