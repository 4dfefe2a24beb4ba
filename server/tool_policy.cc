#include "server/tool_policy.h"

#include <algorithm>
#include <set>

namespace mcp {
namespace {

bool Contains(std::vector<std::string> const& v, std::string const& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

std::string Join(std::vector<std::string> const& v, std::string const& separator = ",") {
  std::string out;
  for (auto const& s : v) out += (out.empty() ? "" : separator) + s;
  return out;
}

}  // namespace

bool ToolPolicy::Allows(ToolSpec const& tool) const {
  if (read_only && !tool.read_only()) return false;
  if (Contains(exclude, tool.name)) return false;
  // The meta tool only ever enables what this policy allows, so the toolsets it names do not
  // have to list it.
  if (tool.meta) return true;
  if (toolsets.empty() && tools.empty()) return true;
  return Contains(toolsets, tool.toolset) || Contains(tools, tool.name);
}

bool ToolPolicy::Narrows() const {
  return read_only || !toolsets.empty() || !tools.empty() || !exclude.empty();
}

halo::Status ToolPolicy::Resolve(ToolRegistry const& registry) {
  std::set<std::string> sets;
  for (auto const& w : toolsets) {
    bool known = false;
    for (auto const& ts : registry.toolsets()) {
      if (w == "all" || (w == "default" && ts.default_enabled) || w == ts.id) {
        sets.insert(ts.id);
        known = true;
      }
    }
    if (!known && w != "default") {
      return halo::InvalidArgumentError("unknown toolset \"" + w +
                                        "\" in a token's policy (see --list-tools)");
    }
  }
  toolsets.assign(sets.begin(), sets.end());
  for (auto const* list : {&tools, &exclude}) {
    for (auto const& n : *list) {
      if (registry.Find(n) == nullptr && registry.FindHidden(n) == nullptr) {
        return halo::InvalidArgumentError("unknown tool \"" + n +
                                          "\" in a token's policy (see --list-tools)");
      }
    }
  }
  return halo::Status();
}

std::string ToolPolicy::Describe() const {
  std::vector<std::string> parts;
  if (read_only) parts.push_back("read-only");
  if (!toolsets.empty()) parts.push_back("toolsets " + Join(toolsets));
  if (!tools.empty()) parts.push_back("tools " + Join(tools));
  if (!exclude.empty()) parts.push_back("excluded " + Join(exclude));
  return parts.empty() ? "no limits" : Join(parts, "; ");
}

}  // namespace mcp
