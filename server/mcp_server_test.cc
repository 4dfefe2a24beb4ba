#include "server/mcp_server.h"

#include <catch2/catch.hpp>

#include <mutex>

using nlohmann::json;

namespace {

class EchoCaller : public mcp::ToolCaller {
 public:
  json Call(mcp::ToolSpec const& tool, json const& args, mcp::CallScope& scope) override {
    scope.Progress(1, 2, "half");
    scope.Progress(1, 2, "again");  // not increasing: dropped
    scope.Progress(2, 2, "done");
    scope.Log("info", "working");
    scope.Log("debug", "detail");
    return mcp::ToolTextResult(tool.name + " " + args.dump(), json{{"ok", true}});
  }
};

std::shared_ptr<mcp::ToolRegistry const> Registry() {
  json tool = json::parse(R"({
    "name": "echo_tool", "title": "Echo", "description": "Echoes", "toolset": "t",
    "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true,
                    "openWorldHint": false},
    "inputSchema": {"type": "object", "additionalProperties": false,
                    "properties": {"n": {"type": "integer", "maximum": 5, "description": "N"}}},
    "halo": {"method": "GET", "path": "/X", "kind": "get", "params": {"n": {}}}})");
  json write = tool;
  write["name"] = "write_tool";
  write["annotations"]["readOnlyHint"] = false;
  write["annotations"]["idempotentHint"] = false;
  write["halo"]["method"] = "POST";
  write["halo"]["kind"] = "create";
  auto reg =
      mcp::ToolRegistry::FromJson(json::parse(R"([{"id":"t","description":"T","default":true}])"),
                                  {tool, write}, {{}, {}, {}, /*read_only=*/true});
  REQUIRE(reg.ok());
  return std::make_shared<mcp::ToolRegistry const>(*std::move(reg));
}

struct Harness {
  mcp::McpServer server{mcp::ServerInfo{"halo-mcp", "HaloPSA", "9.9.9", "Use tools.", 100, nullptr},
                        Registry(), std::make_shared<EchoCaller>()};
  mcp::Session session;
  std::vector<json> sent;

  json Send(std::string const& text) {
    auto d = mcp::DecodeMessage(json::parse(text));
    REQUIRE(d.message);
    return server.Handle(session, *d.message, [this](json const& n) { sent.push_back(n); });
  }
  json Init(std::string const& version = "2025-11-25") {
    return Send(R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":")" +
                version + R"(","capabilities":{},"clientInfo":{"name":"t","version":"1"}}})");
  }
};

std::string const kModernMeta =
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28",)"
    R"("io.modelcontextprotocol/clientCapabilities":{}})";

}  // namespace

TEST_CASE("initialize negotiates the version and advertises what is implemented",
          "[server][lifecycle]") {
  Harness h;
  json r = h.Init("2025-06-18");
  CHECK(r["result"]["protocolVersion"] == "2025-06-18");
  CHECK(r["result"]["serverInfo"]["name"] == "halo-mcp");
  CHECK(r["result"]["serverInfo"]["title"] == "HaloPSA");
  CHECK(r["result"]["serverInfo"]["version"] == "9.9.9");
  CHECK(r["result"]["instructions"] == "Use tools.");
  CHECK(r["result"]["capabilities"] ==
        json::parse(R"({"tools":{"listChanged":false},"logging":{}})"));
  CHECK_FALSE(r["result"].contains("resultType"));

  Harness unknown;
  CHECK(unknown.Init("2099-01-01")["result"]["protocolVersion"] == "2025-11-25");
}

TEST_CASE("Lifecycle errors: before initialize, twice, bad params", "[server][lifecycle]") {
  Harness h;
  CHECK(h.Send(R"({"jsonrpc":"2.0","id":1,"method":"ping"})")["result"] == json::object());
  json early = h.Send(R"({"jsonrpc":"2.0","id":2,"method":"tools/list"})");
  CHECK(early["error"]["code"] == mcp::kInvalidRequest);
  CHECK_THAT(early["error"]["message"].get<std::string>(),
             Catch::Matchers::Contains("before initialize"));
  h.Init();
  json again = h.Init();
  CHECK(again["error"]["code"] == mcp::kInvalidRequest);
  json bad = h.Send(R"({"jsonrpc":"2.0","id":"x","method":"initialize","params":{}})");
  CHECK(bad["id"] == "x");
  json nomethod = h.Send(R"({"jsonrpc":"2.0","id":3,"method":"nope/nope"})");
  CHECK(nomethod["error"]["code"] == mcp::kMethodNotFound);
  json level =
      h.Send(R"({"jsonrpc":"2.0","id":4,"method":"logging/setLevel","params":{"level":"loud"}})");
  CHECK(level["error"]["code"] == mcp::kInvalidParams);
  CHECK(h.Send(R"({"jsonrpc":"2.0","method":"notifications/initialized"})").is_null());
}

