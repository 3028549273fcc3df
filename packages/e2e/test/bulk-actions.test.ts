// Bulk actions after an incident, through the REST API, on SQLite with a real app over HTTP:
// a bulk cancel by CEL expression cancels exactly the matching runs (a dry run first counts them
// and touches nothing), a bulk replay reruns exactly the selected runs from the same events, and
// bad filters are refused with a 400 naming the problem. (The crash-tolerant, two-process run of a
// 5,000-run cancel on Postgres is bulk-cancel-processes.test.ts.)
import type { ApiBulkDryRun, ApiBulkOperation } from "@weft/core";
import { NonRetriableError, Weft } from "@weft/sdk";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { api, runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, stepsOf, waitFor, type ApiRun, type TestWeft } from "../src/index.js";

let weft: TestWeft;
let app: { close(): Promise<void> };
const fn = "bulk-app-sleeper";

beforeAll(async () => {
  weft = await startTestWeft({ store: "sqlite" });
  const client = new Weft({ id: "bulk-app", baseUrl: weft.url });
  app = await serveApp(weft, client, [
    client.createFunction({ id: "sleeper" }, { event: "bulk/sleep" }, async ({ event, step }) => {
      await step.run("start", () => event.data.n);
      await step.sleep("nap", "1h");
      return event.data.n;
    }),
    client.createFunction({ id: "flaky", retries: 0 }, { event: "bulk/flaky" }, async ({ event, step }) => {
      return step.run("try", () => {
        if (event.data.fail) throw new NonRetriableError(`failed ${event.data.n}`);
        return event.data.n;
      });
    }),
  ]);
});
afterAll(async () => {
  await app?.close();
  await weft?.close();
});

