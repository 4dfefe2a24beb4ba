#include "server/dynamic_toolsets.h"

#include "server/mcp_server.h"

#include <catch2/catch.hpp>

using Catch::Matchers::Contains;
using nlohmann::json;

namespace {

class NameCaller : public mcp::ToolCaller {
 public:
  json Call(mcp::ToolSpec const& tool, json const&, mcp::CallScope&) override {
    return mcp::ToolTextResult("ran " + tool.name);
  }
};

json Tool(std::string const& name, std::string const& toolset, bool write = false) {
  json t{
      {"name", name},
      {"title", name},
      {"description", "Does " + name},
      {"toolset", toolset},
      {"annotations",
       {{"readOnlyHint", !write},
        {"destructiveHint", false},
        {"idempotentHint", !write},
        {"openWorldHint", true}}},
      {"inputSchema",
       {{"type", "object"}, {"properties", json::object()}, {"additionalProperties", false}}},
      {"halo",
       {{"method", write ? "POST" : "GET"}, {"path", "/X"}, {"kind", write ? "create" : "list"}}}};
  return t;
}

json EnableTool() {
  return json::parse(R"({
    "name": "halopsa_enable_toolset", "title": "Enable", "description": "Enable a toolset.",
    "toolset": "dynamic",
    "annotations": {"readOnlyHint": true, "destructiveHint": false, "idempotentHint": true,
                    "openWorldHint": false},
    "inputSchema": {"type": "object", "additionalProperties": false,
                    "properties": {"toolset": {"type": "string", "description": "Toolset id"}}},
    "halo": {"method": "GET", "path": "/", "kind": "enable_toolset", "unbound": ["toolset"]}})");
}

std::shared_ptr<mcp::ToolRegistry const> Registry(mcp::ToolFilter filter) {
  json toolsets = json::parse(R"([
    {"id": "tickets", "description": "Tickets", "default": true},
    {"id": "calendar", "description": "Appointments", "default": false},
    {"id": "billing", "description": "Invoices", "default": false},
    {"id": "dynamic", "description": "Enable toolsets", "default": false, "meta": true}])");
  auto reg = mcp::ToolRegistry::FromJson(
      toolsets,
      {Tool("list_tickets", "tickets"), Tool("list_appointments", "calendar"),
       Tool("create_appointment", "calendar", true), Tool("create_invoice", "billing", true),
       EnableTool()},
      filter);
  INFO(reg.status().message());
  REQUIRE(reg.ok());
  return std::make_shared<mcp::ToolRegistry const>(*std::move(reg));
}

mcp::ToolFilter Dynamic(bool read_only = false) {
  mcp::ToolFilter f;
  f.read_only = read_only;
  f.dynamic_toolsets = true;
  return f;
}

std::string const kModernMeta =
    R"("_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}})";

struct Client {
  Client(mcp::McpServer& s, std::shared_ptr<mcp::Principal const> p)
      : server(s), principal(std::move(p)) {}
  mcp::McpServer& server;
  std::shared_ptr<mcp::Principal const> principal;
  mcp::Session session;
  std::vector<json> sent;
  int next_id = 1;

  json Send(std::string const& method, json params = json::object()) {
    json message{{"jsonrpc", "2.0"}, {"id", next_id++}, {"method", method}, {"params", params}};
    auto d = mcp::DecodeMessage(message);
    REQUIRE(d.message);
    return server.Handle(
        session, *d.message, [this](json const& n) { sent.push_back(n); }, principal);
  }
  json Init() {
    return Send("initialize", {{"protocolVersion", "2025-11-25"},
                               {"capabilities", json::object()},
                               {"clientInfo", {{"name", "t"}, {"version", "1"}}}});
  }
  std::vector<std::string> Names() {
    std::vector<std::string> names;
    json const list = Send("tools/list");
    for (auto const& t : list["result"]["tools"]) names.push_back(t["name"]);
    return names;
  }
  json Call(std::string const& name, json args = json::object()) {
    return Send("tools/call", {{"name", name}, {"arguments", args}})["result"];
  }
};

std::string Text(json const& result) { return result["content"][0]["text"].get<std::string>(); }

