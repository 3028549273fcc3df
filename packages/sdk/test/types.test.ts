/**
 * Type-level checks. `expectTypeOf` does nothing at runtime: these are enforced by
 * `typecheck.test.ts`, which runs tsc over this folder (`test/tsconfig.json`).
 */
import { EventSchemas, Weft, referenceFunction } from "@weft/sdk";
import type { CronEvent, Jsonify } from "@weft/sdk";
import { describe, expectTypeOf, it } from "vitest";

type Events = {
  "app/user.created": { data: { user: { id: string } }; user?: { email: string } };
  "app/user.deleted": { data: { userId: string } };
  "app/order.paid": { data: { orderId: string; amount: number } };
  "app/ping": Record<never, never>;
};

const weft = new Weft({ id: "typed", schemas: new EventSchemas().fromRecord<Events>() });

describe("schema types", () => {
  it("types event.data and event.name from the trigger", () => {
    weft.createFunction({ id: "a" }, { event: "app/user.created" }, async ({ event, events }) => {
      expectTypeOf(event.name).toEqualTypeOf<"app/user.created">();
      expectTypeOf(event.data).toEqualTypeOf<{ user: { id: string } }>();
      expectTypeOf(event.user).toEqualTypeOf<{ email: string } | undefined>();
      expectTypeOf(event.id).toEqualTypeOf<string>();
      expectTypeOf(events).toEqualTypeOf<(typeof event)[]>();
      // @ts-expect-error not in the schema's data
      void event.data.nope;
    });
  });

  it("types the newer { triggers } form, several triggers and wildcards as unions", () => {
    weft.createFunction({ id: "b", triggers: [{ event: "app/user.created" }, { event: "app/order.paid" }] }, async ({ event }) => {
      expectTypeOf(event.name).toEqualTypeOf<"app/user.created" | "app/order.paid">();
      if (event.name === "app/order.paid") expectTypeOf(event.data.amount).toEqualTypeOf<number>();
    });
    weft.createFunction({ id: "c" }, { event: "app/user.*" }, async ({ event }) => {
      expectTypeOf(event.name).toEqualTypeOf<"app/user.created" | "app/user.deleted">();
    });
    weft.createFunction({ id: "d" }, { cron: "0 9 * * *" }, async ({ event }) => {
      expectTypeOf(event).toEqualTypeOf<CronEvent>();
    });
    weft.createFunction({ id: "e" }, { event: "app/ping" }, async ({ event }) => {
      expectTypeOf(event.data).toEqualTypeOf<Record<string, unknown>>();
    });
  });

  it("types step.run as the JSON form of the callback's result", () => {
    weft.createFunction({ id: "f" }, { event: "app/ping" }, async ({ step }) => {
      expectTypeOf(await step.run("n", () => 1)).toEqualTypeOf<number>();
      expectTypeOf(await step.run("v", () => {})).toEqualTypeOf<null>();
      expectTypeOf(await step.run("p", async () => ({ at: new Date(), f: () => 1, s: "x" as string | undefined }))).toEqualTypeOf<{
        at: string;
        s?: string;
      }>();
      expectTypeOf(await step.run("args", (a: number, b: string) => `${a}${b}`, 1, "x")).toEqualTypeOf<string>();
      // @ts-expect-error wrong input type for the callback
      void step.run("args", (a: number) => a, "not a number");
    });
    expectTypeOf<Jsonify<{ list: (Date | undefined)[] }>>().toEqualTypeOf<{ list: (string | null)[] }>();
  });

  it("types waitForEvent, sendEvent and invoke from the schema", () => {
    const child = weft.createFunction({ id: "child" }, { event: "app/order.paid" }, async () => ({ ok: true }));
    weft.createFunction({ id: "g" }, { event: "app/user.created" }, async ({ step }) => {
      const paid = await step.waitForEvent("w", { event: "app/order.paid", match: "data.orderId", timeout: "1h" });
      expectTypeOf(paid).toEqualTypeOf<{
        name: "app/order.paid";
        id: string;
        ts: number;
        v?: string;
        data: { orderId: string; amount: number };
        user: Record<string, unknown>;
      } | null>();

      await step.sendEvent("s", { name: "app/user.deleted", data: { userId: "1" } });
      await step.sendEvent("s2", [{ name: "app/ping" }]);
      // @ts-expect-error data does not match the schema
      await step.sendEvent("s3", { name: "app/user.deleted", data: { userId: 1 } });

      const out = await step.invoke("i", { function: child, data: { orderId: "o", amount: 1 } });
      expectTypeOf(out).toEqualTypeOf<{ ok: boolean }>();
      // @ts-expect-error the child's trigger data is required
      await step.invoke("i2", { function: child, data: { orderId: "o" } });
      const ref = await step.invoke("r", { function: referenceFunction<{ x: number }, string>({ functionId: "other" }), data: { x: 1 } });
      expectTypeOf(ref).toEqualTypeOf<string>();
    });
  });

  it("types weft.send and onFailure", () => {
    // type-checked, never called (it would really send)
    const sends = () => [
      weft.send({ name: "app/user.created", data: { user: { id: "1" } }, user: { email: "a@b.c" } }),
      // @ts-expect-error missing required data
      weft.send({ name: "app/user.created" }),
      // @ts-expect-error unknown event name when schemas are given
      weft.send({ name: "app/unknown", data: {} }),
      new Weft({ id: "untyped" }).send({ name: "anything", data: { x: 1 } }),
    ];
    expectTypeOf(sends).returns.items.toEqualTypeOf<Promise<{ ids: string[] }>>();
    weft.createFunction(
      {
        id: "h",
        onFailure: ({ error, event }) => {
          expectTypeOf(error).toEqualTypeOf<Error>();
          expectTypeOf(event.data.event.data).toEqualTypeOf<{ userId: string }>();
        },
      },
      { event: "app/user.deleted" },
      async () => null,
    );
    const untyped = new Weft({ id: "untyped" });
    untyped.createFunction({ id: "u" }, { event: "any/thing" }, async ({ event }) => {
      expectTypeOf(event.data).toEqualTypeOf<Record<string, unknown>>();
    });
  });
});