TEST_CASE("tools/call: progress, logging, validation, unknown and hidden tools",
          "[server][tools]") {
  Harness h;
  h.Init();
  h.Send(R"({"jsonrpc":"2.0","id":1,"method":"logging/setLevel","params":{"level":"info"}})");
  json r = h.Send(
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo_tool","arguments":{"n":3},"_meta":{"progressToken":"p1"}}})");
  CHECK(r["id"] == 7);
  CHECK(r["result"]["structuredContent"]["ok"] == true);
  REQUIRE(h.sent.size() == 3);  // two progress (non-increasing dropped), one info log
  CHECK(h.sent[0]["method"] == "notifications/progress");
  CHECK(h.sent[0]["params"]["progressToken"] == "p1");
  CHECK(h.sent[1]["params"]["progress"] == 2.0);
  CHECK(h.sent[2]["method"] == "notifications/message");
  CHECK(h.sent[2]["params"]["level"] == "info");

  json invalid = h.Send(
      R"({"jsonrpc":"2.0","id":8,"method":"tools/call","params":{"name":"echo_tool","arguments":{"n":"x"}}})");
  CHECK(invalid["result"]["isError"] == true);
  CHECK_THAT(invalid["result"]["content"][0]["text"].get<std::string>(),
             Catch::Matchers::Contains("argument 'n'"));
  json omitted =
      h.Send(R"({"jsonrpc":"2.0","id":9,"method":"tools/call","params":{"name":"echo_tool"}})");
  CHECK_FALSE(omitted["result"].contains("isError"));
  json unknown = h.Send(
      R"({"jsonrpc":"2.0","id":10,"method":"tools/call","params":{"name":"nope","arguments":{}}})");
  CHECK(unknown["error"]["code"] == mcp::kInvalidParams);
  json hidden = h.Send(
      R"({"jsonrpc":"2.0","id":11,"method":"tools/call","params":{"name":"write_tool","arguments":{}}})");
  CHECK(hidden["result"]["isError"] == true);
  CHECK_THAT(hidden["result"]["content"][0]["text"].get<std::string>(),
             Catch::Matchers::Contains("read-only"));
  json list = h.Send(R"({"jsonrpc":"2.0","id":12,"method":"tools/list"})");
  REQUIRE(list["result"]["tools"].size() == 1);  // the write tool is hidden in read-only mode
}

