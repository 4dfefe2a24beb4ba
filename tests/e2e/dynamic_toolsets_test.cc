// Dynamic toolsets (--dynamic-toolsets, issue 11) through the real halo-mcp binary against the
// in-process simulator: over stdio a session enables a toolset, hears list_changed, lists and
// calls the new tools; errors (unknown toolset, a read-only server adds only reads); over HTTP
// two legacy sessions are independent and stateless requests keep the start set; and the
// "book an appointment" workflow takes exactly enable + create.
#include "sim/simulator.h"
#include "tests/support/mcp_process.h"
#include "tests/support/simulator_env.h"
#include "tests/support/tool_result_check.h"

#include <catch2/catch.hpp>
#include <httplib.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using Catch::Matchers::Contains;
using halo_test::McpProcess;
using halo_test::SimulatorEnv;
using halo_test::StartSimulator;
using nlohmann::json;
using namespace std::chrono_literals;

namespace {

constexpr char kEnable[] = "halopsa_enable_toolset";

std::unique_ptr<halo_sim::Simulator> StartSim() {
  halo_sim::SimOptions o;
  o.tickets = 120;
  o.clients = 6;
  o.assets = 10;
  o.agents = 6;
  o.rate_limit_requests = 0;
  return StartSimulator(o);
}

std::map<std::string, std::string> SimEnv(halo_sim::Simulator const& sim) {
  return SimulatorEnv(sim, {{"HALOPSA_RATE_LIMIT", "off"},
                            {"HALOPSA_TIMEZONE", "UTC"},
                            {"HALO_MCP_TOOLSETS", ""},
                            {"HALO_MCP_READ_ONLY", ""},
                            {"HALO_MCP_DYNAMIC_TOOLSETS", ""}});
}

std::string Text(json const& r) { return halo_test::ResultText(r); }

json ListResult(McpProcess& p) {
  json r = p.Request("tools/list", json::object());
  REQUIRE(r.contains("result"));
  REQUIRE_FALSE(r["result"].contains("nextCursor"));
  return r["result"];
}

std::map<std::string, json> ByName(json const& tools) {
  std::map<std::string, json> out;
  for (auto const& t : tools) out[t["name"]] = t;
  return out;
}

std::size_t ListChanged(McpProcess const& p) {
  return static_cast<std::size_t>(std::count_if(
      p.notifications.begin(), p.notifications.end(),
      [](json const& n) { return n.value("method", "") == "notifications/tools/list_changed"; }));
}

/// A simulator and halo-mcp over stdio with --dynamic-toolsets (plus `extra`).
struct Dynamic {
  std::unique_ptr<halo_sim::Simulator> sim = StartSim();
  std::unique_ptr<McpProcess> mcp;
  json init;
  int calls = 0;

  std::int64_t agent_id = 0;  // the acting technician

  explicit Dynamic(std::vector<std::string> extra = {}) {
    std::string agent;
    sim->WithStore([&](halo_sim::Store& s) {
      for (auto const& [id, a] : s.table("Agent").rows) {
        if (id > 1 && !a.value("isdisabled", false) && !a.value("isapiagent", false)) {
          agent = a.value("name", "");
          agent_id = id;
          break;
        }
      }
    });
    REQUIRE_FALSE(agent.empty());
    std::vector<std::string> argv{HALO_MCP_BINARY,      "--log-level", "warn",
                                  "--dynamic-toolsets", "--agent",     agent};
    argv.insert(argv.end(), extra.begin(), extra.end());
    mcp = McpProcess::Start(argv, SimEnv(*sim));
    init = mcp->Initialize();
    REQUIRE(init.contains("result"));
  }
  ~Dynamic() { CHECK(mcp->stdout_garbage.empty()); }
  json Call(std::string const& tool, json args = json::object()) {
    ++calls;
    return mcp->Call(tool, std::move(args));
  }
};

}  // namespace

