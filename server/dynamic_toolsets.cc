#include "server/dynamic_toolsets.h"

#include "server/mcp_server.h"

#include <algorithm>

namespace mcp {

using nlohmann::json;

namespace {

std::string Join(std::vector<std::string> const& v, std::string const& separator = ", ") {
  std::string out;
  for (auto const& s : v) out += (out.empty() ? "" : separator) + s;
  return out;
}

std::vector<std::string> OfferIds(std::vector<ToolsetOffer> const& offers) {
  std::vector<std::string> ids;
  for (auto const& o : offers) ids.push_back(o.toolset->id);
  return ids;
}

/// The toolset's tools this caller cannot have (writes on a read-only server, excluded, or
/// outside their token's policy).
std::size_t LeftOut(ToolRegistry const& registry, ToolPolicy const& policy,
                    std::string const& toolset) {
  std::size_t n = 0;
  for (auto const& t : registry.on_demand()) n += t.toolset == toolset && !policy.Allows(t);
  for (auto const& t : registry.hidden()) n += t.toolset == toolset;
  return n;
}

bool InStartSet(ToolRegistry const& registry, std::string const& toolset) {
  auto const& tools = registry.tools();
  return std::any_of(tools.begin(), tools.end(),
                     [&toolset](ToolSpec const& t) { return t.toolset == toolset; });
}

}  // namespace

std::vector<ToolsetOffer> OfferedToolsets(ToolRegistry const& registry, ToolPolicy const& policy,
                                          std::set<std::string> const& enabled) {
  std::vector<ToolsetOffer> offers;
  for (auto const& ts : registry.toolsets()) {
    if (ts.meta || enabled.count(ts.id)) continue;
    ToolsetOffer offer{&ts, {}};
    for (auto const& t : registry.on_demand()) {
      if (t.toolset == ts.id && policy.Allows(t)) offer.tools.push_back(t.name);
    }
    if (!offer.tools.empty()) offers.push_back(std::move(offer));
  }
  return offers;
}

EnableOutcome EnableToolset(ToolRegistry const& registry, ToolPolicy const& policy,
                            std::set<std::string>& enabled, json const& arguments) {
  auto const offers = OfferedToolsets(registry, policy, enabled);
  std::string const wanted = arguments.value("toolset", std::string());
  if (wanted.empty()) {
    if (offers.empty())
      return {ToolTextResult("Every toolset you may use is enabled already."), false};
    std::string text = "Toolsets not enabled yet (call again with toolset):";
    for (auto const& o : offers) {
      text += "\n- " + o.toolset->id + " (" + std::to_string(o.tools.size()) +
              "): " + o.toolset->description;
    }
    return {ToolTextResult(text), false};
  }
  auto const offer = std::find_if(offers.begin(), offers.end(), [&wanted](ToolsetOffer const& o) {
    return o.toolset->id == wanted;
  });
  if (offer == offers.end()) {
    Toolset const* known = registry.FindToolset(wanted);
    if (known == nullptr || known->meta) {
      return {ToolErrorResult("Unknown toolset \"" + wanted + "\". " +
                              (offers.empty() ? std::string("No toolset can be enabled here.")
                                              : "Valid: " + Join(OfferIds(offers)) + ".")),
              false};
    }
    if (enabled.count(wanted) || InStartSet(registry, wanted)) {
      return {ToolTextResult("Toolset " + wanted + " is already enabled; nothing changed."), false};
    }
    return {ToolErrorResult("Toolset " + wanted +
                            " has no tools you may use here (read-only server, --exclude-tools "
                            "or your token's policy: " +
                            policy.Describe() + "). Nothing was enabled."),
            false};
  }
  enabled.insert(wanted);
  std::string text = "Enabled " + wanted + ": " + Join(offer->tools) + ".";
  if (auto n = LeftOut(registry, policy, wanted); n > 0) {
    text += " Left out: " + std::to_string(n) +
            " of its tools (read-only server, --exclude-tools or your token's policy).";
  }
  return {ToolTextResult(text), true};
}

std::string NotEnabledText(ToolSpec const& tool, bool modern) {
  if (modern) {
    return "Tool " + tool.name + " is in toolset \"" + tool.toolset +
           "\", which this server does not offer to stateless 2026-07-28 requests. " +
           StatelessRefusalText();
  }
  return "Tool " + tool.name + " is in toolset \"" + tool.toolset +
         "\", which is not enabled in this session: call halopsa_enable_toolset with toolset \"" +
         tool.toolset + "\" first. Nothing was done.";
}

std::string StatelessRefusalText() {
  return "2026-07-28 requests carry no session, so a toolset cannot be enabled for later "
         "requests; they see the server's start toolsets (--toolsets). Nothing was done.";
}

}  // namespace mcp