struct Server {
  explicit Server(mcp::ToolFilter filter, std::size_t page_size = 100)
      : server(mcp::ServerInfo{"halo-mcp", "HaloPSA", "1", "", page_size, nullptr},
               Registry(std::move(filter)), std::make_shared<NameCaller>()) {}
  mcp::McpServer server;
};

}  // namespace

TEST_CASE("Without the setting nothing changes: no enable tool, no list changes",
          "[server][dynamic]") {
  Server s{mcp::ToolFilter{}};
  Client c{s.server, nullptr};
  CHECK(c.Init()["result"]["capabilities"]["tools"]["listChanged"] == false);
  CHECK(c.Names() == std::vector<std::string>{"list_tickets"});
  json r = c.Call("halopsa_enable_toolset", {{"toolset", "calendar"}});
  CHECK(r["isError"] == true);
  CHECK_THAT(Text(r), Contains("disabled on this server: it comes with --dynamic-toolsets"));
  mcp::ToolFilter all;
  all.toolsets = {"all"};
  CHECK(Registry(all)->Find("halopsa_enable_toolset") == nullptr);  // "all" holds no meta tool
  mcp::ToolFilter named;
  named.toolsets = {"dynamic"};
  auto refused =
      mcp::ToolRegistry::FromJson(json::parse(R"([{"id":"dynamic","meta":true}])"), {}, named);
  REQUIRE_FALSE(refused.ok());
  CHECK_THAT(refused.status().message(), Contains("--dynamic-toolsets"));
}

TEST_CASE("A session enables a toolset: notification, listed, callable", "[server][dynamic]") {
  Server s{Dynamic()};
  Client c{s.server, nullptr};
  CHECK(c.Init()["result"]["capabilities"]["tools"]["listChanged"] == true);
  CHECK(c.Names() == std::vector<std::string>{"halopsa_enable_toolset", "list_tickets"});
  json list = c.Send("tools/list")["result"]["tools"][0];
  CHECK_THAT(list["inputSchema"]["properties"]["toolset"]["description"].get<std::string>(),
             Contains("calendar (Appointments); billing (Invoices)"));

  json early = c.Call("list_appointments");
  CHECK(early["isError"] == true);
  CHECK_THAT(Text(early), Contains("halopsa_enable_toolset with toolset \"calendar\""));

  json offers = c.Call("halopsa_enable_toolset");
  CHECK_THAT(Text(offers), Contains("- calendar (2): Appointments"));
  CHECK_THAT(Text(offers), Contains("- billing (1): Invoices"));
  CHECK(c.sent.empty());

  json enabled = c.Call("halopsa_enable_toolset", {{"toolset", "calendar"}});
  CHECK_FALSE(enabled.contains("isError"));
  CHECK(Text(enabled) == "Enabled calendar: create_appointment, list_appointments.");
  REQUIRE(c.sent.size() == 1);
  CHECK(c.sent[0] == json{{"jsonrpc", "2.0"}, {"method", "notifications/tools/list_changed"}});
  CHECK(c.Names() == std::vector<std::string>{"create_appointment", "halopsa_enable_toolset",
                                              "list_appointments", "list_tickets"});
  CHECK(Text(c.Call("create_appointment")) == "ran create_appointment");

  json again = c.Call("halopsa_enable_toolset", {{"toolset", "calendar"}});
  CHECK_THAT(Text(again), Contains("already enabled"));
  CHECK_THAT(Text(c.Call("halopsa_enable_toolset", {{"toolset", "tickets"}})),
             Contains("already enabled"));
  CHECK(c.sent.size() == 1);  // nothing changed, nothing sent

  json unknown = c.Call("halopsa_enable_toolset", {{"toolset", "calender"}});
  CHECK(unknown["isError"] == true);
  CHECK(Text(unknown) == "Unknown toolset \"calender\". Valid: billing.");
  CHECK(c.Call("halopsa_enable_toolset", {{"toolset", "dynamic"}})["isError"] == true);

  c.Call("halopsa_enable_toolset", {{"toolset", "billing"}});
  // Nothing is left to enable: the tool is no longer offered.
  CHECK(c.Names() == std::vector<std::string>{"create_appointment", "create_invoice",
                                              "list_appointments", "list_tickets"});
}

