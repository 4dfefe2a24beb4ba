#pragma once

#include "server/mcp_server.h"

#include <nlohmann/json.hpp>

#include <optional>
#include <string_view>

namespace mcp {

/**
 * Handles each member of an accepted batch like a single message, in order, on the calling
 * thread. Returns the responses gathered into one array: empty when the batch held only
 * notifications and responses (or every request was cancelled), so that nothing is due.
 */
nlohmann::json HandleBatch(McpServer& server, Session& session, nlohmann::json const& batch,
                           CallScope::Sender const& send);

}  // namespace mcp
