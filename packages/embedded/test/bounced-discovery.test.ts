// A discovery turned away by the one-discovery-per-run guard (another discovery of its run is in
// its call) did nothing: leased again, it is a first delivery, not a repair. As a repair it would
// call the app even though the run moved on past it, one extra call per parallel fan-out.
import { headers } from "@weft/core";
import { Engine, fixedBackoff, InProcessDriver, registerBodyFromInBand, silentLogger } from "@weft/engine";
import { createServeHandler, Weft } from "@weft/sdk";
import { createMemoryStores } from "@weft/store";
import { afterEach, expect, it } from "vitest";

let engine: Engine | undefined;
afterEach(async () => {
  await engine?.stop();
  engine = undefined;
});

const delay = (ms: number) => new Promise((r) => setTimeout(r, ms));
const url = "http://embedded/api/inngest";

it("a fan-out's discoveries bounced while another runs are not run again as repairs: no extra call", async () => {
  // The classic path, one call per parallel step, as the official SDK takes it.
  const weft = new Weft({ id: "bounced", parallelSteps: false });
  const fn = weft.createFunction({ id: "fn" }, { event: "bounced/start" }, async ({ step }) => {
    const parts = await Promise.all([0, 40, 40].map((ms, i) => step.run(`part-${i}`, () => delay(ms).then(() => i))));
    await step.sleep("nap", "300ms");
    return parts;
  });
  const handler = createServeHandler({ client: weft, functions: [fn], serveHost: "http://embedded" }, "embedded");
  const calls: string[] = [];
  const driver = new InProcessDriver(async (req) => {
    const body = JSON.parse(req.body) as { ctx: { stack: { stack: string[] }; disable_immediate_execution: boolean } };
    const stepId = new URL(req.url).searchParams.get("stepId");
    calls.push(stepId === "step" ? `discovery at ${body.ctx.stack.stack.length}` : "step");
    // The discovery queued by the first part to finish is still in its call when the other two
    // finish: their discoveries are turned away by the guard, and come back once it is over.
    if (stepId === "step" && body.ctx.disable_immediate_execution) await delay(150);
    return handler(req);
  });
  const stores = createMemoryStores();
  await stores.init();
  engine = new Engine({ stores, driver, backoff: fixedBackoff(10), log: silentLogger, pollMs: 1000 });
  const sync = await handler({
    method: "PUT",
    url,
    headers: { [headers.syncKind]: "in_band", "content-type": "application/json" },
    body: JSON.stringify({ url }),
  });
  await engine.register(registerBodyFromInBand(JSON.parse(sync.body), url));
  await engine.start();

  const [eventId] = await engine.send({ name: "bounced/start", data: {} });
  let runId: string | undefined;
  while (!runId) runId = (await stores.history.runsOfEvent(eventId as string))[0]?.runId ?? (await delay(5), undefined);
  const deadline = Date.now() + 10_000;
  let run = await stores.history.getRun(runId);
  while (run?.status === "Running" && Date.now() < deadline) {
    await delay(5);
    run = await stores.history.getRun(runId);
  }
  expect(run?.status).toBe("Completed");
  expect(JSON.parse(run?.output ?? "{}")).toEqual({ data: [0, 1, 2] });
  // The discovery at 1 runs while the other parts are pending. Of the two bounced ones (queued at
  // stack lengths 2 and 3), one calls and finds the sleep; the other is superseded (no second call
  // at 3). The sleep's end calls once more.
  expect(calls).toEqual(["discovery at 0", "step", "step", "step", "discovery at 1", "discovery at 3", "discovery at 4"]);
});
