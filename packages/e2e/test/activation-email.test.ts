// The workflow of issue 2, end to end: the example app served by the SDK over real HTTP, a Weft
// server on SQLite, events through the public API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runsOf, runWithStatus, sendEvents, serveApp, startTestWeft, stepsOf, waitFor, type TestWeft } from "../src/index.js";

let weft: TestWeft;
let app: { close(): Promise<void> };

beforeAll(async () => {
  weft = await startTestWeft();
  process.env.WEFT_BASE_URL = weft.url;
  const example = await import("../../../examples/activation-email/src/index.js");
  app = await serveApp(weft, example.weft, example.functions);
});

afterAll(async () => {
  await app?.close();
  await weft?.close();
});

describe("activation email", () => {
  it("waits for the post and completes when it arrives", async () => {
    process.env.ACTIVATION_TIMEOUT = "24h";
    const [eventId] = await sendEvents(weft, { name: "app/user.created", data: { user: { id: "u1" } }, user: { email: "ada@example.com" } });
    const [run] = await runsOf(weft, eventId!);
    // The run parks on the wait: two steps done, one waiting.
    const waiting = await waitFor(async () => {
      const steps = await stepsOf(weft, run!.run_id);
      return steps.some((s) => s.op === "WaitForEvent" && s.status === "Waiting") ? steps : undefined;
    }, "the wait to be registered");
    expect(waiting.filter((s) => s.status === "Completed").map((s) => s.name)).toEqual(["load-user", "send-welcome-email"]);

    // A post by another user does not resume it; the matching one does.
    await sendEvents(weft, { name: "app/post.created", data: { user: { id: "someone-else" } } });
    await sendEvents(weft, { name: "app/post.created", data: { user: { id: "u1" }, title: "Hello" } });
    const done = await runWithStatus(weft, run!.run_id, "Completed");
    expect(done.output).toEqual({ reminded: false, post: "Hello" });
    const steps = await stepsOf(weft, run!.run_id);
    expect(steps.map((s) => s.name)).not.toContain("send-reminder-email");
    const wait = steps.find((s) => s.op === "WaitForEvent");
    expect(wait?.status).toBe("Completed");
  });

  it("sends the reminder when no post arrives before the timeout", async () => {
    process.env.ACTIVATION_TIMEOUT = "1s";
    const [eventId] = await sendEvents(weft, { name: "app/user.created", data: { user: { id: "u2" } }, user: { email: "bob@example.com" } });
    const [run] = await runsOf(weft, eventId!);
    const done = await runWithStatus(weft, run!.run_id, "Completed");
    expect(done.output).toEqual({ reminded: true });
    const names = (await stepsOf(weft, run!.run_id)).map((s) => s.name);
    expect(names).toContain("send-reminder-email");
  });

  it("ignores a matching event that was sent before the wait existed (no look-back)", async () => {
    process.env.ACTIVATION_TIMEOUT = "1s";
    await sendEvents(weft, { name: "app/post.created", data: { user: { id: "u3" } } });
    const [eventId] = await sendEvents(weft, { name: "app/user.created", data: { user: { id: "u3" } }, user: { email: "cy@example.com" } });
    const [run] = await runsOf(weft, eventId!);
    const done = await runWithStatus(weft, run!.run_id, "Completed");
    expect(done.output).toEqual({ reminded: true });
  });
});
