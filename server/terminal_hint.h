// What halo-mcp says when a person starts it by hand on a terminal: an MCP server waiting for
// JSON-RPC on stdin otherwise looks like a hang.
#pragma once

#include <string>
#include <string_view>

namespace mcp {

/// The text for stderr when stdin is a terminal: what this is, and how to connect a host.
/// `exe` is the binary's path (for copy-pasteable commands); `demo` whether --demo was given.
std::string TerminalHint(std::string_view exe, bool demo);

}  // namespace mcp
