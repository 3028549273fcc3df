// Bad ops as the official SDK (v4) sends them: a sleepUntil years ahead, a sleep of "1000y" (sent
// as a `w d h m s` string of ~52,000 weeks) and a wait whose `if` does not compile each fail the
// run after one call, with a NonRetriableError naming the problem (packages/e2e/test/bad-ops.test.ts
// covers every bad op with a bare app). The SDK itself turns a negative sleep into "" (0 s), which
// is a valid op.
import { beforeAll, describe, expect, it } from "vitest";
import { runOf, runWithStatus, stepsOf } from "../src/harness.js";
import { useWeft } from "../src/scenarios/context.js";
import { inngestV4 } from "../src/sdk-v4.js";
import { callsOfRun, serveAndSync, type ServedApp } from "../src/serve-inngest.js";

describe(`bad ops from ${inngestV4.label}`, () => {
  const env = useWeft({ retryIntervalMs: 20 });
  let app: ServedApp;

  beforeAll(async () => {
    const client = inngestV4.createClient({ id: "bad-ops", baseUrl: env.weft.url });
    const fn = client.createFunction.bind(client);
    app = env.track(
      await serveAndSync(env.weft, inngestV4, client, [
        fn({ id: "sleep-until-9999", retries: 3 }, [{ event: "compat/bad.sleep-until" }], async ({ step }) => {
          await step.sleepUntil("far", new Date("9999-12-31T00:00:00Z"));
          return "woke";
        }),
        fn({ id: "sleep-1000y", retries: 3 }, [{ event: "compat/bad.sleep" }], async ({ step }) => {
          await step.sleep("long", "1000y");
          return "woke";
        }),
        fn({ id: "wait-if-broken", retries: 3 }, [{ event: "compat/bad.wait" }], async ({ step }) =>
          step.waitForEvent("approval", { event: "compat/approved", timeout: "1h", if: "async.data.id ==" }),
        ),
      ]),
    );
  });

  it.each([
    ["compat/bad.sleep-until", /^step "far" \(Sleep\): sleep of "9999-12-31T00:00:00\.000Z" .* longer than the maximum of 366 days/],
    ["compat/bad.sleep", /^step "long" \(Sleep\): sleep of "52\d\d\dw.*" .* longer than the maximum of 366 days/],
    ["compat/bad.wait", /^step "approval" \(WaitForEvent\): waitForEvent's "if" does not compile/],
  ])("%s fails the run after one call", { timeout: 15_000 }, async (event, why) => {
    const run = await runOf(env.weft, event);
    const failed = await runWithStatus(env.weft, run.run_id, "Failed");
    expect(failed.output).toEqual({ name: "NonRetriableError", message: expect.stringMatching(why) });
    const failedLines = (await stepsOf(env.weft, run.run_id)).filter((l) => l.status === "Failed");
    expect(failedLines.map((l) => l.error)).toEqual([failed.output]);
    expect(callsOfRun(app, run.run_id)).toHaveLength(1);
  });
});
