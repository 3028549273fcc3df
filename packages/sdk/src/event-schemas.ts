import type { Simplify } from "./jsonify.js";
import type { EventSchemaEntry } from "./types.js";

/**
 * Types for a client's events. Purely a type carrier: `new EventSchemas().fromRecord<{...}>()`
 * makes `event.data`, `step.waitForEvent` and `send` typed from the record; nothing is checked
 * at runtime.
 */
export class EventSchemas<S = Record<never, never>> {
  /** @internal Carries the schema type only; never set. */
  declare readonly __types?: S;

  /** Add events from a record of `{ "<name>": { data: {...}; user?: {...} } }`. */
  fromRecord<T extends { [K in keyof T]: EventSchemaEntry }>(): EventSchemas<Simplify<S & T>> {
    return this as EventSchemas<Simplify<S & T>>;
  }
}
