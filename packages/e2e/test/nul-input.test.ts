// NUL characters on Postgres, whose text columns cannot hold them: a NUL in a query value or a
// path parameter is the client's mistake and answers 400 (it answered 503, the store's refusal),
// and a step whose name holds a NUL keeps its timeline line (it was lost to the same refusal).
// Postgres only: SQLite and memory store NULs as they are.
import { Weft } from "@weft/sdk";
import { request } from "undici";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dropTestData, testBackend } from "../src/backends.js";
import { runOf, runWithStatus, serveApp, startTestWeft, stepsOf, type TestWeft } from "../src/index.js";

const postgres = await testBackend("postgres");
const schema = `nul_${process.pid}_${Date.now()}`;
let weft: TestWeft;
let app: { close(): Promise<void> } | undefined;

beforeAll(async () => {
  if (!postgres) return;
  weft = await startTestWeft({ store: { db: `${postgres}?schema=${schema}` } });
  const client = new Weft({ id: "nul-app", baseUrl: weft.url });
  const fn = client.createFunction({ id: "nul-step" }, { event: "nul/step" }, async ({ step }) => {
    const value = await step.run("before\u0000after", () => "a\u0000b");
    return value.length;
  });
  app = await serveApp(weft, client, [fn]);
});
afterAll(async () => {
  await app?.close();
  await weft?.close();
  await dropTestData({ postgres, schemas: [schema] });
});

describe.runIf(postgres)("NUL characters on Postgres", () => {
  it("in a query value or a path parameter answer 400 naming the problem", async () => {
    for (const path of [
      "/v1/events?name=%00",
      "/v1/events?cursor=%00",
      "/v1/runs?cursor=a%00",
      "/v1/runs?function_id=%00",
      "/v1/runs/%00",
      "/v1/runs/%00/steps",
      "/v1/events/x%00y",
      "/v1/functions/%00",
    ]) {
      const res = await request(new URL(path, weft.url));
      const body = (await res.body.json()) as { error?: string };
      expect(res.statusCode, path).toBe(400);
      expect(body.error, path).toMatch(/NUL/);
    }
  });

  it("in a step name keep the step's timeline line", { timeout: 15_000 }, async () => {
    const run = await runOf(weft, "nul/step");
    expect((await runWithStatus(weft, run.run_id, "Completed")).output).toBe(3);
    const steps = await stepsOf(weft, run.run_id);
    const line = steps.find((s) => s.name.startsWith("before"));
    expect(line, JSON.stringify(steps)).toMatchObject({ name: "before\u2400after", status: "Completed", output: "a\u0000b" });
  });
});
