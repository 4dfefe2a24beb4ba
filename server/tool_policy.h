#pragma once

// What one client token may use: a narrowing of the server's own tool filter, in the same
// vocabulary as the flags (--read-only, --toolsets, --tools, --exclude-tools).

#include "halo/status.h"
#include "server/tool_registry.h"

#include <string>
#include <vector>

namespace mcp {

/**
 * A token's tool policy. It can only take away: a tool must be exposed by the server and allowed
 * here. Empty toolsets and tools mean every tool the server exposes; otherwise a tool is allowed
 * when its toolset is listed or it is named in `tools`. Exclusions and read-only win.
 */
struct ToolPolicy {
  bool read_only = false;
  std::vector<std::string> toolsets;  // ids; "all" and "default" are expanded by Resolve
  std::vector<std::string> tools;
  std::vector<std::string> exclude;

  bool Allows(ToolSpec const& tool) const;
  /// Whether this policy takes anything away at all (most tokens have none).
  bool Narrows() const;
  /// Expands "all"/"default" and checks every name against the registry (exposed and hidden
  /// tools): an unknown name is a start-up error, as with the flags.
  halo::Status Resolve(ToolRegistry const& registry);
  /// A short statement of the limits, for refusals ("read-only; toolsets tickets").
  std::string Describe() const;
};

}  // namespace mcp