TEST_CASE("Sessions are independent, and pages run across enabled toolsets", "[server][dynamic]") {
  Server s{Dynamic(), 2};
  Client a{s.server, nullptr};
  Client b{s.server, nullptr};
  a.Init();
  b.Init();
  a.Call("halopsa_enable_toolset", {{"toolset", "calendar"}});
  CHECK(b.Call("list_appointments")["isError"] == true);
  std::vector<std::string> names;
  json cursor;
  do {
    json params = json::object();
    if (!cursor.is_null()) params["cursor"] = cursor;
    json page = a.Send("tools/list", params)["result"];
    for (auto const& t : page["tools"]) names.push_back(t["name"]);
    cursor = page.value("nextCursor", json());
  } while (!cursor.is_null());
  CHECK(names == std::vector<std::string>{"create_appointment", "halopsa_enable_toolset",
                                          "list_appointments", "list_tickets"});
  json bad = a.Send("tools/list", {{"cursor", "after:zzz"}});
  CHECK(bad["error"]["code"] == mcp::kInvalidParams);
}

TEST_CASE("Read-only servers and token policies only narrow what is enabled", "[server][dynamic]") {
  Server s{Dynamic(/*read_only=*/true)};
  Client c{s.server, nullptr};
  c.Init();
  json enabled = c.Call("halopsa_enable_toolset", {{"toolset", "calendar"}});
  CHECK_THAT(Text(enabled), Contains("Enabled calendar: list_appointments."));
  CHECK_THAT(Text(enabled), Contains("Left out: 1 of its tools"));
  CHECK(c.Call("create_appointment")["isError"] == true);
  // billing holds only a write: on a read-only server it is not offered at all.
  json billing = c.Call("halopsa_enable_toolset", {{"toolset", "billing"}});
  CHECK(billing["isError"] == true);
  CHECK_THAT(Text(billing), Contains("no tools you may use"));

  Server open{Dynamic()};
  auto narrow = std::make_shared<mcp::Principal const>(
      mcp::Principal{"sam", "", mcp::ToolPolicy{true, {"tickets", "calendar"}, {}, {}}});
  Client token{open.server, narrow};
  token.Init();
  json offers = token.Call("halopsa_enable_toolset");
  CHECK_THAT(Text(offers), Contains("calendar (1)"));
  CHECK_THAT(Text(offers), !Contains("billing"));
  CHECK_THAT(Text(token.Call("halopsa_enable_toolset", {{"toolset", "billing"}})),
             Contains("your token's policy"));
  token.Call("halopsa_enable_toolset", {{"toolset", "calendar"}});
  CHECK(token.Names() == std::vector<std::string>{"list_appointments", "list_tickets"});
  CHECK_THAT(Text(token.Call("create_appointment")), Contains("not allowed for your token"));

  auto tickets_only = std::make_shared<mcp::Principal const>(
      mcp::Principal{"lee", "", mcp::ToolPolicy{false, {"tickets"}, {}, {}}});
  Client lee{open.server, tickets_only};
  lee.Init();
  CHECK(lee.Names() == std::vector<std::string>{"list_tickets"});  // nothing to enable
}

TEST_CASE("Stateless 2026-07-28 requests see the start toolsets only", "[server][dynamic]") {
  Server s{Dynamic()};
  Client c{s.server, nullptr};
  auto modern = [&](std::string const& method, std::string const& rest = "") {
    return c.Send(method, json::parse("{" + rest + (rest.empty() ? "" : ",") + kModernMeta + "}"));
  };
  CHECK(modern("server/discover")["result"]["capabilities"]["tools"]["listChanged"] == false);
  json list = modern("tools/list")["result"]["tools"];
  REQUIRE(list.size() == 1);
  CHECK(list[0]["name"] == "list_tickets");
  json call =
      modern("tools/call", R"("name":"halopsa_enable_toolset","arguments":{"toolset":"calendar"})");
  CHECK(call["result"]["isError"] == true);
  CHECK_THAT(Text(call["result"]), Contains("carry no session"));
  CHECK_THAT(Text(modern("tools/call", R"("name":"list_appointments")")["result"]),
             Contains("stateless 2026-07-28"));
  CHECK(c.sent.empty());
  // A legacy session on the same process is unaffected.
  c.Init();
  c.Call("halopsa_enable_toolset", {{"toolset", "calendar"}});
  CHECK(modern("tools/list")["result"]["tools"].size() == 1);
}