TEST_CASE("stdio: enable a toolset, hear list_changed, list and call its tools", "[e2e][dynamic]") {
  Dynamic d;
  CHECK(d.init["result"]["capabilities"]["tools"]["listChanged"] == true);

  // The start set is the default set, unchanged, plus the enable tool.
  auto plain = McpProcess::Start({HALO_MCP_BINARY, "--log-level", "warn"}, SimEnv(*d.sim));
  auto init = plain->Initialize();
  INFO(init.dump());
  REQUIRE(init.contains("result"));
  json const without = ListResult(*plain);
  json const with = ListResult(*d.mcp);
  auto start = ByName(with["tools"]);
  REQUIRE(start.count(kEnable) == 1);
  json const enable_def = start[kEnable];
  start.erase(kEnable);
  CHECK(start == ByName(without["tools"]));
  std::size_t const bytes = json{{"result", with}}.dump().size();
  std::cout << "[measure] tools/list with --dynamic-toolsets: " << bytes
            << " bytes (budget 40960; without the flag " << json{{"result", without}}.dump().size()
            << ")\n";
  CHECK(bytes <= 40 * 1024);
  CHECK(enable_def["annotations"]["readOnlyHint"] == true);
  CHECK(enable_def["annotations"]["openWorldHint"] == false);
  CHECK_FALSE(enable_def["annotations"].contains("destructiveHint"));  // meaningless on a read
  CHECK_THAT(enable_def["inputSchema"]["properties"]["toolset"]["description"].get<std::string>(),
             Contains("calendar (Appointments"));

  json early = d.Call("halopsa_list_appointments");
  CHECK(halo_test::IsToolError(early));
  CHECK_THAT(Text(early), Contains("halopsa_enable_toolset with toolset \"calendar\""));

  json offers = d.Call(kEnable);
  CHECK_FALSE(halo_test::IsToolError(offers));
  CHECK_THAT(Text(offers), Contains("- calendar (5): Appointments"));
  CHECK_THAT(Text(offers), Contains("- billing (6)"));
  CHECK_THAT(Text(offers), !Contains("- tickets"));
  CHECK(ListChanged(*d.mcp) == 0);

  json enabled = d.Call(kEnable, {{"toolset", "calendar"}});
  INFO(Text(enabled));
  REQUIRE_FALSE(halo_test::IsToolError(enabled));
  CHECK(Text(enabled) ==
        "Enabled calendar: halopsa_create_appointment, halopsa_delete_appointment, "
        "halopsa_get_appointment, halopsa_list_appointments, halopsa_update_appointment.");
  CHECK(ListChanged(*d.mcp) == 1);
  auto now_listed = ByName(ListResult(*d.mcp)["tools"]);
  CHECK(now_listed.size() == start.size() + 1 + 5);
  CHECK(now_listed.count("halopsa_create_appointment") == 1);
  json appointments = d.Call("halopsa_list_appointments", {{"limit", 3}});
  INFO(Text(appointments));
  REQUIRE_FALSE(halo_test::IsToolError(appointments));
  CHECK(appointments["structuredContent"]["items"].size() >= 1);
  CHECK(d.sim->requests().back().path == "/api/Appointment");

  json unknown = d.Call(kEnable, {{"toolset", "calender"}});
  CHECK(halo_test::IsToolError(unknown));
  CHECK_THAT(Text(unknown), Contains("Unknown toolset \"calender\""));
  CHECK_THAT(Text(unknown), Contains("billing"));
  CHECK_THAT(Text(unknown), !Contains("calendar"));  // enabled already: not offered again
  CHECK_THAT(Text(d.Call(kEnable, {{"toolset", "calendar"}})), Contains("already enabled"));
  CHECK(ListChanged(*d.mcp) == 1);
}

TEST_CASE("stdio: a read-only server enabling a write toolset adds only its reads",
          "[e2e][dynamic]") {
  Dynamic d({"--read-only"});
  json enabled = d.Call(kEnable, {{"toolset", "calendar"}});
  INFO(Text(enabled));
  REQUIRE_FALSE(halo_test::IsToolError(enabled));
  CHECK_THAT(Text(enabled),
             Contains("Enabled calendar: halopsa_get_appointment, halopsa_list_appointments."));
  CHECK_THAT(Text(enabled), Contains("Left out: 3 of its tools"));
  auto listed = ByName(ListResult(*d.mcp)["tools"]);
  CHECK(listed.count("halopsa_list_appointments") == 1);
  CHECK(listed.count("halopsa_create_appointment") == 0);
  std::size_t const writes_before = d.sim->requests().size();
  json refused =
      d.Call("halopsa_create_appointment",
             {{"subject", "x"}, {"start", "2026-12-04T10:00"}, {"end", "2026-12-04T11:00"}});
  CHECK(halo_test::IsToolError(refused));
  CHECK_THAT(Text(refused), Contains("read-only"));
  CHECK(d.sim->requests().size() == writes_before);
}

