import type { ApiBulkDryRun, ApiBulkOperation, ApiBulkRequest } from "@weft/core";
import { parseDuration } from "@weft/core";
import { api } from "./api-client.js";
import { UsageError } from "./args.js";

/** The flags `weft cancel` and `weft replay` take to act on many runs at once. */
export const bulkFlags = {
  fn: { type: "string" as const },
  since: { type: "string" as const },
  until: { type: "string" as const },
  status: { type: "string" as const },
  if: { type: "string" as const },
  "from-step": { type: "string" as const },
  "dry-run": { type: "boolean" as const, default: false },
};

export interface BulkFlagValues {
  fn?: string;
  since?: string;
  until?: string;
  status?: string;
  if?: string;
  "from-step"?: string;
  "dry-run"?: boolean;
}

/** Whether any flag that selects runs was given. */
export function hasBulkFilter(values: BulkFlagValues): boolean {
  return [values.fn, values.since, values.until, values.status, values.if].some((v) => v !== undefined);
}

/**
 * `weft cancel --fn F --since T --until T --if EXPR [--dry-run]` and `weft replay … [--status
 * Failed,Cancelled] [--from-step ID]`: starts the bulk operation and prints its progress until it
 * is done (or, with --dry-run, the number of runs it would act on).
 */
export async function bulk(kind: "cancel" | "replay", base: string, values: BulkFlagValues, now = Date.now()): Promise<void> {
  const body: ApiBulkRequest = {
    function_id: values.fn,
    started_after: timeFlag("--since", values.since, now),
    started_before: timeFlag("--until", values.until, now),
    if: values.if,
    from_step: values["from-step"],
    dry_run: values["dry-run"] || undefined,
  };
  if (values.status !== undefined) body.status = values.status.split(",").map((s) => s.trim()) as ApiBulkRequest["status"];
  const path = kind === "cancel" ? "/v1/cancellations" : "/v1/replays";
  const verb = kind === "cancel" ? "cancel" : "replay";
  if (body.dry_run) {
    const { data } = await api<{ data: ApiBulkDryRun }>(base, "POST", path, body);
    console.log(`dry run: would ${verb} ${data.matched} run(s)`);
    return;
  }
  let { data: op } = await api<{ data: ApiBulkOperation }>(base, "POST", path, body);
  console.log(`${kind === "cancel" ? "cancellation" : "replay"} ${op.id} started`);
  while (op.status !== "done") {
    await new Promise((r) => setTimeout(r, 500));
    op = (await api<{ data: ApiBulkOperation }>(base, "GET", `${path}/${op.id}`)).data;
    console.log(progressLine(op));
  }
  if (op.status === "done" && op.matched === 0) console.log("no run matched");
}

export function progressLine(op: ApiBulkOperation): string {
  const acted = op.kind === "cancel" ? `${op.cancelled ?? 0} cancelled` : `${op.replayed ?? 0} replayed`;
  return `${op.status}: ${op.matched} matched, ${acted}${op.skipped ? `, ${op.skipped} skipped` : ""}`;
}

/** An ISO time, epoch milliseconds, or a duration back from now (`2h`: two hours ago). */
function timeFlag(flag: string, text: string | undefined, now: number): string | number | undefined {
  if (text === undefined) return undefined;
  if (/^\d{4}-\d{2}-\d{2}/.test(text)) {
    if (Number.isNaN(Date.parse(text))) throw new UsageError(`${flag}: "${text}" is not a valid date`);
    return text;
  }
  if (/^\d{12,}$/.test(text)) return Number(text);
  try {
    return now - parseDuration(text);
  } catch {
    throw new UsageError(`${flag} takes an ISO time, epoch milliseconds or a duration back from now (2h), not "${text}"`);
  }
}
