// Checks that one line of halo-mcp's stdout is exactly one JSON-RPC message: an object with
// "jsonrpc": "2.0", or a non-empty array of them.
//
// It reads the line as SAX events and builds nothing: building a document per output line (a page
// of tools/list is tens of kilobytes) cost the stdio fuzz target as much time as the server spent
// answering, under ASan and coverage tracing.
#pragma once

#include <string>
#include <string_view>

namespace halo_fuzz {

struct LineCheck {
  std::string error;      ///< empty when the line is one JSON-RPC message
  std::string string_id;  ///< the "id" of the (single, non-batch) message when it is a string
};

// Exported from the fuzz build's uninstrumented shared library (tests/fuzz/CMakeLists.txt).
[[gnu::visibility("default")]] LineCheck CheckJsonRpcLine(std::string_view line);

}  // namespace halo_fuzz
