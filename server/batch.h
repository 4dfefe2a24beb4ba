#pragma once

#include "server/mcp_server.h"

#include <nlohmann/json.hpp>

#include <cstddef>
#include <functional>
#include <memory>
#include <string_view>

namespace mcp {

/**
 * Handles each member of an accepted batch like a single message, in order, on the calling
 * thread, and hands each response to `respond` as soon as it is made, so that a transport never
 * holds every response at once. Notifications and responses get no response; neither do
 * cancelled requests. Returns how many responses were made (0: nothing is due). Every member
 * acts for `principal` (null = the server's default).
 */
std::size_t HandleBatch(McpServer& server, Session& session, nlohmann::json const& batch,
                        CallScope::Sender const& send,
                        std::function<void(nlohmann::json const&)> const& respond,
                        std::shared_ptr<Principal const> const& principal = nullptr);

}  // namespace mcp
