import { Weft, serveFetch } from "@weft/sdk";
import { describe, expect, it } from "vitest";
import { callBody, h } from "./helpers.js";

describe("serveFetch", () => {
  const weft = new Weft({ id: "app", baseUrl: "http://127.0.0.1:9" });
  const fn = weft.createFunction({ id: "f" }, { event: "app/test" }, async ({ step, event }) => {
    const doubled = await step.run("double", (n: number) => n * 2, Number(event.data.n));
    return { doubled };
  });
  const handler = serveFetch({ client: weft, functions: [fn] });
  const url = "http://app.local/api/inngest";

  it("answers GET introspection with a real Response", async () => {
    const res = await handler(new Request(url));
    expect(res).toBeInstanceOf(Response);
    expect(res.headers.get("x-inngest-sdk")).toBe("weft-js:v0.1.0");
    expect(await res.json()).toMatchObject({ function_count: 1, mode: "dev" });
  });

  it("runs a step from a real Request, passing step.run's extra arguments", async () => {
    const body = callBody({ fnId: "app-f", event: { name: "app/test", data: { n: 21 }, id: "e", ts: 1, user: {} } });
    const res = await handler(new Request(`${url}?fnId=app-f&stepId=step`, { method: "POST", body: JSON.stringify(body) }));
    expect(res.status).toBe(206);
    expect(await res.json()).toEqual([
      { id: h("double"), op: "StepRun", name: "double", displayName: "double", opts: { input: [21] }, data: 42, userland: { id: "double" } },
    ]);
  });

  it("finishes with 200 once the step is memoized", async () => {
    const body = callBody({ fnId: "app-f", event: { name: "app/test", data: { n: 21 } }, steps: { [h("double")]: { data: 42 } } });
    const res = await handler(new Request(`${url}?fnId=app-f&stepId=step`, { method: "POST", body: JSON.stringify(body) }));
    expect([res.status, await res.json()]).toEqual([200, { doubled: 42 }]);
  });

  it("answers 405 for other methods", async () => {
    const res = await handler(new Request(url, { method: "DELETE" }));
    expect(res.status).toBe(405);
  });
});
