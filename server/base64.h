// Base64 (RFC 4648, standard alphabet, padded) for MCP header values and attachments.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcp {

/// The bytes `b64` encodes; nullopt when it is not padded standard base64 (whitespace included).
std::optional<std::string> DecodeBase64(std::string_view b64);

/// How many bytes `b64` encodes, from its length and padding alone (no validation).
std::size_t DecodedBase64Size(std::string_view b64);

}  // namespace mcp
