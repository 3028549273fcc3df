import { InvalidInputError } from "@weft/core";
import { describe, expect, it } from "vitest";
import { validateRegister } from "./register.js";

function fn(id: string, overrides: Record<string, unknown> = {}) {
  return {
    id,
    name: id,
    triggers: [{ event: "app/signup" }],
    steps: { step: { id: "step", name: "step", runtime: { type: "http", url: `http://localhost:3000/api/inngest?fnId=${id}` } } },
    ...overrides,
  };
}

function body(overrides: Record<string, unknown> = {}) {
  return {
    url: "http://localhost:3000/api/inngest",
    appName: "shop",
    sdk: "js:v3.0.0",
    framework: "express",
    functions: [fn("shop-welcome"), fn("shop-nightly", { triggers: [{ cron: "TZ=Europe/Paris 0 3 * * *" }] })],
    ...overrides,
  };
}

function refusal(input: unknown): string {
  try {
    validateRegister(input);
  } catch (e) {
    expect(e).toBeInstanceOf(InvalidInputError);
    return (e as Error).message;
  }
  throw new Error("validateRegister did not throw");
}

describe("validateRegister", () => {
  it("accepts a valid body and returns it as is", () => {
    const valid = body({
      functions: [
        fn("shop-welcome", {
          triggers: [{ event: "app/signup", expression: "event.data.plan == 'pro'" }],
          cancel: [{ event: "app/deleted", if: "async.data.id == event.data.id", timeout: "1d" }],
        }),
        fn("shop-nightly", { triggers: [{ cron: "0 3 * * *" }] }),
      ],
    });
    expect(validateRegister(valid)).toBe(valid);
    expect(validateRegister(body({ functions: [] })).functions).toEqual([]);
  });

  it("refuses a body that is not an object", () => {
    for (const bad of [null, [], "x", 3]) expect(refusal(bad)).toBe("register body must be a JSON object");
  });

  it("refuses a missing appName, url or functions", () => {
    expect(refusal(body({ appName: undefined }))).toBe('register body needs a non-empty "appName"');
    expect(refusal(body({ appName: "" }))).toBe('register body needs a non-empty "appName"');
    expect(refusal(body({ url: undefined }))).toBe('register body needs the app\'s "url"');
    expect(refusal(body({ url: "not a url" }))).toBe('register body needs the app\'s "url"');
    expect(refusal(body({ functions: undefined }))).toBe('register body needs a "functions" array');
    expect(refusal(body({ functions: { a: 1 } }))).toBe('register body needs a "functions" array');
  });

  it("refuses a function without an id, triggers or a step url, naming it", () => {
    expect(refusal(body({ functions: [fn("ok"), null] }))).toBe("functions[1] must be an object");
    expect(refusal(body({ functions: [fn("")] }))).toBe('functions[0] needs an "id"');
    expect(refusal(body({ functions: [fn("shop-a", { triggers: [] })] }))).toBe("functions[0] (shop-a) needs at least one trigger");
    expect(refusal(body({ functions: [fn("shop-a", { triggers: undefined })] }))).toBe("functions[0] (shop-a) needs at least one trigger");
    expect(refusal(body({ functions: [fn("shop-a", { steps: {} })] }))).toBe("functions[0] (shop-a) needs steps.step.runtime.url");
  });

  it("refuses a trigger with neither event nor cron", () => {
    const message = 'functions[1] (shop-b) has a trigger with neither a non-empty "event" nor a "cron"';
    expect(refusal(body({ functions: [fn("shop-a"), fn("shop-b", { triggers: [{ expression: "true" }] })] }))).toBe(message);
    expect(refusal(body({ functions: [fn("shop-a"), fn("shop-b", { triggers: [{ event: "a" }, null] })] }))).toBe(message);
    expect(refusal(body({ functions: [fn("shop-a"), fn("shop-b", { triggers: [{ event: 5 }] })] }))).toBe(message);
  });

  it("refuses a trigger expression that does not parse, naming the function and the field", () => {
    expect(refusal(body({ functions: [fn("shop-a", { triggers: [{ event: "app/x", expression: "event.data.x ==" }] })] }))).toBe(
      'functions[0] (shop-a) triggers[0].expression: expression "event.data.x ==": unexpected end at 15',
    );
    expect(refusal(body({ functions: [fn("shop-a", { triggers: [{ event: "app/x", expression: 7 }] })] }))).toBe(
      "functions[0] (shop-a) triggers[0].expression: expression must be a string",
    );
  });

  it("refuses a cancel condition that does not parse, naming the function", () => {
    expect(refusal(body({ functions: [fn("shop-a", { cancel: [{ event: "app/x", if: "async.data.id ==" }] })] }))).toMatch(
      /^functions\[0\] \(shop-a\) cancel\[0\]\.if: expression "async\.data\.id ==": unexpected end at 16$/,
    );
  });

  it("refuses an unknown function or an invalid literal regex at sync, naming the field and the problem", () => {
    expect(refusal(body({ functions: [fn("shop-a", { triggers: [{ event: "app/x", expression: "lowerAscii(event.name) == 'x'" }] })] }))).toBe(
      `functions[0] (shop-a) triggers[0].expression: expression "lowerAscii(event.name) == 'x'": unknown function "lowerAscii"`,
    );
    expect(refusal(body({ functions: [fn("shop-a", { cancel: [{ event: "app/x", if: "async.data.s.matches('(?=a)')" }] })] }))).toMatch(
      /^functions\[0\] \(shop-a\) cancel\[0\]\.if: .*invalid regular expression "\(\?=a\)" in matches\(\): .*invalid or unsupported Perl syntax/,
    );
  });

  it("checks the expression of every flow-control key, naming the field", () => {
    const bad = "event.data.(";
    const cases: [Record<string, unknown>, string][] = [
      [{ concurrency: { limit: 1, key: bad } }, "concurrency.key"],
      [{ concurrency: [{ limit: 5 }, { limit: 1, key: bad }] }, "concurrency[1].key"],
      [{ throttle: { limit: 1, period: "1s", key: bad } }, "throttle.key"],
      [{ rateLimit: { limit: 1, period: "1s", key: bad } }, "rateLimit.key"],
      [{ debounce: { period: "1s", key: bad } }, "debounce.key"],
      [{ idempotency: bad }, "idempotency"],
      [{ batchEvents: { maxSize: 2, timeout: "1s", key: bad } }, "batchEvents.key"],
      [{ batchEvents: { maxSize: 2, timeout: "1s", if: bad } }, "batchEvents.if"],
      [{ singleton: { mode: "skip", key: bad } }, "singleton.key"],
      [{ priority: { run: bad } }, "priority.run"],
    ];
    for (const [options, field] of cases) {
      expect(refusal(body({ functions: [fn("shop-a"), fn("shop-b", options)] }))).toBe(
        `functions[1] (shop-b) ${field}: expression "event.data.(": unexpected "(" at 11`,
      );
    }
    const good = "event.data.userId";
    const valid = body({
      functions: [
        fn("shop-a", {
          concurrency: [{ limit: 5, key: good }, 3],
          throttle: { limit: 1, period: "1s", key: good },
          rateLimit: { limit: 1, period: "1s", key: good },
          debounce: { period: "1s", key: good },
          idempotency: good,
          batchEvents: { maxSize: 2, timeout: "1s", key: good, if: "event.data.n > 1" },
          singleton: { mode: "skip", key: good },
          priority: { run: "event.data.vip ? 60 : 0" },
        }),
      ],
    });
    expect(validateRegister(valid)).toBe(valid);
  });

  it("refuses a malformed cancel list, naming the function", () => {
    expect(refusal(body({ functions: [fn("shop-a", { cancel: [null] })] }))).toMatch(/^functions\[0\] \(shop-a\) cancel/);
    expect(refusal(body({ functions: [fn("shop-a", { cancel: {} })] }))).toMatch(/^functions\[0\] \(shop-a\) cancel/);
  });

  it("refuses a cron trigger that does not parse, naming the function", () => {
    expect(refusal(body({ functions: [fn("shop-a", { triggers: [{ cron: "61 * * * *" }] })] }))).toMatch(
      /^functions\[0\] \(shop-a\).*minute 61 is out of range 0-59/,
    );
  });
});
