// Dynamic toolsets (--dynamic-toolsets): a session starts from the server's toolsets and
// enables others with halopsa_enable_toolset. What may be enabled narrows like everything else:
// the server's --read-only and --exclude-tools, then the caller's token policy.
#pragma once

#include "server/tool_policy.h"
#include "server/tool_registry.h"

#include <nlohmann/json.hpp>

#include <set>
#include <string>
#include <vector>

namespace mcp {

/// A toolset a caller may still enable, with the tools it would add for them.
struct ToolsetOffer {
  Toolset const* toolset = nullptr;
  std::vector<std::string> tools;  // sorted names
};

/// The toolsets not in `enabled` whose tools on demand `policy` allows, in toolsets.json order;
/// a toolset that would add nothing is left out.
std::vector<ToolsetOffer> OfferedToolsets(ToolRegistry const& registry, ToolPolicy const& policy,
                                          std::set<std::string> const& enabled);

struct EnableOutcome {
  nlohmann::json result;  ///< the CallToolResult
  bool changed = false;   ///< tools were added: notifications/tools/list_changed is due
};

/// halopsa_enable_toolset's answer for one session: without "toolset", the offers; with one,
/// that toolset is added to `enabled` (the session's set, locked by the caller).
EnableOutcome EnableToolset(ToolRegistry const& registry, ToolPolicy const& policy,
                            std::set<std::string>& enabled, nlohmann::json const& arguments);

/// Why a tool on demand cannot be called yet: its toolset is not enabled (or, for a stateless
/// 2026-07-28 request, cannot be).
std::string NotEnabledText(ToolSpec const& tool, bool modern);

/// Why halopsa_enable_toolset does nothing for a 2026-07-28 request.
std::string StatelessRefusalText();

}  // namespace mcp
