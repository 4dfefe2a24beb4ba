// Tool arguments as the schema means them. Models often send "1105" for an id or "true" for a
// flag; a strict validator would bounce the call and cost a round trip. Conversions here are
// exact or not made at all, so meaning never changes: anything that does not convert exactly is
// left for the validator to refuse with the argument's name.
#pragma once

#include "server/json_schema.h"

#include <nlohmann/json.hpp>

#include <vector>

namespace mcp {

/**
 * Rewrites `arguments` in place, guided by `schema` (a tool's inputSchema):
 * - a string where only an integer, number or boolean is allowed becomes that value when it
 *   spells one exactly ("1105" -> 1105, "2.5" -> 2.5, "true"/"false" -> bool);
 * - an integral number where an integer is allowed becomes a 64-bit integer (3.0 -> 3);
 * - a single value where an array is expected becomes a one-element array.
 * Integers must fit in 64 bits: 2^64, or 1e300 where an integer is expected, are returned as
 * problems (they would otherwise reach HaloPSA as 1.8446744073709552e+19). An empty result means
 * the arguments are ready for ValidateJson.
 */
std::vector<SchemaError> CoerceArguments(nlohmann::json const& schema, nlohmann::json& arguments);

}  // namespace mcp
