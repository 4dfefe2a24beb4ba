#pragma once

#include "halo/status.h"

#include <nlohmann/json.hpp>

#include <cstddef>
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
JsonParseResult ParseBoundedJson(std::string_view text, JsonLimits const& limits = {});

}  // namespace halo
