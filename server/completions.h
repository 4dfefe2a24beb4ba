// completion/complete: names for prompt arguments (clients, agents, teams, ...) from the cached
// HaloPSA lookups, prefix-matched.
#pragma once

#include "halo/halo_client.h"
#include "halo/status.h"
#include "server/mcp_server.h"
#include "server/prompts.h"
#include "server/resources.h"

#include <functional>
#include <memory>
#include <string>
#include <vector>

namespace mcp {

/// Names of a lookup kind starting with a prefix, at most `max`, `more` set when there were
/// others: LookupResolver::NamesStartingWith.
using NameSource = std::function<halo::StatusOr<std::vector<std::string>>(
    std::string const& kind, std::string const& prefix, halo::CallContext const& ctx,
    std::size_t max, bool* more)>;

/// The most values one completion returns (the spec's limit).
inline constexpr std::size_t kMaxCompletionValues = 100;
/// Longer prefixes are refused: no name is that long.
inline constexpr std::size_t kMaxCompletionPrefix = 200;

/// Registers completion/complete and declares the completions capability. Prompt arguments
/// with a "complete" kind get names; other arguments, and resource template ids (numbers, not
/// names), get an empty list. Unknown prompts and templates are -32602.
void RegisterCompletions(McpServer& server, std::shared_ptr<PromptCatalog const> prompts,
                         std::shared_ptr<ResourceCatalog const> resources, NameSource names);

}  // namespace mcp