async function post(path: string, body: unknown): Promise<{ status: number; json: { data?: unknown; error?: string } }> {
  const res = await request(new URL(path, weft.url), { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  return { status: res.statusCode, json: (await res.body.json()) as { data?: unknown; error?: string } };
}

function finished(path: string, id: string): Promise<ApiBulkOperation> {
  return waitFor(async () => {
    const { data } = await api<{ data: ApiBulkOperation }>(weft.url, "GET", `${path}/${id}`);
    return data.status === "done" ? data : undefined;
  }, `${path}/${id} to be done`);
}

describe("bulk cancel and replay", () => {
  const sleepers = new Map<number, string>(); // n → run id

  it("a dry run counts the matching runs and cancels none; the cancel then cancels exactly those", { timeout: 30_000 }, async () => {
    const ids = await sendEvents(
      weft,
      Array.from({ length: 20 }, (_, n) => ({ name: "bulk/sleep", data: { n, parity: n % 2 === 0 ? "even" : "odd" } })),
    );
    for (const [n, id] of ids.entries()) sleepers.set(n, ((await runsOf(weft, id))[0] as ApiRun).run_id);
    for (const runId of sleepers.values()) {
      await waitFor(async () => ((await stepsOf(weft, runId)).some((s) => s.op === "Sleep") ? true : undefined), `run ${runId} to sleep`);
    }
    const filter = { function_id: fn, if: "event.data.parity == 'even'" };
    const dry = await post("/v1/cancellations", { ...filter, dry_run: true });
    expect(dry.status).toBe(200);
    expect(dry.json.data as ApiBulkDryRun).toEqual({ dry_run: true, matched: 10 });
    for (const runId of sleepers.values()) expect((await api<{ data: ApiRun }>(weft.url, "GET", `/v1/runs/${runId}`)).data.status).toBe("Running");

    // Inngest's shape: app_id plus the function's own id.
    const started = await post("/v1/cancellations", { app_id: "bulk-app", function_id: "sleeper", if: filter.if });
    expect(started.status).toBe(201);
    const op = started.json.data as ApiBulkOperation;
    expect(op).toMatchObject({ kind: "cancel", function_id: fn, if: filter.if });
    expect(await finished("/v1/cancellations", op.id)).toMatchObject({ status: "done", matched: 10, cancelled: 10, skipped: 0 });
    for (const [n, runId] of sleepers) {
      const run = (await api<{ data: ApiRun }>(weft.url, "GET", `/v1/runs/${runId}`)).data;
      expect([n, run.status]).toEqual([n, n % 2 === 0 ? "Cancelled" : "Running"]);
    }
    // Done again, nothing is left to match.
    expect((await post("/v1/cancellations", { ...filter, dry_run: true })).json.data).toEqual({ dry_run: true, matched: 0 });
  });

  it("a bulk replay reruns exactly the selected runs from the same events", { timeout: 30_000 }, async () => {
    const dry = await post("/v1/replays", { function_id: fn, status: "Cancelled", dry_run: true });
    expect(dry.json.data).toEqual({ dry_run: true, matched: 10 });
    const started = await post("/v1/replays", { function_id: fn, status: "Cancelled" });
    expect(started.status).toBe(201);
    const op = await finished("/v1/replays", (started.json.data as ApiBulkOperation).id);
    expect(op).toMatchObject({ matched: 10, replayed: 10, skipped: 0 });
    for (const [n, runId] of sleepers) {
      const { data: original } = await api<{ data: ApiRun }>(weft.url, "GET", `/v1/runs/${runId}`);
      const { data: runs } = await api<{ data: ApiRun[] }>(weft.url, "GET", `/v1/events/${original.event_id}/runs`);
      // Even runs were cancelled and now have a rerun from their event; odd ones were not selected.
      expect([n, runs.length]).toEqual([n, n % 2 === 0 ? 2 : 1]);
      const rerun = runs.find((r) => r.run_id !== runId);
      if (rerun) await waitFor(async () => ((await stepsOf(weft, rerun.run_id)).some((s) => s.op === "Sleep") ? true : undefined), "the rerun to sleep");
    }
  });

  it("a replay of chosen runs (the dashboard's selection) reruns those and no other", { timeout: 30_000 }, async () => {
    const ids = await sendEvents(
      weft,
      [0, 1, 2].map((n) => ({ name: "bulk/flaky", data: { n, fail: true } })),
    );
    const failed = await Promise.all(ids.map(async (id) => ((await runsOf(weft, id))[0] as ApiRun).run_id));
    for (const runId of failed) await runWithStatus(weft, runId, "Failed");
    const chosen = failed.slice(0, 2);
    const started = await post("/v1/replays", { run_ids: chosen });
    const op = await finished("/v1/replays", (started.json.data as ApiBulkOperation).id);
    expect(op).toMatchObject({ matched: 2, replayed: 2 });
    for (const [i, id] of ids.entries()) {
      const { data: runs } = await api<{ data: ApiRun[] }>(weft.url, "GET", `/v1/events/${id}/runs`);
      expect(runs.length).toBe(i < 2 ? 2 : 1);
    }
  });

  it("refuses bad filters with a 400 that names the problem", async () => {
    const cases: [string, unknown, RegExp][] = [
      ["/v1/cancellations", { function_id: fn, if: "event.data.n ==" }, /"if" does not compile/],
      ["/v1/cancellations", { function_id: fn, if: "nosuchfn(event)" }, /"if" does not compile.*nosuchfn/],
      ["/v1/cancellations", {}, /at least one of function_id/],
      ["/v1/cancellations", { function_id: fn, status: "Failed" }, /acts on Running runs, not Failed/],
      ["/v1/replays", { function_id: fn, status: "Running" }, /acts on Failed or Cancelled runs, not Running/],
      ["/v1/replays", { function_id: fn, started_after: "yesterday" }, /started_after must be an ISO time/],
      ["/v1/replays", { function_id: fn, started_after: "2026-02-02T00:00:00Z", started_before: "2026-01-01T00:00:00Z" }, /later than started_before/],
      ["/v1/cancellations", { function_id: fn, colour: "red" }, /unknown field "colour"/],
      ["/v1/cancellations", [1], /body must be a JSON object/],
    ];
    for (const [path, body, message] of cases) {
      const res = await post(path, body);
      expect([path, res.status]).toEqual([path, 400]);
      expect(res.json.error).toMatch(message);
    }
    const missing = await request(new URL("/v1/cancellations/01NOPE", weft.url));
    expect(missing.statusCode).toBe(404);
    await missing.body.dump();
  });
});
