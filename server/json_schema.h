// Validation of tool arguments against the JSON Schema (draft 7) subset that halo-mcp's tool schema
// files use. Unsupported keywords are found at start-up by UnsupportedKeywords() so a schema file
// that relies on them is rejected instead of being silently unchecked.
#pragma once

#include <nlohmann/json.hpp>

#include <cstddef>
#include <string>
#include <vector>

namespace mcp {

/// One reason why an instance does not satisfy a schema.
struct SchemaError {
  /// JSON pointer (RFC 6901) of the offending value, e.g. "/client" or "/items/2/id"; "" is the
  /// root. For a missing required property it points at where the property should be.
  std::string path;
  /// Compact text naming what was expected and what was given, e.g.
  /// `expected integer, got string "abc"` or `must be <= 100, got 500`.
  std::string message;
};

/// Maximum nesting (number of JSON pointer tokens) of an instance, and of the schema recursion.
inline constexpr std::size_t kMaxSchemaDepth = 64;

/**
 * Validates `instance` against `schema` using the supported subset of JSON Schema draft 7.
 *
 * Supported keywords: boolean schemas, `type` (a name or an array of names; "integer" accepts
 * 3 and 3.0), `enum`, `const`, `minimum`, `maximum`, `exclusiveMinimum`, `exclusiveMaximum` (the
 * draft-6/7 numeric form), `multipleOf`, `minLength`, `maxLength` (both count Unicode code
 * points), `pattern` (ECMAScript std::regex, unanchored search), `format` "date" and "date-time",
 * `items` (schema and tuple forms), `additionalItems`, `minItems`, `maxItems`, `uniqueItems`,
 * `properties`, `required`, `additionalProperties` (boolean and schema), `minProperties`,
 * `maxProperties`. Annotations (title, description, default, examples, $comment, $schema,
 * deprecated, readOnly, writeOnly) are ignored. Other keywords are ignored here: check schema
 * files with UnsupportedKeywords() when they are loaded.
 *
 * Decisions beyond the specification:
 * - "date-time" accepts RFC 3339 (`T`/`t`, optional fraction, `Z`/`z` or `+hh:mm`/`-hh:mm`) and
 *   also the offset-less form HaloPSA sends ("2026-01-05T09:12:00", meaning UTC). A leap second
 *   (:60) is accepted only at 23:59 UTC.
 * - `format` values other than "date" and "date-time" are not checked.
 * - An instance nested deeper than kMaxSchemaDepth levels is rejected as a whole, so a hostile
 *   instance cannot exhaust the stack.
 * - Pattern subjects longer than 8192 bytes are rejected rather than matched (std::regex
 *   recurses per character).
 * - A malformed keyword value (e.g. `"minimum": "5"`, an invalid regular expression) yields an
 *   error whose message starts with "schema error:", so a broken schema fails closed.
 * - Missing required and unexpected properties of the root object are called "argument"s
 *   ("required argument missing", "unknown argument; allowed: a, b"); deeper ones "property".
 * - When `type` does not match, the other keywords are not evaluated for that value.
 *
 * Errors come in a deterministic order: keywords in a fixed order, object members sorted by name,
 * array items by index. At most `max_errors` errors are returned (0 is treated as 1). An empty
 * result means the instance is valid. Thread-safe; never throws (an internal failure is reported
 * as an error at the root).
 */
std::vector<SchemaError> ValidateJson(nlohmann::json const& schema, nlohmann::json const& instance,
                                      std::size_t max_errors = 8);

/**
 * Start-up check of a schema file: lists every keyword the validator would not enforce, as JSON
 * pointers into `schema` (e.g. "/properties/filter/anyOf"). Malformed values of supported keywords
 * are listed with a reason in parentheses (e.g. "/properties/limit/minimum (must be a number)",
 * "/properties/code/pattern (invalid regular expression: ...)", "/format (unsupported format
 * \"email\")"). Annotation keywords are allowed. An empty result means every keyword is enforced.
 */
std::vector<std::string> UnsupportedKeywords(nlohmann::json const& schema);

/// Human text for one error in the context of tool arguments, e.g.
/// "argument 'limit': must be <= 100, got 500", "argument 'items[2].id': required property
/// missing", or "arguments: expected object, got array [1]" for the root. Pointer tokens made of
/// digits are shown as indexes.
std::string DescribeArgumentError(SchemaError const& e);

}  // namespace mcp
