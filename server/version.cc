#include "server/version.h"

namespace mcp {
std::string_view Version() { return HALO_MCP_VERSION; }
}  // namespace mcp
