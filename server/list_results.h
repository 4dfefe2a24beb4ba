// Shared pieces of the list and read results beside tools: prompts, resources, templates.
#pragma once

#include "server/json_rpc.h"
#include "server/mcp_server.h"

#include <nlohmann/json.hpp>

#include <chrono>
#include <optional>

namespace mcp {

/// 2026-07-28 caching hints (SEP-2549) on a list or read result. Always "private": what a
/// request sees depends on its credentials and acting agent.
inline void AddCacheHints(nlohmann::json& result, CallScope const& scope,
                          std::chrono::milliseconds ttl) {
  if (!scope.modern()) return;
  result["ttlMs"] = ttl.count();
  result["cacheScope"] = "private";
}

/// Lists that fit in one page never hand out a cursor, so any cursor sent is unknown.
inline std::optional<ErrorObject> RefuseCursor(nlohmann::json const& params) {
  if (auto c = params.find("cursor"); c != params.end() && !c->is_null()) {
    return ErrorObject{kInvalidParams, "Invalid params: unknown cursor; start again without one",
                       nullptr};
  }
  return std::nullopt;
}

}  // namespace mcp
