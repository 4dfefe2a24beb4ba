#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace halo_sim {

/// Standard base64 (RFC 4648, with padding), as HaloPSA's `data_base64` fields carry files.
std::string Base64Encode(std::string_view bytes);
/// Decodes standard base64; whitespace is skipped, padding is optional. nullopt when malformed.
std::optional<std::string> Base64Decode(std::string_view text);

}  // namespace halo_sim
