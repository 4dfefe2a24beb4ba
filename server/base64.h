// Base64 (RFC 4648, standard alphabet, padded) for MCP header values and attachments, and
// base64url for JSON Web Tokens.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace mcp {

/// The bytes `b64` encodes; nullopt when it is not padded standard base64 (whitespace included).
std::optional<std::string> DecodeBase64(std::string_view b64);

/// The bytes of unpadded base64url (RFC 4648 section 5, as JWS uses it); nullopt on any other
/// character, on padding, or on a length no encoding has.
std::optional<std::string> DecodeBase64Url(std::string_view b64url);

/// How many bytes `b64` encodes, from its length and padding alone (no validation).
std::size_t DecodedBase64Size(std::string_view b64);

}  // namespace mcp
