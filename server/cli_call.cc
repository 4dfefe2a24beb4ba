#include "server/cli_call.h"

#include "server/json_rpc.h"

#include <set>

namespace mcp {
namespace {

using nlohmann::json;

json Exchange(McpServer& server, Session& session, json const& message) {
  Decoded decoded = DecodeMessage(message);
  if (!decoded.message) return MakeError(decoded.error_id, *decoded.error);
  return server.Handle(session, *decoded.message, CallScope::Sender([](json const&) {}));
}

std::string Text(json const& result) {
  std::string text;
  for (auto const& item : result.value("content", json::array())) {
    if (item.value("type", "") != "text") continue;
    if (!text.empty()) text += "\n";
    text += item.value("text", "");
  }
  return text;
}

std::string Kind(json const& property) {
  json const& type = property.contains("type") ? property["type"] : json("any");
  if (!type.is_array()) return type.is_string() ? type.get<std::string>() : type.dump();
  std::string out;
  for (auto const& t : type) out += (out.empty() ? "" : "|") + t.get<std::string>();
  return out;
}

}  // namespace

halo::StatusOr<json> ParseCallArguments(std::vector<std::string> const& words) {
  if (words.size() == 1 && words[0].find_first_not_of(" \t\n") != std::string::npos &&
      words[0][words[0].find_first_not_of(" \t\n")] == '{') {
    std::string error;
    auto parsed = ParseJson(words[0], &error);
    if (!parsed || !parsed->is_object()) {
      return halo::InvalidArgumentError("the arguments are not a JSON object (" + error +
                                        "); give one object, e.g. '{\"id\": 1001}', or "
                                        "key=value words");
    }
    return *parsed;
  }
  json arguments = json::object();
  for (auto const& word : words) {
    auto eq = word.find('=');
    bool const raw = eq != std::string::npos && eq > 0 && word[eq - 1] == ':';
    std::string const key = eq == std::string::npos ? "" : word.substr(0, raw ? eq - 1 : eq);
    if (key.empty()) {
      return halo::InvalidArgumentError("\"" + word +
                                        "\" is not an argument: use key=value, key:=JSON "
                                        "(e.g. limit:=5, status:='[\"New\"]') or one JSON object");
    }
    if (arguments.contains(key)) {
      return halo::InvalidArgumentError("argument \"" + key + "\" is given twice");
    }
    std::string const value = word.substr(eq + 1);
    if (!raw) {
      arguments[key] = value;
      continue;
    }
    std::string error;
    auto parsed = ParseJson(value, &error);
    if (!parsed) {
      return halo::InvalidArgumentError("the value of " + key + ":= is not JSON (" + error +
                                        "); quote text with key=value instead");
    }
    arguments[key] = *parsed;
  }
  return arguments;
}

int RunToolCall(McpServer& server, std::string const& tool, json const& arguments, bool json_output,
                std::ostream& out, std::ostream& err) {
  Session session;
  json init = Exchange(server, session,
                       {{"jsonrpc", "2.0"},
                        {"id", 1},
                        {"method", "initialize"},
                        {"params",
                         {{"protocolVersion", "2025-11-25"},
                          {"capabilities", json::object()},
                          {"clientInfo", {{"name", "halo-mcp call"}, {"version", "1"}}}}}});
  if (!init.contains("result")) {
    err << "halo-mcp call: initialize failed: " << init.dump() << "\n";
    return 2;
  }
  Exchange(server, session, {{"jsonrpc", "2.0"}, {"method", "notifications/initialized"}});
  json response = Exchange(server, session,
                           {{"jsonrpc", "2.0"},
                            {"id", 2},
                            {"method", "tools/call"},
                            {"params", {{"name", tool}, {"arguments", arguments}}}});
  if (response.contains("error")) {
    err << "halo-mcp call: " << response["error"].value("message", response["error"].dump())
        << " (halo-mcp tools lists them)\n";
    return 2;
  }
  json const& result = response["result"];
  bool const failed = result.value("isError", false);
  if (json_output && !failed) {
    out << (result.contains("structuredContent") ? result["structuredContent"] : result).dump(2)
        << "\n";
  } else {
    (failed ? err : out) << Text(result) << "\n";
  }
  return failed ? 1 : 0;
}

int PrintTools(ToolRegistry const& registry, std::string const& name, bool json_output,
               std::ostream& out, std::ostream& err) {
  if (name.empty()) {
    if (json_output) {
      json tools = json::array();
      for (auto const& t : registry.tools()) tools.push_back(t.Definition());
      out << tools.dump(2) << "\n";
      return 0;
    }
    for (auto const& t : registry.tools()) {
      out << t.name << "  [" << t.toolset << (t.read_only() ? ", read" : ", write") << "]  "
          << t.title << "\n";
    }
    return 0;
  }
  ToolSpec const* tool = registry.Find(name);
  if (tool == nullptr) {
    ToolSpec const* hidden = registry.FindHidden(name);
    err << "halo-mcp tools: no tool " << name
        << (hidden ? " on this server: " + hidden->hidden_because : "; halo-mcp tools lists them")
        << "\n";
    return 2;
  }
  if (json_output) {
    out << tool->Definition().dump(2) << "\n";
    return 0;
  }
  out << tool->name << ": " << tool->description << "\n";
  json const& schema = tool->input_schema;
  std::set<std::string> required;
  for (auto const& r : schema.value("required", json::array()))
    required.insert(r.get<std::string>());
  json const properties = schema.value("properties", json::object());
  for (auto const& [arg, property] : properties.items()) {
    out << "  " << arg << " (" << Kind(property) << (required.count(arg) ? ", required" : "")
        << ")";
    if (auto d = property.value("description", std::string()); !d.empty()) out << ": " << d;
    out << "\n";
  }
  return 0;
}

}  // namespace mcp
