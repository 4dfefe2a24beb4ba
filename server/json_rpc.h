#pragma once

#include "halo/bounded_json.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string>
#include <string_view>

namespace mcp {

inline constexpr int kParseError = -32700;
inline constexpr int kInvalidRequest = -32600;
inline constexpr int kMethodNotFound = -32601;
inline constexpr int kInvalidParams = -32602;
inline constexpr int kInternalError = -32603;
// 2026-07-28 additions.
inline constexpr int kHeaderMismatch = -32020;
inline constexpr int kMissingRequiredClientCapability = -32021;
inline constexpr int kUnsupportedProtocolVersion = -32022;

struct ErrorObject {
  int code = kInternalError;
  std::string message;
  nlohmann::json data;  // null when absent
};

/// One decoded JSON-RPC message. `id` is kept exactly as sent (integer or string); a null json
/// means "absent". Notifications have no id; responses have a result or an error and no method.
struct Message {
  enum class Kind { kRequest, kNotification, kResponse };
  Kind kind = Kind::kRequest;
  nlohmann::json id;  // integer or string for requests and responses
  std::string method;
  nlohmann::json params;  // object or null; for a response {"result": ...} or {"error": ...}
};

/// Result of decoding one JSON value: a message, or an error to answer with (id null unless it
/// could be recovered from the malformed request).
struct Decoded {
  std::optional<Message> message;
  std::optional<ErrorObject> error;
  nlohmann::json error_id;  // the id to put in the error response
};

/// What one incoming JSON-RPC message (or batch) may hold, whatever the transport.
inline constexpr halo::JsonLimits kMessageLimits{/*max_depth=*/64, /*max_values=*/100'000};

/// Parses an incoming message without throwing or recursing. On failure `error` (when given) is
/// the error to answer with: -32700 for text that is not JSON (or not UTF-8), -32600 for a
/// document over kMessageLimits, each saying what was wrong.
std::optional<nlohmann::json> ParseMessage(std::string_view text, ErrorObject* error);

/// Parses trusted text (our own files) into JSON without throwing; the message says where it
/// failed.
std::optional<nlohmann::json> ParseJson(std::string_view text, std::string* error);

/// Classifies one JSON value (not an array) as a JSON-RPC message.
Decoded DecodeMessage(nlohmann::json const& value);

/// Serialises compactly on one line; invalid UTF-8 in strings is replaced, never thrown.
std::string Serialize(nlohmann::json const& value);

/// Serialises an outgoing message. A response (it has an id and a result or an error) longer
/// than `max_bytes` is replaced by an error response with the same id that says so, so that no
/// request can make the server build or send an unbounded answer.
std::string SerializeBounded(nlohmann::json const& message, std::size_t max_bytes);

nlohmann::json MakeResult(nlohmann::json const& id, nlohmann::json result);
nlohmann::json MakeError(nlohmann::json const& id, ErrorObject const& error);
nlohmann::json MakeNotification(std::string_view method, nlohmann::json params);

}  // namespace mcp