TEST_CASE("Workflow: book an appointment with dynamic toolsets takes enable + create",
          "[e2e][dynamic][workflow]") {
  Dynamic d;
  std::int64_t ticket = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) {
      if (t.value("client_id", 0) > 0 && t.value("site_id", 0) > 0) {
        ticket = id;
        break;
      }
    }
  });
  // The assistant reads tools/list: no appointment tool, but the enable tool names calendar.
  auto listed = ByName(ListResult(*d.mcp)["tools"]);
  REQUIRE(listed.count("halopsa_create_appointment") == 0);
  REQUIRE_THAT(listed[kEnable].dump(), Contains("calendar (Appointments"));
  int const before = d.calls;
  REQUIRE_FALSE(halo_test::IsToolError(d.Call(kEnable, {{"toolset", "calendar"}})));
  json made = d.Call("halopsa_create_appointment", {{"subject", "On site: printer"},
                                                    {"ticket_id", ticket},
                                                    {"start", "2026-12-10T10:00"},
                                                    {"end", "2026-12-10T12:00"}});
  INFO(Text(made));
  REQUIRE_FALSE(halo_test::IsToolError(made));
  CHECK(d.calls - before == 2);
  json row;
  d.sim->WithStore([&](halo_sim::Store& s) {
    if (auto const* r = s.Find("Appointment", made["structuredContent"]["id"].get<std::int64_t>()))
      row = *r;
  });
  CHECK(row["ticket_id"] == ticket);
  CHECK(row["agent_id"] == d.agent_id);
  CHECK(row["start_date"] == "2026-12-10T10:00:00");
  CHECK(row["end_date"] == "2026-12-10T12:00:00");
}

namespace {

/// halo-mcp --http --dynamic-toolsets against the simulator.
struct Http {
  std::unique_ptr<halo_sim::Simulator> sim = StartSim();
  std::unique_ptr<McpProcess> mcp;
  std::string port_file = "/tmp/halo-dynamic-test-" + std::to_string(getpid()) + ".port";
  int port = 0;

  Http() {
    std::remove(port_file.c_str());
    mcp = McpProcess::Start({HALO_MCP_BINARY, "--log-level", "warn", "--dynamic-toolsets", "--http",
                             "127.0.0.1:0", "--http-port-file", port_file},
                            SimEnv(*sim));
    auto deadline = std::chrono::steady_clock::now() + 15s;
    while (std::chrono::steady_clock::now() < deadline) {
      std::ifstream in(port_file);
      if (in >> port && port > 0) break;
      std::this_thread::sleep_for(20ms);
    }
    INFO(mcp->Stderr());
    REQUIRE(port > 0);
  }
  ~Http() { std::remove(port_file.c_str()); }

