// Two engines on one store (as two processes would be) schedule the same cron: each tick starts
// one run. The driver here is an in-process stand-in for the app (the Driver interface is the
// engine's own port; stores stay real).
import { createMemoryStores } from "@weft/store";
import { afterEach, describe, expect, it } from "vitest";
import { Engine, silentLogger, type Driver, type DriverRequest } from "../src/index.js";

class CountingDriver implements Driver {
  calls: DriverRequest[] = [];
  async call(req: DriverRequest) {
    this.calls.push(req);
    return { type: "complete" as const, data: "ticked" };
  }
  async close() {}
}

const engines: Engine[] = [];
afterEach(async () => {
  await Promise.all(engines.splice(0).map((e) => e.stop()));
});

describe("cron across engines", () => {
  it("fires each tick once however many engines schedule it", async () => {
    const stores = createMemoryStores();
    const offset = 60_000 - (Date.now() % 60_000) - 300;
    const clock = { now: () => Date.now() + offset };
    const driver = new CountingDriver();
    for (let i = 0; i < 3; i++) engines.push(new Engine({ stores, driver, clock, log: silentLogger, pollMs: 50 }));
    await engines[0]!.register({
      appName: "clock-app",
      url: "http://127.0.0.1:1/api",
      functions: [
        {
          id: "clock-app-tick",
          triggers: [{ cron: "* * * * *" }],
          steps: { step: { id: "step", name: "step", runtime: { type: "http", url: "http://127.0.0.1:1/api" } } },
        },
      ],
    });
    for (const e of engines) await e.start();
    const deadline = Date.now() + 3000;
    while (driver.calls.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
    expect(driver.calls).toHaveLength(1);
    const body = JSON.parse(driver.calls[0]!.body) as { event: { name: string; data: { scheduledAt: string } } };
    expect(body.event.name).toBe("inngest/scheduled.timer");
    expect(Date.parse(body.event.data.scheduledAt) % 60_000).toBe(0);
    // The next tick is queued once: one item left (the tick a minute away).
    await new Promise((r) => setTimeout(r, 200));
    expect(driver.calls).toHaveLength(1);
    expect(await stores.queue.size()).toBe(1);
  });
});
