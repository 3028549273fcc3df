import type { ApiRun, ApiRunPage, ApiStep } from "@weft/core";
import { api } from "./api-client.js";
import { bulk, bulkFlags, hasBulkFilter } from "./bulk-commands.js";
import { parse, UsageError } from "./args.js";
import { duration, short, table } from "./format.js";

const defaultUrl = process.env.WEFT_URL ?? "http://127.0.0.1:8288";

/** `weft send NAME [--data JSON] [--user JSON] [--id ID]`. */
export async function send(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    data: { type: "string", default: "{}" },
    user: { type: "string" },
    id: { type: "string" },
    url: { type: "string", default: defaultUrl },
    key: { type: "string", default: process.env.WEFT_EVENT_KEY ?? "dev" },
  });
  const name = positionals[0];
  if (!name) throw new UsageError("weft send needs an event name: weft send app/user.created --data '{...}'");
  const data = jsonArg("--data", values.data ?? "{}");
  const user = values.user === undefined ? undefined : jsonArg("--user", values.user);
  const res = await api<{ ids: string[] }>(values.url ?? defaultUrl, "POST", `/e/${encodeURIComponent(values.key ?? "dev")}`, [
    { name, data, ...(user !== undefined ? { user } : {}), ...(values.id ? { id: values.id } : {}) },
  ]);
  console.log(`sent ${name}: event id ${res.ids.join(", ")}`);
}

/** `weft signal NAME [--data JSON]`: resume the run waiting in `step.waitForSignal` on NAME. */
export async function signal(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    data: { type: "string", default: "{}" },
    url: { type: "string", default: defaultUrl },
  });
  const name = positionals[0];
  if (!name) throw new UsageError("weft signal needs a signal name: weft signal order-123 --data '{...}'");
  const data = jsonArg("--data", values.data ?? "{}");
  // A 404 (no run waits on the signal) comes back as the server's one-line error.
  const res = await api<{ data: { run_id: string } }>(values.url ?? defaultUrl, "POST", "/v1/signals", { signal: name, data });
  console.log(`signalled ${name}: resumed run ${res.data.run_id}`);
}

function jsonArg(flag: string, text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new UsageError(`${flag} is not valid JSON: ${(e as Error).message}`);
  }
}

/** `weft runs [--status S] [--function ID] [--limit N]`. */
export async function runs(argv: string[]): Promise<void> {
  const { values } = parse(argv, {
    status: { type: "string" },
    function: { type: "string" },
    limit: { type: "string", default: "20" },
    url: { type: "string", default: defaultUrl },
  });
  const query = new URLSearchParams({ limit: values.limit ?? "20" });
  if (values.status) query.set("status", values.status);
  if (values.function) query.set("function_id", values.function);
  const res = await api<ApiRunPage>(values.url ?? defaultUrl, "GET", `/v1/runs?${query}`);
  if (res.data.length === 0) {
    console.log("no runs yet");
    return;
  }
  const rows = res.data.map((r) => [r.run_id, r.status, r.function_id, r.run_started_at, duration(r.run_started_at, r.ended_at)]);
  console.log(table([["RUN", "STATUS", "FUNCTION", "STARTED", "DURATION"], ...rows]));
}

/** `weft run RUN_ID`: the run and its step timeline. */
export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { url: { type: "string", default: defaultUrl } });
  const runId = positionals[0];
  if (!runId) throw new UsageError("weft run needs a run id (see `weft runs`)");
  const base = values.url ?? defaultUrl;
  const { data: r } = await api<{ data: ApiRun }>(base, "GET", `/v1/runs/${encodeURIComponent(runId)}`);
  const { data: steps } = await api<{ data: ApiStep[] }>(base, "GET", `/v1/runs/${encodeURIComponent(runId)}/steps`);
  console.log(`${r.run_id}  ${r.function_id}  ${r.status}  ${duration(r.run_started_at, r.ended_at)}`);
  console.log(`event ${r.event_id}`);
  if (r.status !== "Running") console.log(`output ${short(r.output, 200)}`);
  if (steps.length === 0) return;
  const start = Date.parse(steps[0]?.started_at ?? r.run_started_at);
  const rows = steps.map((s) => [
    `+${Date.parse(s.started_at) - start}ms`,
    s.name,
    s.op,
    s.status,
    String(s.attempt),
    duration(s.started_at, s.ended_at),
    short(s.error ?? s.output),
  ]);
  console.log(table([["AT", "STEP", "OP", "STATUS", "ATTEMPT", "TOOK", "OUTPUT / ERROR"], ...rows]));
}

/** `weft cancel RUN_ID`, or many runs: `weft cancel --fn F --since T --until T --if EXPR [--dry-run]`. */
export async function cancel(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { url: { type: "string", default: defaultUrl }, ...bulkFlags });
  const runId = positionals[0];
  if (hasBulkFilter(values)) {
    if (runId) throw new UsageError("weft cancel takes a run id or filters (--fn, --since, --until, --if), not both");
    return bulk("cancel", values.url ?? defaultUrl, values);
  }
  if (!runId) throw new UsageError("weft cancel needs a run id, or filters: --fn F --since T --until T --if EXPR [--dry-run]");
  await api(values.url ?? defaultUrl, "POST", `/v1/runs/${encodeURIComponent(runId)}/cancel`);
  console.log(`cancelled ${runId}`);
}

/** `weft replay RUN_ID [--from-step ID]`, or many: `weft replay --fn F --since T --until T --status Failed,Cancelled --if EXPR [--dry-run]`. */
export async function replay(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { url: { type: "string", default: defaultUrl }, ...bulkFlags });
  const runId = positionals[0];
  const base = values.url ?? defaultUrl;
  if (hasBulkFilter(values)) {
    if (runId) throw new UsageError("weft replay takes a run id or filters (--fn, --since, --until, --status, --if), not both");
    return bulk("replay", base, values);
  }
  if (!runId) throw new UsageError("weft replay needs a run id, or filters: --fn F --since T --until T --status Failed,Cancelled --if EXPR [--dry-run]");
  const step = values["from-step"];
  const path = `/v1/runs/${encodeURIComponent(runId)}/${step ? "replay" : "rerun"}`;
  const { data } = await api<{ data: { run_id: string } }>(base, "POST", path, step ? { step_id: step } : undefined);
  console.log(`replayed ${runId} as ${data.run_id}`);
}

/** `weft functions [pause|resume|cancel ID]`: list functions, or pause, resume or cancel all runs of one. */
export async function functions(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, { url: { type: "string", default: defaultUrl } });
  const base = values.url ?? defaultUrl;
  const [action, id] = positionals;
  if (action === undefined || action === "list") {
    const { data } = await api<{ data: { id: string; triggers: unknown[] }[] }>(base, "GET", "/v1/functions");
    console.log(data.length === 0 ? "no functions synced" : table([["FUNCTION", "TRIGGERS"], ...data.map((f) => [f.id, short(f.triggers, 80)])]));
    return;
  }
  if (!["pause", "resume", "cancel"].includes(action) || !id) throw new UsageError("usage: weft functions [list] | pause ID | resume ID | cancel ID");
  const { data } = await api<{ data: { cancelled?: number } }>(base, "POST", `/v1/functions/${encodeURIComponent(id)}/${action}`);
  console.log(action === "cancel" ? `cancelled ${data.cancelled} running run(s) of ${id}` : `${action === "pause" ? "paused" : "resumed"} ${id}`);
}
