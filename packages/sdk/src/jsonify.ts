/**
 * The type a value has after a JSON round trip: what a memoized `step.run` resolves to, since a
 * step's result is stored as JSON and replayed from there.
 */
export type Jsonify<T> = unknown extends T
  ? unknown
  : T extends string | number | boolean | null
    ? T
    : T extends Dropped
      ? null
      : T extends bigint
        ? never
        : T extends { toJSON(): infer J }
          ? Jsonify<J>
          : T extends readonly unknown[]
            ? { -readonly [K in keyof T]: Jsonify<T[K]> }
            : T extends object
              ? JsonifyObject<T>
              : never;

/** Values `JSON.stringify` leaves out of objects (and turns into `null` elsewhere). */
// biome-ignore lint/suspicious/noConfusingVoidType: a property typed `void` is dropped too, and `undefined` alone does not match `void`
type Dropped = undefined | void | symbol | ((...args: never[]) => unknown);

/** Flattens an intersection into one object type, so hovers and type tests read cleanly. */
export type Simplify<T> = { [K in keyof T]: T[K] } & {};

type JsonifyObject<T> = Simplify<
  {
    [K in keyof T as K extends symbol ? never : [T[K]] extends [Dropped] ? never : undefined extends T[K] ? never : K]: Jsonify<T[K]>;
  } & {
    [K in keyof T as K extends symbol ? never : [T[K]] extends [Dropped] ? never : undefined extends T[K] ? K : never]?: Jsonify<Exclude<T[K], undefined>>;
  }
>;
