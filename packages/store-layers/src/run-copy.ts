import { isDeepStrictEqual } from "node:util";
import type { NewRun, RunMetadata, RunState, RunStateStore } from "@weft/store";

/** The `createRun` input a stored run was made from (its metadata's immutable part and its events). */
export function newRunOf(metadata: RunMetadata, events: NewRun["events"]): NewRun {
  const run: NewRun = {
    runId: metadata.runId,
    idempotencyKey: metadata.idempotencyKey,
    functionId: metadata.functionId,
    appId: metadata.appId,
    env: metadata.env,
    events: structuredClone(events),
    createdAt: metadata.createdAt,
    maxAttempts: metadata.maxAttempts,
  };
  if (metadata.correlationId !== undefined) run.correlationId = metadata.correlationId;
  return run;
}

/**
 * Write `source` into `target` using contract methods only, so it works between any two backends:
 * `createRun`, then `saveStep` for each step in stack order, `addPending`, `updateRun` for the
 * version and force-step-plan flag, and `finalize` for an ended run.
 *
 * Every step is idempotent, so a copy interrupted half way is finished by copying again, and a copy
 * onto an older copy of the same run (one left behind by an earlier layout) brings it up to date:
 * its stack is a prefix of the source's (stacks only grow, values are write-once) and its pending
 * ids are either still pending in the source or saved there.
 *
 * Not copied, because `RunState` does not carry it: the output `finalize` was given. Ended runs
 * are copied with `output: undefined`; history keeps the output the API shows.
 *
 * After writing, the target is read back and compared with `source`; a difference throws, so a
 * caller that deletes the original only after this returns never loses state.
 */
export async function copyRun(target: RunStateStore, source: RunState): Promise<void> {
  const { metadata } = source;
  const runId = metadata.runId;
  const created = await target.createRun(newRunOf(metadata, source.events));
  if (created.status === "tombstone") {
    throw new Error(`cannot copy run ${runId}: its idempotency key ${metadata.idempotencyKey} is a tombstone on the target`);
  }
  if (created.runId !== runId) {
    throw new Error(`cannot copy run ${runId}: its idempotency key ${metadata.idempotencyKey} belongs to run ${created.runId} on the target`);
  }
  for (const stepId of source.stack) {
    const value = source.steps.get(stepId);
    if (value === undefined) throw new Error(`cannot copy run ${runId}: step ${stepId} is on the stack but has no value`);
    await target.saveStep(runId, stepId, value);
  }
  if (source.pending.size > 0) await target.addPending(runId, [...source.pending]);
  await target.updateRun(runId, { version: metadata.version, forceStepPlan: metadata.forceStepPlan });
  if (metadata.status !== "Running") {
    await target.finalize(runId, { status: metadata.status, output: undefined, endedAt: metadata.endedAt ?? metadata.createdAt });
  }
  const copied = await target.loadRun(runId);
  const difference = copied === undefined ? "it is missing" : differenceBetween(source, copied);
  if (difference !== undefined) throw new Error(`copy of run ${runId} differs from its source: ${difference}`);
}

/** The first part of two run states that differs, or undefined when they are the same run state. */
export function differenceBetween(a: RunState, b: RunState): string | undefined {
  // JSON drops `undefined` fields, which some backends keep and others omit.
  if (!isDeepStrictEqual(JSON.parse(JSON.stringify(a.metadata)), JSON.parse(JSON.stringify(b.metadata)))) return "metadata";
  if (!isDeepStrictEqual(a.events, b.events)) return "events";
  if (!isDeepStrictEqual(a.stack, b.stack)) return "stack";
  if (!isDeepStrictEqual(new Map(a.steps), new Map(b.steps))) return "step values";
  if (!isDeepStrictEqual([...a.pending].sort(), [...b.pending].sort())) return "pending steps";
  return undefined;
}
