// inngest v3's logger and step.ai.wrap on Weft. (The encryption middleware's v3 line, 1.x, imports
// `inngest` itself, which here resolves to v4: it is covered for v4 only, in middleware-v4.test.ts.)
import { Inngest } from "inngest-v3";
import { serve } from "inngest-v3/node";
import { describe, expect, it } from "vitest";
import { serveListener } from "../src/adapters/serve-node.js";
import { runsOf, runWithStatus, stepsOf } from "../src/harness.js";
import { useWeft } from "../src/scenarios/context.js";
import { syncApp } from "../src/serve-inngest.js";

describe("inngest v3 middleware on Weft (SQLite)", () => {
  const env = useWeft();

  it("a custom logger gets the function's log lines, once each although the function is replayed", async () => {
    const lines: string[] = [];
    const logger = { info: (...args: unknown[]) => void lines.push(args.map(String).join(" ")), warn: () => {}, error: () => {}, debug: () => {} };
    const inngest = new Inngest({ id: "mw3-logger", baseUrl: env.weft.url, isDev: true, logger });
    const fn = inngest.createFunction({ id: "logs" }, { event: "compat/mw3.logs" }, async ({ step, logger: log }) => {
      log.info("compat-log before the sleep");
      await step.sleep("pause", "1s");
      log.info("compat-log after the sleep");
      return "logged";
    });
    const app = env.track(await serveListener(serve({ client: inngest, functions: [fn] })));
    expect(await syncApp(env.weft, app.url)).toMatchObject({ ok: true });
    const { ids } = await inngest.send({ name: "compat/mw3.logs", data: {} });
    const [run] = await runsOf(env.weft, ids[0] as string);
    expect((await runWithStatus(env.weft, run!.run_id, "Completed")).output).toBe("logged");
    expect(lines.filter((l) => l.includes("compat-log"))).toEqual(["compat-log before the sleep", "compat-log after the sleep"]);
  });

  it("step.ai.wrap is one step on the run's timeline, with the wrapped call's result", async () => {
    const inngest = new Inngest({ id: "mw3-ai-wrap", baseUrl: env.weft.url, isDev: true });
    const fn = inngest.createFunction({ id: "wrap" }, { event: "compat/mw3.ai-wrap" }, async ({ step }) => {
      const summarise = async (text: string) => ({ summary: text.slice(0, 5) });
      return step.ai.wrap("summarise", summarise, "hello world");
    });
    const app = env.track(await serveListener(serve({ client: inngest, functions: [fn] })));
    expect(await syncApp(env.weft, app.url)).toMatchObject({ ok: true });
    const { ids } = await inngest.send({ name: "compat/mw3.ai-wrap", data: {} });
    const [run] = await runsOf(env.weft, ids[0] as string);
    expect((await runWithStatus(env.weft, run!.run_id, "Completed")).output).toEqual({ summary: "hello" });
    const steps = await stepsOf(env.weft, run!.run_id);
    expect(steps.filter((s) => s.name === "summarise")).toEqual([expect.objectContaining({ status: "Completed", output: { summary: "hello" } })]);
  });
});
