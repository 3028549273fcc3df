// The official middleware and middleware-like features of inngest v4, unmodified, on Weft: the
// encryption middleware (@inngest/middleware-encryption), a custom logger, and step.ai.wrap.
import { isEncryptedValue, encryptionMiddleware } from "@inngest/middleware-encryption";
import { Inngest } from "inngest";
import { serve } from "inngest/node";
import { describe, expect, it } from "vitest";
import { serveListener } from "../src/adapters/serve-node.js";
import { api, runsOf, runWithStatus, stepsOf } from "../src/harness.js";
import { useWeft } from "../src/scenarios/context.js";
import { syncApp } from "../src/serve-inngest.js";

describe("inngest v4 middleware on Weft (SQLite)", () => {
  const env = useWeft();

  it("encryption middleware: step outputs, function output and data.encrypted are stored encrypted and round-trip", async () => {
    const seen: unknown[] = [];
    // The middleware's types name inngest's CommonJS typings, the test the ESM ones: same class at run time.
    const encryption = encryptionMiddleware({ key: "compat-test-key-0123456789" }) as never;
    const inngest = new Inngest({ id: "mw-encryption", baseUrl: env.weft.url, isDev: true, middleware: [encryption] });
    const fn = inngest.createFunction({ id: "secret", triggers: [{ event: "compat/mw.secret" }] }, async ({ event, step }) => {
      const pin = (event.data as { encrypted: { pin: string } }).encrypted.pin;
      const card = await step.run("read-card", () => ({ number: `4242-${pin}` }));
      // The sleep ends the call: the next call gets read-card's output back from Weft, encrypted.
      await step.sleep("pause", "1s");
      seen.push({ card, pin, plain: (event.data as { plain: string }).plain });
      return { card };
    });
    const app = env.track(await serveListener(serve({ client: inngest, functions: [fn] })));
    expect(await syncApp(env.weft, app.url)).toMatchObject({ ok: true });

    const { ids } = await inngest.send({ name: "compat/mw.secret", data: { plain: "visible", encrypted: { pin: "1234" } } });
    const [run] = await runsOf(env.weft, ids[0] as string);
    const done = await runWithStatus(env.weft, run!.run_id, "Completed");

    // In the app, after a round trip through Weft: plaintext again.
    expect(seen.at(-1)).toEqual({ card: { number: "4242-1234" }, pin: "1234", plain: "visible" });
    // In Weft: only ciphertext for what the middleware encrypts.
    const { data: event } = await api<{ data: { data: { plain: string; encrypted: unknown } } }>(env.weft.url, "GET", `/v1/events/${ids[0]}`);
    expect(event.data.plain).toBe("visible");
    expect(isEncryptedValue(event.data.encrypted)).toBe(true);
    const step = (await stepsOf(env.weft, run!.run_id)).find((s) => s.name === "read-card");
    expect(step?.status).toBe("Completed");
    expect(isEncryptedValue(step?.output)).toBe(true);
    expect(JSON.stringify(step?.output)).not.toContain("4242");
    expect(isEncryptedValue(done.output)).toBe(true);
  });

  it("a custom logger gets the function's log lines, once each although the function is replayed", async () => {
    const lines: string[] = [];
    const logger = {
      info: (...args: unknown[]) => void lines.push(args.map(String).join(" ")),
      warn: () => {},
      error: () => {},
      debug: () => {},
    };
    const inngest = new Inngest({ id: "mw-logger", baseUrl: env.weft.url, isDev: true, logger });
    const fn = inngest.createFunction({ id: "logs", triggers: [{ event: "compat/mw.logs" }] }, async ({ step, logger: log }) => {
      log.info("compat-log before the sleep");
      await step.sleep("pause", "1s");
      log.info("compat-log after the sleep");
      return "logged";
    });
    const app = env.track(await serveListener(serve({ client: inngest, functions: [fn] })));
    expect(await syncApp(env.weft, app.url)).toMatchObject({ ok: true });
    const { ids } = await inngest.send({ name: "compat/mw.logs", data: {} });
    const [run] = await runsOf(env.weft, ids[0] as string);
    expect((await runWithStatus(env.weft, run!.run_id, "Completed")).output).toBe("logged");
    expect(lines.filter((l) => l.includes("compat-log"))).toEqual(["compat-log before the sleep", "compat-log after the sleep"]);
  });

  it("step.ai.wrap is one step on the run's timeline, with the wrapped call's result", async () => {
    const inngest = new Inngest({ id: "mw-ai-wrap", baseUrl: env.weft.url, isDev: true });
    const fn = inngest.createFunction({ id: "wrap", triggers: [{ event: "compat/mw.ai-wrap" }] }, async ({ step }) => {
      const summarise = async (text: string) => ({ summary: text.slice(0, 5) });
      const result = await step.ai.wrap("summarise", summarise, "hello world");
      return result;
    });
    const app = env.track(await serveListener(serve({ client: inngest, functions: [fn] })));
    expect(await syncApp(env.weft, app.url)).toMatchObject({ ok: true });
    const { ids } = await inngest.send({ name: "compat/mw.ai-wrap", data: {} });
    const [run] = await runsOf(env.weft, ids[0] as string);
    expect((await runWithStatus(env.weft, run!.run_id, "Completed")).output).toEqual({ summary: "hello" });
    const steps = await stepsOf(env.weft, run!.run_id);
    expect(steps.filter((s) => s.name === "summarise")).toEqual([expect.objectContaining({ status: "Completed", output: { summary: "hello" } })]);
  });
});
