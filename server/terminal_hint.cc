#include "server/terminal_hint.h"

#include "server/version.h"

namespace mcp {

std::string TerminalHint(std::string_view exe, bool demo) {
  std::string const self(exe);
  std::string const args = demo ? " --demo" : "";
  std::string text = "halo-mcp " + std::string(Version()) +
                     " is an MCP server for HaloPSA. It is waiting for an MCP host (Claude "
                     "Code, Claude Desktop, ...) to speak JSON-RPC on stdin; typing here does "
                     "nothing useful. Connect a host instead, e.g.\n"
                     "  claude mcp add halopsa -- " +
                     self + args +
                     "\n"
                     "or, for Streamable HTTP,\n"
                     "  " +
                     self + args +
                     " --http 127.0.0.1:8787   (then point the host at "
                     "http://127.0.0.1:8787/mcp)\n"
                     "Settings: " +
                     self + " --help; check them with " + self + " doctor" + args;
  if (!demo) text += ". No HaloPSA account? Try " + self + " --demo";
  text += ". Press Ctrl-D to quit.\n";
  return text;
}

}  // namespace mcp
