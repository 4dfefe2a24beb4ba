#pragma once

#include "server/mcp_server.h"

#include <nlohmann/json.hpp>

#include <functional>
#include <optional>
#include <string_view>

namespace mcp {

/// The only protocol version whose clients may send JSON-RPC batches (arrays of messages).
inline constexpr std::string_view kBatchVersion = "2025-03-26";

/**
 * Why a batch may not be processed: it is empty, or the session did not negotiate 2025-03-26
 * (pass "" when there is no session). -32600 either way; nullopt when it may be processed.
 */
std::optional<ErrorObject> BatchRefusal(std::string_view protocol_version,
                                        nlohmann::json const& batch);

/**
 * Handles each member of an accepted batch like a single message, in order, on the calling
 * thread. Returns the responses gathered into one array: empty when the batch held only
 * notifications and responses (or every request was cancelled), so that nothing is due.
 */
nlohmann::json HandleBatch(McpServer& server, Session& session, nlohmann::json const& batch,
                           CallScope::Sender const& send);

/// Like HandleBatch, but hands each response to `respond` as soon as it is produced, so that a
/// long batch is answered without holding every response at once (the HTTP transport streams
/// the array).
void HandleBatchEach(McpServer& server, Session& session, nlohmann::json const& batch,
                     CallScope::Sender const& send,
                     std::function<void(nlohmann::json)> const& respond);

}  // namespace mcp