  /// Every JSON-RPC message of a response (one JSON body, or an SSE stream's data lines).
  std::vector<json> Post(json const& message, std::string const& session,
                         httplib::Headers extra = {}) {
    httplib::Client cli("127.0.0.1", port);
    cli.set_read_timeout(30, 0);
    httplib::Headers h{{"Accept", "application/json, text/event-stream"}};
    if (!session.empty()) h.emplace("Mcp-Session-Id", session);
    for (auto const& [k, v] : extra) h.emplace(k, v);
    auto r = cli.Post("/mcp", h, message.dump(), "application/json");
    REQUIRE(r);
    INFO(r->body);
    REQUIRE(r->status == 200);
    std::vector<json> out;
    if (r->get_header_value("Content-Type") != "text/event-stream") {
      out.push_back(json::parse(r->body));
      return out;
    }
    std::size_t pos = 0;
    while ((pos = r->body.find("data: ", pos)) != std::string::npos) {
      auto end = r->body.find('\n', pos);
      std::string data = r->body.substr(pos + 6, end - pos - 6);
      if (!data.empty()) out.push_back(json::parse(data));
      pos = end;
    }
    return out;
  }
  std::string Initialize() {
    httplib::Client cli("127.0.0.1", port);
    json init{{"jsonrpc", "2.0"},
              {"id", 0},
              {"method", "initialize"},
              {"params",
               {{"protocolVersion", "2025-11-25"},
                {"capabilities", json::object()},
                {"clientInfo", {{"name", "t"}, {"version", "1"}}}}}};
    auto r = cli.Post("/mcp", {{"Accept", "application/json, text/event-stream"}}, init.dump(),
                      "application/json");
    REQUIRE(r);
    REQUIRE(r->status == 200);
    CHECK(json::parse(r->body)["result"]["capabilities"]["tools"]["listChanged"] == true);
    return r->get_header_value("Mcp-Session-Id");
  }
  std::set<std::string> Names(std::string const& session) {
    auto msgs = Post({{"jsonrpc", "2.0"}, {"id", 1}, {"method", "tools/list"}}, session);
    std::set<std::string> names;
    for (auto const& t : msgs.back()["result"]["tools"]) names.insert(t["name"]);
    return names;
  }
  std::vector<json> Call(std::string const& session, std::string const& tool, json args, int id) {
    return Post({{"jsonrpc", "2.0"},
                 {"id", id},
                 {"method", "tools/call"},
                 {"params", {{"name", tool}, {"arguments", args}}}},
                session);
  }
};

}  // namespace

TEST_CASE("HTTP: two legacy sessions enable toolsets independently, stateless keeps the start",
          "[e2e][dynamic][http]") {
  Http h;
  std::string const a = h.Initialize();
  std::string const b = h.Initialize();
  REQUIRE(a != b);
  auto msgs = h.Call(a, kEnable, {{"toolset", "calendar"}}, 2);
  REQUIRE(msgs.size() == 2);  // the notification, then the result, on the request's stream
  CHECK(msgs[0]["method"] == "notifications/tools/list_changed");
  CHECK(msgs[1]["id"] == 2);
  CHECK_THAT(Text(msgs[1]["result"]), Contains("Enabled calendar"));

  auto const names_a = h.Names(a);
  auto const names_b = h.Names(b);
  CHECK(names_a.count("halopsa_list_appointments") == 1);
  CHECK(names_b.count("halopsa_list_appointments") == 0);
  CHECK(names_b.count(kEnable) == 1);
  json in_a = h.Call(a, "halopsa_list_appointments", {{"limit", 1}}, 3).back()["result"];
  CHECK_FALSE(halo_test::IsToolError(in_a));
  json in_b = h.Call(b, "halopsa_list_appointments", {{"limit", 1}}, 3).back()["result"];
  CHECK(halo_test::IsToolError(in_b));
  CHECK_THAT(Text(in_b), Contains("not enabled in this session"));

  // B enables billing; A does not see it.
  h.Call(b, kEnable, {{"toolset", "billing"}}, 4);
  CHECK(h.Names(b).count("halopsa_list_invoices") == 1);
  CHECK(h.Names(a).count("halopsa_list_invoices") == 0);

  // Stateless 2026-07-28 requests: no enable tool, no list changes, the start set.
  json list{{"jsonrpc", "2.0"},
            {"id", 5},
            {"method", "tools/list"},
            {"params",
             {{"_meta",
               {{"io.modelcontextprotocol/protocolVersion", "2026-07-28"},
                {"io.modelcontextprotocol/clientCapabilities", json::object()}}}}}};
  auto modern =
      h.Post(list, "", {{"MCP-Protocol-Version", "2026-07-28"}, {"Mcp-Method", "tools/list"}});
  std::set<std::string> modern_names;
  for (auto const& t : modern.back()["result"]["tools"]) modern_names.insert(t["name"]);
  CHECK(modern_names.count(kEnable) == 0);
  CHECK(modern_names.count("halopsa_list_appointments") == 0);
  CHECK(modern_names.count("halopsa_list_tickets") == 1);
}
