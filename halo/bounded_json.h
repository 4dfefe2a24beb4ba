#pragma once

#include "halo/status.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <span>
#include <string>
#include <string_view>

namespace halo {

/// What a JSON document from outside (an MCP message, a HaloPSA response) may hold. The limits
/// are enforced while decoding, so a hostile document is refused before any of it is built,
/// copied or walked recursively: nlohmann's copy, comparison and dump recurse, and a value
/// nested 100,000 levels deep overflows the stack in any of them.
struct JsonLimits {
  std::size_t max_depth = 64;          ///< arrays and objects nested inside each other
  std::size_t max_values = 1'000'000;  ///< values of any kind, keys not counted
};

/// Why a document was refused.
enum class JsonError {
  kSyntax,    ///< not JSON, or not UTF-8
  kTooDeep,   ///< nested deeper than max_depth
  kTooLarge,  ///< more than max_values values
};

struct JsonParseResult {
  nlohmann::json value;  ///< discarded (is_discarded()) unless ok()
  JsonError error = JsonError::kSyntax;
  std::string message;  ///< empty when ok; otherwise says what was wrong and where
  bool ok() const { return message.empty(); }
};

/// Parses `text` without throwing and without recursion, enforcing `limits`.
///
/// With `record_keys` (sorted, unique), a record keeps only those members; the rest are read (and
/// counted against the limits) but never built. A record is an object held directly by an array
/// that is the document or a member of the document: the rows of a list answer, bare or wrapped.
/// Lists of wide records (a HaloPSA ticket has over a hundred fields) are then built from the few
/// fields a caller shows. Empty keeps everything.
JsonParseResult ParseBoundedJson(std::string_view text, JsonLimits const& limits = {},
                                 std::span<std::string const> record_keys = {});

}  // namespace halo
