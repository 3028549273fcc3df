import type { ApiBulkDryRun, ApiBulkOperation, ApiBulkRequest } from "@weft/core";
import { useEffect, useState } from "react";
import { api } from "../api";

export interface RunFilters {
  status: string;
  function_id: string;
  from: string;
  to: string;
}

type Kind = "cancel" | "replay";
type Stage = { step: "idle" } | { step: "confirm"; kind: Kind; matched: number } | { step: "working"; op: ApiBulkOperation };

const paths: Record<Kind, string> = { cancel: "/v1/cancellations", replay: "/v1/replays" };

/**
 * Cancel or replay many runs: the selected ones, or every run the page's filters match. A dry run
 * counts them first and asks for confirmation; then the operation's progress is shown as a line
 * until it is done (the server works it in pages, so closing the page does not stop it).
 */
export function BulkActions({ selected, filters, onDone }: { selected: string[]; filters: RunFilters; onDone: () => void }) {
  const [stage, setStage] = useState<Stage>({ step: "idle" });
  const [error, setError] = useState<string | undefined>(undefined);
  const filtered = Boolean(filters.function_id || filters.from || filters.to || filters.status);
  const scope = selected.length > 0 ? `${selected.length} selected run(s)` : "the runs the filters match";

  const request = (kind: Kind): ApiBulkRequest => {
    if (selected.length > 0) return { run_ids: selected };
    const body: ApiBulkRequest = {};
    if (filters.function_id) body.function_id = filters.function_id;
    if (filters.from) body.started_after = filters.from;
    if (filters.to) body.started_before = filters.to;
    // A status filter that does not fit the action (cancel only Running, replay only Failed/Cancelled) is refused by the server.
    if (filters.status) body.status = filters.status as ApiBulkRequest["status"];
    else if (kind === "cancel") body.status = "Running";
    return body;
  };

  const count = async (kind: Kind) => {
    setError(undefined);
    try {
      const { data } = await api<{ data: ApiBulkDryRun }>(paths[kind], { method: "POST", body: { ...request(kind), dry_run: true } });
      setStage({ step: "confirm", kind, matched: data.matched });
    } catch (e) {
      setError((e as Error).message);
    }
  };

  const start = async (kind: Kind) => {
    setError(undefined);
    try {
      const { data } = await api<{ data: ApiBulkOperation }>(paths[kind], { method: "POST", body: request(kind) });
      setStage({ step: "working", op: data });
    } catch (e) {
      setError((e as Error).message);
      setStage({ step: "idle" });
    }
  };

  const op = stage.step === "working" ? stage.op : undefined;
  useEffect(() => {
    if (!op || op.status === "done") return;
    const timer = setTimeout(() => {
      api<{ data: ApiBulkOperation }>(`${paths[op.kind]}/${op.id}`).then(
        ({ data }) => {
          setStage({ step: "working", op: data });
          if (data.status === "done") onDone();
        },
        (e: Error) => setError(e.message),
      );
    }, 500);
    return () => clearTimeout(timer);
  }, [op, onDone]);

  const disabled = selected.length === 0 && !filtered;
  return (
    <section className="actions bulk-actions" aria-label="Bulk actions">
      {stage.step !== "confirm" && (
        <>
          <button type="button" className="danger" disabled={disabled || op?.status === "running"} onClick={() => void count("cancel")}>
            Cancel…
          </button>
          <button type="button" disabled={disabled || op?.status === "running"} onClick={() => void count("replay")}>
            Replay…
          </button>
          <p>{disabled ? "Select runs or set a filter to cancel or replay many at once." : `Acts on ${scope}.`}</p>
        </>
      )}
      {stage.step === "confirm" && (
        <>
          <p role="status">
            {stage.matched === 0
              ? `No run to ${stage.kind} among ${scope}.`
              : `${stage.kind === "cancel" ? "Cancel" : "Replay"} ${stage.matched} run(s)${stage.kind === "cancel" ? " that are running" : " that failed or were cancelled"}?`}
          </p>
          {stage.matched > 0 && (
            <button type="button" className={stage.kind === "cancel" ? "danger" : undefined} onClick={() => void start(stage.kind)}>
              {stage.kind === "cancel" ? `Cancel ${stage.matched}` : `Replay ${stage.matched}`}
            </button>
          )}
          <button type="button" onClick={() => setStage({ step: "idle" })}>
            Back
          </button>
        </>
      )}
      {op && (
        <p role="status" aria-live="polite">
          {op.kind === "cancel" ? "Cancellation" : "Replay"} {op.status === "done" ? "done" : "in progress"}: {op.matched} matched,{" "}
          {op.kind === "cancel" ? `${op.cancelled ?? 0} cancelled` : `${op.replayed ?? 0} replayed`}
          {op.skipped ? `, ${op.skipped} skipped` : ""}
        </p>
      )}
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
