import type { RunRecord } from "@weft/store";

const alphabet = "0123456789ABCDEFGHJKMNPQRSTVWXYZ";

/** The smallest ULID of a millisecond: every id made at or after `ms` sorts at or above it. */
function ulidFloor(ms: number): string {
  let time = "";
  for (let i = 0, t = ms; i < 10; i++, t = Math.floor(t / 32)) time = alphabet[t % 32] + time;
  return `${time}${"0".repeat(16)}`;
}

function timeOf(raw: string | null, name: string): number | undefined | string {
  if (raw === null || raw === "") return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  return Number.isFinite(ms) && ms >= 0 ? ms : `${name} must be an ISO time or epoch milliseconds`;
}

export interface RunTimeRange {
  /** The page's upper bound: the cursor or the range's end, whichever is lower. */
  before: string | undefined;
  /** Keep runs of a page at or above this id; the page is the last one if it drops any. */
  trim(runs: RunRecord[]): { runs: RunRecord[]; exhausted: boolean };
}

/**
 * `from` / `to` on `GET /v1/runs`, on the run-id index alone: run ids are ULIDs, so a start time
 * is an id bound. `to` lowers the page's upper bound and `from` ends paging at the first older run,
 * so a range costs one indexed page like any other, never a scan by start time.
 */
export function runTimeRange(query: URLSearchParams): RunTimeRange | string {
  const from = timeOf(query.get("from"), "from");
  const to = timeOf(query.get("to"), "to");
  if (typeof from === "string") return from;
  if (typeof to === "string") return to;
  const cursor = query.get("cursor") ?? undefined;
  const end = to === undefined ? undefined : ulidFloor(to + 1);
  const before = cursor === undefined ? end : end === undefined || cursor < end ? cursor : end;
  const floor = from === undefined ? undefined : ulidFloor(from);
  return {
    before,
    trim(runs) {
      if (floor === undefined) return { runs, exhausted: false };
      const kept = runs.filter((r) => r.runId >= floor);
      return { runs: kept, exhausted: kept.length < runs.length };
    },
  };
}
