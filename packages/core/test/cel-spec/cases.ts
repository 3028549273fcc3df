/**
 * The CEL specification's conformance tests (google/cel-spec tests/simple/testdata, as shipped by
 * the pinned @bufbuild/cel-spec package in protobuf JSON form) read as Weft values, and the rule
 * for which of them apply to an engine whose data is JSON events.
 */
import { tests } from "@bufbuild/cel-spec/testdata/conformance.js";
import { CelMap, CelType, Duration, keyId, Timestamp, TYPES, Uint } from "../../src/expression/values.js";
import { parseGoDuration, parseRfc3339 } from "../../src/expression/time-values.js";

type Json = Record<string, unknown>;

export interface ConformanceCase {
  /** file/section/name, e.g. `integer_math/int64_math/int64_overflow_positive`. */
  readonly id: string;
  readonly expr: string;
  readonly bindings: Record<string, unknown>;
  /** The expected value, or "error" when evaluation must fail. */
  readonly expected: { readonly value: unknown } | "error";
}

/**
 * Files left out whole, with the reason. Inngest's environment (inngest/inngest pkg/expressions)
 * is the standard library plus its own functions: no extension libraries, no proto messages.
 */
export const EXCLUDED_FILES: Readonly<Record<string, string>> = {
  proto2: "proto2 messages: events are JSON",
  proto3: "proto3 messages: events are JSON",
  proto2_ext: "proto2 extensions: events are JSON",
  enums: "proto enums: events are JSON",
  wrappers: "protobuf wrapper types: events are JSON",
  dynamic: "protobuf well-known types (Any, Struct, Value, wrappers) converted to CEL: events are JSON",
  optionals: "optional types (?. and [?]) are a cel-go extension Inngest does not enable",
  string_ext: "string extension library, not enabled by Inngest",
  math_ext: "math extension library, not enabled by Inngest",
  encoders_ext: "encoders extension library, not enabled by Inngest",
  bindings_ext: "cel.bind extension, not enabled by Inngest",
  block_ext: "cel.block extension (compiler internals), not enabled by Inngest",
  macros2: "two-variable comprehensions, a cel-go extension Inngest does not enable",
  type_deductions: "tests of the type checker's deductions; Weft checks at run time",
  namespace: "containers and namespaced identifiers of proto packages",
};

/** Inside an applicable file, a case that needs a proto message, an enum or a container does not apply. */
const PROTO_ONLY = /TestAllTypes|NestedTestAllTypes|google\.protobuf\.(?!Timestamp|Duration)|cel\.expr\.|proto[23]\.|GlobalEnum|NestedEnum/;

export function conformanceCases(): { applicable: ConformanceCase[]; excluded: number } {
  const applicable: ConformanceCase[] = [];
  let excluded = 0;
  const walk = (suite: Json, path: string[]): void => {
    for (const t of (suite.tests as Json[] | undefined) ?? []) {
      const original = t.original as Json;
      const [file = ""] = path;
      const applies = !(file in EXCLUDED_FILES) && !original.container && !original.checkOnly && !PROTO_ONLY.test(JSON.stringify(original));
      const c = applies ? toCase([...path, String(original.name)].join("/"), original) : undefined;
      if (c) applicable.push(c);
      else excluded++;
    }
    for (const child of (suite.suites as Json[] | undefined) ?? []) walk(child, [...path, String(child.name)]);
  };
  for (const file of (tests as unknown as Json).suites as Json[]) walk(file, [String(file.name)]);
  return { applicable, excluded };
}

function toCase(id: string, t: Json): ConformanceCase | undefined {
  try {
    const bindings: Record<string, unknown> = {};
    for (const [name, b] of Object.entries((t.bindings as Record<string, Json> | undefined) ?? {})) bindings[name] = fromProto(b.value as Json);
    const expected = t.evalError || t.anyEvalErrors ? "error" : { value: t.value ? fromProto(t.value as Json) : true };
    return { id, expr: String(t.expr), bindings, expected };
  } catch {
    return undefined; // A value of a proto type this reader does not know: the case does not apply.
  }
}

/** A cel.expr.Value in protobuf JSON form as a Weft value. */
export function fromProto(v: Json): unknown {
  const [kind, x] = Object.entries(v)[0] ?? [];
  switch (kind) {
    case "nullValue":
      return null;
    case "boolValue":
      return x as boolean;
    case "int64Value":
      return BigInt(x as string);
    case "uint64Value":
      return new Uint(BigInt(x as string));
    case "doubleValue":
      return typeof x === "number" ? x : Number(x === "Infinity" ? Infinity : x === "-Infinity" ? -Infinity : Number.NaN);
    case "stringValue":
      return x as string;
    case "bytesValue":
      return new Uint8Array(Buffer.from(x as string, "base64"));
    case "typeValue":
      return TYPES[x as string] ?? new CelType(x as string);
    case "listValue":
      return (((x as Json).values as Json[] | undefined) ?? []).map(fromProto);
    case "mapValue": {
      const entries = (((x as Json).entries as Json[] | undefined) ?? []).map((e) => [fromProto(e.key as Json), fromProto(e.value as Json)] as const);
      if (entries.every(([k]) => typeof k === "string")) return Object.fromEntries(entries);
      const m = new CelMap();
      for (const [k, val] of entries) m.entries.set(keyId(k), [k, val]);
      return m;
    }
    case "objectValue": {
      const o = x as Json;
      if (o["@type"] === "type.googleapis.com/google.protobuf.Timestamp") return parseRfc3339(String(o.value)) ?? fail(o);
      if (o["@type"] === "type.googleapis.com/google.protobuf.Duration") {
        const ns = parseGoDuration(String(o.value));
        return ns === undefined ? fail(o) : new Duration(ns);
      }
      return fail(o);
    }
  }
  return fail(v);
}

function fail(v: unknown): never {
  throw new Error(`no Weft value for ${JSON.stringify(v)}`);
}

export { Timestamp };
