/**
 * Every CEL expression a function's config carries (protocol §1.2 and §7), with the path of its
 * field, so that sync can check them all before any event reaches them. Only the places where an
 * expression lives are read here: malformed options around them are flow-config's concern.
 */
import type { FunctionConfig } from "@weft/core";

export interface ConfigExpression {
  /** The field's path in the function config, e.g. `triggers[0].expression` or `throttle.key`. */
  readonly field: string;
  readonly value: unknown;
}

type Raw = Record<string, unknown>;

function isRaw(v: unknown): v is Raw {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** `config[option][name]` when the option is an object. */
function keyOf(config: Raw, option: string, name = "key"): ConfigExpression[] {
  const o = config[option];
  return isRaw(o) ? [{ field: `${option}.${name}`, value: o[name] }] : [];
}

export function configExpressions(config: FunctionConfig): ConfigExpression[] {
  const out: ConfigExpression[] = [];
  config.triggers.forEach((t, i) => {
    if (isRaw(t) && "event" in t) out.push({ field: `triggers[${i}].expression`, value: t.expression });
  });
  (config.cancel ?? []).forEach((c, i) => {
    out.push({ field: `cancel[${i}].if`, value: c.if });
  });
  // concurrency is a number, one object or a list of them.
  const concurrency = config.concurrency;
  if (Array.isArray(concurrency)) {
    concurrency.forEach((c, i) => {
      if (isRaw(c)) out.push({ field: `concurrency[${i}].key`, value: c.key });
    });
  } else {
    out.push(...keyOf(config, "concurrency"));
  }
  for (const option of ["throttle", "rateLimit", "debounce", "singleton", "batchEvents"]) out.push(...keyOf(config, option));
  out.push(...keyOf(config, "batchEvents", "if"), ...keyOf(config, "priority", "run"));
  out.push({ field: "idempotency", value: config.idempotency });
  return out;
}
