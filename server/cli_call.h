// `halo-mcp call TOOL ARGS` and `halo-mcp tools`: one tool from the shell, through the same
// McpServer (registry, coercion, validation, executor) a host's tools/call goes through.
#pragma once

#include "halo/status.h"
#include "server/mcp_server.h"
#include "server/tool_registry.h"

#include <nlohmann/json.hpp>

#include <ostream>
#include <string>
#include <vector>

namespace mcp {

/// Tool arguments from the command line: one JSON object, or words `key=value` (the value as
/// text, which argument coercion converts as it does a model's) and `key:=JSON` (a JSON value:
/// numbers, true, arrays, objects). kInvalidArgument names the word that is neither.
halo::StatusOr<nlohmann::json> ParseCallArguments(std::vector<std::string> const& words);

/// Runs `tool` with `arguments` as a host would: initialize, notifications/initialized,
/// tools/call. Prints the result's text (or, with `json_output`, its structuredContent, else the
/// whole result) to `out`, errors to `err`. Returns the exit status: 0, 1 when the tool
/// reported an error, 2 when the call was refused (unknown tool, invalid arguments).
int RunToolCall(McpServer& server, std::string const& tool, nlohmann::json const& arguments,
                bool json_output, std::ostream& out, std::ostream& err);

/// `halo-mcp tools`: the exposed tools, one line each (name, read/write, title); with a tool
/// name, that tool's arguments; with `json_output`, the tools/list definitions.
int PrintTools(ToolRegistry const& registry, std::string const& name, bool json_output,
               std::ostream& out, std::ostream& err);

}  // namespace mcp
