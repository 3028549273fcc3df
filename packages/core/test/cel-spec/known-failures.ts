/**
 * Applicable conformance cases Weft fails, each with the reason (docs/cel-conformance.md says the
 * same for readers). All are deliberate: Inngest's rules for event data, or names JSON never binds.
 */
const MISSING_IS_NULL =
  "Inngest rule: a missing key or unknown variable is a missing value that compares equal to null, not an error (pkg/expressions/unknown.go)";
const DOTTED_BINDINGS = "qualified identifiers bound under a dotted name (`a.b.c` as one variable): only proto packages bind such names, events never do";

export const KNOWN_FAILURES: Readonly<Record<string, string>> = {
  "basic/variables/self_eval_unbound_lookup": MISSING_IS_NULL,
  "conversions/type/dyn_no_denotation": MISSING_IS_NULL,
  "fields/map_fields/map_no_such_key": MISSING_IS_NULL,
  "fields/map_fields/map_no_such_key_or_false": MISSING_IS_NULL,
  "fields/map_fields/map_no_such_key_and_true": MISSING_IS_NULL,
  "fields/map_fields/map_field_select_no_such_key": MISSING_IS_NULL,
  "fields/map_fields/map_field_select_no_such_key_or_false": MISSING_IS_NULL,
  "fields/map_fields/map_field_select_no_such_key_and_true": MISSING_IS_NULL,
  "fields/qualified_identifier_resolution/qualified_ident": DOTTED_BINDINGS,
  "fields/qualified_identifier_resolution/map_field_select": DOTTED_BINDINGS,
  "fields/qualified_identifier_resolution/qualified_identifier_resolution_unchecked": DOTTED_BINDINGS,
  "fields/qualified_identifier_resolution/list_field_select_unsupported": DOTTED_BINDINGS,
  "fields/qualified_identifier_resolution/ident_with_longest_prefix_check": DOTTED_BINDINGS,
};