TEST_CASE("Modern era: discover before initialize, _meta checks, resultType", "[server][modern]") {
  Harness h;
  json d = h.Send(R"({"jsonrpc":"2.0","id":"d","method":"server/discover","params":{)" +
                  kModernMeta + "}}");
  CHECK(d["result"]["supportedVersions"] == json::array({"2026-07-28"}));
  CHECK(d["result"]["resultType"] == "complete");
  CHECK(d["result"]["ttlMs"].is_number_integer());
  CHECK(d["result"]["cacheScope"] == "private");
  CHECK(d["result"]["_meta"]["io.modelcontextprotocol/serverInfo"]["name"] == "halo-mcp");

  json list =
      h.Send(R"({"jsonrpc":"2.0","id":1,"method":"tools/list","params":{)" + kModernMeta + "}}");
  CHECK(list["result"]["resultType"] == "complete");
  CHECK(list["result"].contains("ttlMs"));
  json call = h.Send(
      R"({"jsonrpc":"2.0","id":2,"method":"tools/call","params":{"name":"echo_tool","arguments":{},)" +
      kModernMeta + "}}");
  CHECK(call["result"]["resultType"] == "complete");
  CHECK(h.sent.empty());  // no log notifications without a per-request logLevel

  json bad_version = h.Send(
      R"({"jsonrpc":"2.0","id":3,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2099-01-01","io.modelcontextprotocol/clientCapabilities":{}}}})");
  CHECK(bad_version["error"]["code"] == mcp::kUnsupportedProtocolVersion);
  CHECK(bad_version["error"]["data"]["requested"] == "2099-01-01");
  CHECK(bad_version["id"] == 3);
  json no_caps = h.Send(
      R"({"jsonrpc":"2.0","id":4,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28"}}})");
  CHECK(no_caps["error"]["code"] == mcp::kInvalidParams);
  json ping = h.Send(R"({"jsonrpc":"2.0","id":5,"method":"ping","params":{)" + kModernMeta + "}}");
  CHECK(ping["error"]["code"] == mcp::kMethodNotFound);
  json bad_level = h.Send(
      R"({"jsonrpc":"2.0","id":6,"method":"tools/list","params":{"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{},"io.modelcontextprotocol/logLevel":"loud"}}})");
  CHECK(bad_level["error"]["code"] == mcp::kInvalidParams);

  // The same process still accepts a legacy initialize afterwards.
  CHECK(h.Init()["result"]["protocolVersion"] == "2025-11-25");
}

TEST_CASE("A cancelled call gets no response", "[server][cancel]") {
  Harness h;
  h.Init();
  auto token = h.server.Track(h.session, json(42));
  REQUIRE(token);
  CHECK_FALSE(h.server.Track(h.session, json(42)));  // the id is taken while in flight
  h.Send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":42}})");
  CHECK(token->cancelled());
  json r = h.Send(
      R"({"jsonrpc":"2.0","id":42,"method":"tools/call","params":{"name":"echo_tool","arguments":{}}})");
  CHECK(r.is_null());
}

TEST_CASE("Two requests with the same id in flight never share a cancellation token",
          "[server][cancel]") {
  Harness h;
  h.Init();
  // The first request with id 7 is queued (registered) but not yet running.
  auto first = h.server.Track(h.session, json(7));
  REQUIRE(first);
  // A second request with id 7 is refused rather than given the first one's token.
  auto d = mcp::DecodeMessage(json::parse(
      R"({"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"echo_tool","arguments":{}}})"));
  REQUIRE(d.message);
  json dup = h.server.Handle(h.session, *d.message, mcp::RequestContext{});
  CHECK(dup["error"]["code"] == mcp::kInvalidRequest);
  CHECK_THAT(dup["error"]["message"].get<std::string>(),
             Catch::Matchers::Contains("already in progress"));
  // Cancelling id 7 reaches the first request only, and the refused one did not unregister it.
  h.Send(R"({"jsonrpc":"2.0","method":"notifications/cancelled","params":{"requestId":7}})");
  CHECK(first->cancelled());
  // Once the first one has run, the id is free again.
  json r = h.server.Handle(h.session, *d.message, mcp::RequestContext{nullptr, first, nullptr});
  CHECK(r.is_null());  // it was cancelled: no response is due
  json again = h.server.Handle(h.session, *d.message, mcp::RequestContext{});
  CHECK(again["result"]["content"][0]["text"] == "echo_tool {}");
}

TEST_CASE("A tool that throws gets an error result and the server keeps serving",
          "[server][tools]") {
  class Thrower : public mcp::ToolCaller {
   public:
    json Call(mcp::ToolSpec const&, json const&, mcp::CallScope&) override {
      throw std::runtime_error("boom");
    }
  };
  mcp::McpServer server{mcp::ServerInfo{"halo-mcp", "HaloPSA", "1", "", 100, nullptr}, Registry(),
                        std::make_shared<Thrower>()};
  mcp::Session session;
  auto send = [&](std::string const& text) {
    auto d = mcp::DecodeMessage(json::parse(text));
    return server.Handle(session, *d.message, mcp::RequestContext{});
  };
  send(
      R"({"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25"}})");
  json r = send(
      R"({"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"echo_tool","arguments":{}}})");
  CHECK(r["result"]["isError"] == true);
  CHECK(session.in_flight.empty());
  CHECK(send(R"({"jsonrpc":"2.0","id":2,"method":"ping"})")["result"] == json::object());
}
