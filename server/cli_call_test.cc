#include "server/cli_call.h"

#include <catch2/catch.hpp>

#include <sstream>

using nlohmann::json;

namespace {

/// Answers with the arguments it received, as text and as structuredContent; n == 4 fails.
class EchoCaller : public mcp::ToolCaller {
 public:
  json Call(mcp::ToolSpec const& tool, json const& args, mcp::CallScope&) override {
    if (args.value("n", 0) == 4) return mcp::ToolErrorResult("four is refused");
    return mcp::ToolTextResult(tool.name + " " + args.dump(), json{{"got", args}});
  }
};

std::shared_ptr<mcp::ToolRegistry const> Registry(bool read_only) {
  json tool = json::parse(R"({
    "name": "echo_tool", "title": "Echo", "description": "Echoes", "toolset": "t",
    "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true,
                    "openWorldHint": false},
    "inputSchema": {"type": "object", "additionalProperties": false, "required": ["n"],
                    "properties": {"n": {"type": "integer", "maximum": 5, "description": "N"},
                                   "tags": {"type": "array", "items": {"type": "string"},
                                            "description": "Tags"}}},
    "halo": {"method": "GET", "path": "/X", "kind": "get", "params": {"n": {}, "tags": {}}}})");
  // A write tool, so that read-only mode has something to hide.
  json write = json::parse(R"({
    "name": "write_tool", "title": "Write", "description": "Writes", "toolset": "t",
    "annotations": {"readOnlyHint": false, "destructiveHint": false, "idempotentHint": false,
                    "openWorldHint": false},
    "inputSchema": {"type": "object", "additionalProperties": false, "properties": {}},
    "halo": {"method": "POST", "path": "/X", "kind": "create"}})");
  auto reg =
      mcp::ToolRegistry::FromJson(json::parse(R"([{"id":"t","description":"T","default":true}])"),
                                  {tool, write}, {{}, {}, {}, read_only});
  INFO(reg.status().message());
  REQUIRE(reg.ok());
  return std::make_shared<mcp::ToolRegistry const>(*std::move(reg));
}

struct Run {
  int status;
  std::string out, err;
};

Run Call(std::string const& tool, json const& args, bool json_output = false,
         bool read_only = false) {
  mcp::McpServer server{mcp::ServerInfo{"halo-mcp", "HaloPSA", "9.9.9", "", 100, nullptr},
                        Registry(read_only), std::make_shared<EchoCaller>()};
  std::ostringstream out, err;
  int status = mcp::RunToolCall(server, tool, args, json_output, out, err);
  return {status, out.str(), err.str()};
}

}  // namespace

TEST_CASE("ParseCallArguments: key=value text, key:=JSON, or one JSON object", "[cli_call]") {
  auto a = mcp::ParseCallArguments(
      {"client=Acme Ltd", "limit:=5", R"(status:=["New","Open"])", "note=a=b", "open_only:=true"});
  REQUIRE(a.ok());
  CHECK(*a == json{{"client", "Acme Ltd"},
                   {"limit", 5},
                   {"status", {"New", "Open"}},
                   {"note", "a=b"},
                   {"open_only", true}});
  auto object = mcp::ParseCallArguments({R"( {"id": 1001, "full_text": true})"});
  REQUIRE(object.ok());
  CHECK(*object == json{{"id", 1001}, {"full_text", true}});
  auto none = mcp::ParseCallArguments({});
  REQUIRE(none.ok());
  CHECK(*none == json::object());
}

TEST_CASE("ParseCallArguments names the word it cannot read", "[cli_call]") {
  auto bare = mcp::ParseCallArguments({"client=Acme", "open_only"});
  REQUIRE_FALSE(bare.ok());
  CHECK_THAT(bare.status().message(),
             Catch::Matchers::Contains("\"open_only\" is not an argument"));
  auto bad_json = mcp::ParseCallArguments({"limit:=five"});
  REQUIRE_FALSE(bad_json.ok());
  CHECK_THAT(bad_json.status().message(), Catch::Matchers::Contains("limit:= is not JSON"));
  auto twice = mcp::ParseCallArguments({"a=1", "a=2"});
  REQUIRE_FALSE(twice.ok());
  CHECK_THAT(twice.status().message(), Catch::Matchers::Contains("\"a\" is given twice"));
  CHECK_FALSE(mcp::ParseCallArguments({"=x"}).ok());
  CHECK_FALSE(mcp::ParseCallArguments({"{not json"}).ok());
  CHECK_FALSE(mcp::ParseCallArguments({"[1]"}).ok());
}

TEST_CASE("RunToolCall goes through tools/call: coercion, validation, result and exit status",
          "[cli_call]") {
  auto ok = Call("echo_tool", {{"n", "3"}});  // text "3" coerced to 3, as for a model
  CHECK(ok.status == 0);
  CHECK(ok.out == "echo_tool {\"n\":3}\n");
  CHECK(ok.err.empty());

  auto structured = Call("echo_tool", {{"n", 2}, {"tags", {"a"}}}, /*json_output=*/true);
  CHECK(structured.status == 0);
  CHECK(json::parse(structured.out) == json{{"got", {{"n", 2}, {"tags", {"a"}}}}});

  auto invalid = Call("echo_tool", {{"n", 9}});  // over the schema's maximum: never reaches it
  CHECK(invalid.status == 1);
  CHECK(invalid.out.empty());
  CHECK_THAT(invalid.err, Catch::Matchers::Contains("Invalid arguments for echo_tool"));

  auto failed = Call("echo_tool", {{"n", 4}}, /*json_output=*/true);
  CHECK(failed.status == 1);
  CHECK(failed.err == "four is refused\n");

  auto unknown = Call("no_such_tool", json::object());
  CHECK(unknown.status == 2);
  CHECK_THAT(unknown.err, Catch::Matchers::Contains("Unknown tool: no_such_tool"));

  auto hidden = Call("write_tool", {{"n", 1}}, false, /*read_only=*/true);
  CHECK(hidden.status == 1);
  CHECK_THAT(hidden.err, Catch::Matchers::Contains("is disabled on this server"));
}

TEST_CASE("PrintTools lists tools, describes one, or prints definitions", "[cli_call]") {
  auto registry = Registry(/*read_only=*/true);
  std::ostringstream out, err;
  CHECK(mcp::PrintTools(*registry, "", false, out, err) == 0);
  CHECK(out.str() == "echo_tool  [t, read]  Echo\n");
  out.str("");
  CHECK(mcp::PrintTools(*registry, "echo_tool", false, out, err) == 0);
  CHECK(out.str() ==
        "echo_tool: Echoes\n"
        "  n (integer, required): N\n"
        "  tags (array): Tags\n");
  out.str("");
  CHECK(mcp::PrintTools(*registry, "", true, out, err) == 0);
  auto defs = json::parse(out.str());
  REQUIRE(defs.size() == 1);
  CHECK(defs[0]["name"] == "echo_tool");
  CHECK(defs[0].contains("inputSchema"));
  CHECK(mcp::PrintTools(*registry, "write_tool", false, out, err) == 2);
  CHECK_THAT(err.str(), Catch::Matchers::Contains(
                            "no tool write_tool on this server: the server is read-only"));
}
