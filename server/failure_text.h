#pragma once

#include "halo/status.h"

#include <string>

namespace mcp {

/// Renders a failed HaloPSA call as advice an assistant can act on: what failed, why, and what
/// to do next ("check the id", "retry in 30 s", "check what was saved before repeating").
std::string DescribeFailure(halo::Status const& status, std::string const& doing);

}  // namespace mcp
