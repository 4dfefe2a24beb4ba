#pragma once

#include <string_view>

namespace mcp {
std::string_view Version();
}  // namespace mcp
