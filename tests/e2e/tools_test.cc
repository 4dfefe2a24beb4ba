// The tool catalogue end to end: every tool through the real halo-mcp binary against the
// in-process HaloPSA simulator. Covers name resolution, paging, HaloPSA's real filter names,
// read-only and tool selection, safe writes, faults, output budgets, outputSchema conformance and
// a golden snapshot of tools/list.
//
// Golden snapshot: tests/snapshots/tools_list.json holds tools/list (--toolsets all) exactly.
// After an intended schema change, regenerate it with
//   HALO_MCP_UPDATE_SNAPSHOTS=1 ./tool_e2e_tests "[snapshot]"
// and review the diff before committing.
#include "server/json_schema.h"
#include "server/output_format.h"
#include "sim/simulator.h"
#include "tests/support/mcp_process.h"
#include "tests/support/simulator_env.h"
#include "tests/support/tool_result_check.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <unistd.h>
#include <vector>

using halo_test::McpProcess;
using halo_test::SimulatorEnv;
using halo_test::StartSimulator;
using nlohmann::json;
using namespace std::chrono_literals;
using Catch::Matchers::Contains;

namespace {

// Every tool the catalogue issue names; each must be called at least once by this file.
std::vector<std::string> const kAllTools = {"halopsa_list_tickets",
                                            "halopsa_get_ticket",
                                            "halopsa_create_ticket",
                                            "halopsa_update_ticket",
                                            "halopsa_bulk_update_tickets",
                                            "halopsa_delete_ticket",
                                            "halopsa_list_actions",
                                            "halopsa_add_action",
                                            "halopsa_delete_action",
                                            "halopsa_list_clients",
                                            "halopsa_get_client",
                                            "halopsa_create_client",
                                            "halopsa_update_client",
                                            "halopsa_list_sites",
                                            "halopsa_get_site",
                                            "halopsa_create_site",
                                            "halopsa_update_site",
                                            "halopsa_list_users",
                                            "halopsa_get_user",
                                            "halopsa_create_user",
                                            "halopsa_update_user",
                                            "halopsa_list_assets",
                                            "halopsa_get_asset",
                                            "halopsa_create_asset",
                                            "halopsa_update_asset",
                                            "halopsa_list_asset_types",
                                            "halopsa_list_contracts",
                                            "halopsa_get_contract",
                                            "halopsa_list_agents",
                                            "halopsa_get_agent",
                                            "halopsa_whoami",
                                            "halopsa_list_teams",
                                            "halopsa_list_statuses",
                                            "halopsa_list_ticket_types",
                                            "halopsa_list_priorities",
                                            "halopsa_list_categories",
                                            "halopsa_list_outcomes",
                                            "halopsa_list_slas"};

/// Notes a tool called by this process. With HALO_MCP_RECORD_TOOLS set (the coverage test at
/// the end of this file), it is also appended to that file.
void NoteCalled(std::string const& tool) {
  if (char const* path = std::getenv("HALO_MCP_RECORD_TOOLS")) {
    std::ofstream(path, std::ios::app) << tool << "\n";
  }
}

struct SimSize {
  int tickets = 120;
  int clients = 6;
  int assets = 40;
  int users_per_client = 4;
  int agents = 8;
};

std::unique_ptr<halo_sim::Simulator> StartSim(SimSize const& size) {
  halo_sim::SimOptions o;
  o.tickets = size.tickets;
  o.clients = size.clients;
  o.assets = size.assets;
  o.users_per_client = size.users_per_client;
  o.agents = size.agents;
  o.rate_limit_requests = 0;
  o.threads = 8;
  return StartSimulator(o);
}

std::map<std::string, std::string> SimEnv(halo_sim::Simulator const& sim) {
  return SimulatorEnv(sim,
                      {{"HALOPSA_RATE_LIMIT", "off"},
                       // The tool selection must come from each test's own flags and environment.
                       {"HALO_MCP_TOOLSETS", ""},
                       {"HALO_MCP_TOOLS", ""},
                       {"HALO_MCP_EXCLUDE_TOOLS", ""},
                       {"HALO_MCP_READ_ONLY", ""}});
}

std::unique_ptr<McpProcess> StartMcp(halo_sim::Simulator const& sim,
                                     std::vector<std::string> const& args,
                                     std::map<std::string, std::string> const& extra_env = {}) {
  std::vector<std::string> argv{HALO_MCP_BINARY, "--log-level", "warn"};
  argv.insert(argv.end(), args.begin(), args.end());
  auto env = SimEnv(sim);
  for (auto const& [k, v] : extra_env) env[k] = v;
  return McpProcess::Start(argv, env);
}

std::string Text(json const& result) {
  if (!result.contains("content") || result["content"].empty()) return "";
  return result["content"][0].value("text", "");
}

bool IsError(json const& result) { return result.value("isError", false); }

/// All tools of one tools/list (following nextCursor).
json ListTools(McpProcess& p, json* first_response = nullptr) {
  json tools = json::array();
  json params = json::object();
  for (int guard = 0; guard < 20; ++guard) {
    json r = p.Request("tools/list", params);
    REQUIRE(r.contains("result"));
    if (first_response && guard == 0) *first_response = r;
    for (auto const& t : r["result"]["tools"]) tools.push_back(t);
    if (!r["result"].contains("nextCursor")) break;
    params["cursor"] = r["result"]["nextCursor"];
  }
  return tools;
}

std::set<std::string> ToolNames(json const& tools) {
  std::set<std::string> names;
  for (auto const& t : tools) names.insert(t["name"].get<std::string>());
  return names;
}

std::string PercentDecode(std::string const& s) {
  std::string out;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '%' && i + 2 < s.size()) {
      out.push_back(static_cast<char>(std::stoi(s.substr(i + 1, 2), nullptr, 16)));
      i += 2;
    } else {
      out.push_back(s[i] == '+' ? ' ' : s[i]);
    }
  }
  return out;
}

using QueryMap = std::multimap<std::string, std::string>;

QueryMap ParseQuery(std::string const& q) {
  QueryMap out;
  std::stringstream ss(q);
  for (std::string kv; std::getline(ss, kv, '&');) {
    if (kv.empty()) continue;
    auto eq = kv.find('=');
    out.emplace(PercentDecode(kv.substr(0, eq)),
                eq == std::string::npos ? "" : PercentDecode(kv.substr(eq + 1)));
  }
  return out;
}

std::string Param(QueryMap const& q, std::string const& name) {
  auto it = q.find(name);
  return it == q.end() ? std::string() : it->second;
}

bool IsWrite(halo_sim::LoggedRequest const& r) {
  return r.path.rfind("/api", 0) == 0 && (r.method == "POST" || r.method == "DELETE");
}

/// A simulator and a halo-mcp process serving it, initialised, with every tool's outputSchema
/// at hand so each result can be checked against it.
struct Fixture {
  std::unique_ptr<halo_sim::Simulator> sim;
  std::unique_ptr<McpProcess> mcp;
  std::map<std::string, json> output_schemas;
  json tools;

  explicit Fixture(SimSize size = {}, std::vector<std::string> args = {"--toolsets", "all"},
                   std::map<std::string, std::string> env = {}) {
    sim = StartSim(size);
    mcp = StartMcp(*sim, args, env);
    json init = mcp->Initialize();
    REQUIRE(init.contains("result"));
    tools = ListTools(*mcp);
    for (auto const& t : tools) {
      if (t.contains("outputSchema")) output_schemas[t["name"]] = t["outputSchema"];
    }
    sim->ClearRequests();
  }
  ~Fixture() { CHECK(mcp->stdout_garbage.empty()); }

  /// tools/call; checks the result's shape and that structuredContent matches the outputSchema.
  json Call(std::string const& tool, json args = json::object()) {
    json r = mcp->Call(tool, std::move(args));
    halo_test::CheckToolResult(tool, r, output_schemas);
    NoteCalled(tool);
    return r;
  }

  json CallOk(std::string const& tool, json args = json::object()) {
    json r = Call(tool, std::move(args));
    INFO(tool << " -> " << Text(r));
    REQUIRE_FALSE(IsError(r));
    return r["structuredContent"];
  }

  std::vector<halo_sim::LoggedRequest> Requests(std::string const& method,
                                                std::string const& path) const {
    std::vector<halo_sim::LoggedRequest> out;
    for (auto& r : sim->requests()) {
      if (r.method == method && r.path == path) out.push_back(r);
    }
    return out;
  }
  std::size_t Writes() const {
    std::size_t n = 0;
    for (auto& r : sim->requests()) n += IsWrite(r);
    return n;
  }

  /// Reads a lookup list through its tool and returns the id of the row whose `field` is `name`.
  json IdOf(std::string const& tool, std::string const& field, std::string const& name,
            std::string const& id_field = "id") {
    json items = CallOk(tool)["items"];
    for (auto const& i : items) {
      if (i.value(field, "") == name) return i[id_field];
    }
    FAIL("no " << name << " in " << tool);
    return nullptr;
  }

  std::size_t Count(std::string const& entity) {
    std::size_t n = 0;
    sim->WithStore([&](halo_sim::Store& s) { n = s.table(entity).rows.size(); });
    return n;
  }
  json Row(std::string const& entity, std::int64_t id) {
    json row;
    sim->WithStore([&](halo_sim::Store& s) {
      if (auto const* r = s.Find(entity, id)) row = *r;
    });
    return row;
  }
};

std::vector<std::int64_t> Ids(json const& items) {
  std::vector<std::int64_t> ids;
  for (auto const& i : items) ids.push_back(i["id"].get<std::int64_t>());
  return ids;
}

// The large tenant shared by the read-only tests (>1,200 tickets for paging past 1,000). Built
// once and deliberately leaked: its process exits with ours (its stdin closes).
constexpr int kSharedTickets = 1250;
constexpr int kSharedAssets = 130;

Fixture& Shared() {
  static Fixture* f = [] {
    SimSize size;
    size.tickets = kSharedTickets;
    size.clients = 10;
    size.assets = kSharedAssets;
    size.users_per_client = 4;
    size.agents = 8;
    auto* fx = new Fixture(size);
    // Controlled client names for the name-resolution cases.
    fx->sim->WithStore([](halo_sim::Store& s) {
      std::pair<std::int64_t, char const*> const names[] = {{12, "Northwind Traders"},
                                                            {13, "Northwind Logistics"},
                                                            {14, "Fabrikam Engineering"},
                                                            {15, "Northwind Traders Europe"}};
      for (auto const& [id, name] : names) {
        if (auto* c = s.Find("Client", id)) (*c)["name"] = name;
        for (auto& [sid, site] : s.table("Site").rows) {
          if (site.value("client_id", 0) != id) continue;
          site["client_name"] = name;
          site["clientsite_name"] = std::string(name) + " / " + site.value("name", "");
        }
        for (auto& [uid, user] : s.table("Users").rows) {
          auto const* site = s.Find("Site", user.value("site_id", 0));
          if (site != nullptr && site->value("client_id", 0) == id) user["client_name"] = name;
        }
      }
    });
    return fx;
  }();
  f->sim->ClearRequests();
  f->sim->SetFaults({});
  return *f;
}

}  // namespace

// ---------------------------------------------------------------------------------------------
// tools/list: snapshot, budget, annotations, selection flags

TEST_CASE("tools/list: golden snapshot, 80 KB budget and truthful annotations",
          "[e2e][tools][snapshot][budget]") {
  auto sim = StartSim({.tickets = 10, .clients = 2, .assets = 5});
  auto p = StartMcp(*sim, {"--toolsets", "all"});
  p->Initialize();
  json first;
  json tools = ListTools(*p, &first);
  REQUIRE_FALSE(first["result"].contains("nextCursor"));  // all tools in one response

  std::size_t const bytes = first.dump().size();
  std::cout << "[measure] tools/list (all toolsets, " << tools.size() << " tools): " << bytes
            << " bytes\n";
  CHECK(bytes <= 80 * 1024);  // every toolset (issue 11); default set: day/office tools tests

  auto names = ToolNames(tools);
  for (auto const& t : kAllTools) CHECK(names.count(t) == 1);

  for (auto const& t : tools) {
    std::string const name = t["name"];
    INFO(name);
    auto const& a = t["annotations"];
    bool const read = name.find("_list_") != std::string::npos ||
                      name.find("_get_") != std::string::npos ||
                      name.find("_search") != std::string::npos || name == "halopsa_whoami" ||
                      name == "halopsa_run_report" || name == "halopsa_api_operations";
    CHECK(a["readOnlyHint"] == read);
    CHECK(t.contains("outputSchema"));
    CHECK_FALSE(t["description"].get<std::string>().empty());
    if (read) {
      // Meaningful only for writes (MCP), so not sent for reads.
      CHECK_FALSE(a.contains("destructiveHint"));
      CHECK_FALSE(a.contains("idempotentHint"));
      continue;
    }
    // A merge cannot be undone either, and api_call can send a DELETE.
    CHECK(a["destructiveHint"] == (name.find("_delete_") != std::string::npos ||
                                   name.find("_merge_") != std::string::npos ||
                                   name == "halopsa_api_call"));
    if (name.find("_update_") != std::string::npos) CHECK(a["idempotentHint"] == true);
  }

  std::string const snapshot_path =
      std::string(HALO_MCP_SOURCE_DIR) + "/tests/snapshots/tools_list.json";
  std::string const current = tools.dump(2) + "\n";
  char const* update = std::getenv("HALO_MCP_UPDATE_SNAPSHOTS");
  if (update != nullptr && std::string(update) == "1") {
    std::ofstream out(snapshot_path, std::ios::binary | std::ios::trunc);
    out << current;
    REQUIRE(out.good());
    WARN("rewrote " << snapshot_path);
  } else {
    std::ifstream in(snapshot_path, std::ios::binary);
    INFO("missing " << snapshot_path << "; run with HALO_MCP_UPDATE_SNAPSHOTS=1 to create it");
    REQUIRE(in.good());
    std::stringstream ss;
    ss << in.rdbuf();
    INFO(
        "tools/list differs from the snapshot; if intended, rerun with "
        "HALO_MCP_UPDATE_SNAPSHOTS=1 and review the diff");
    CHECK(ss.str() == current);
  }
  CHECK(p->stdout_garbage.empty());
}

TEST_CASE("Tool selection: --toolsets, --tools, --exclude-tools and their environment twins",
          "[e2e][tools][flags]") {
  auto sim = StartSim({.tickets = 10, .clients = 2, .assets = 5});
  auto names_for = [&](std::vector<std::string> const& args,
                       std::map<std::string, std::string> const& env = {}) {
    auto p = StartMcp(*sim, args, env);
    p->Initialize();
    auto names = ToolNames(ListTools(*p));
    CHECK(p->stdout_garbage.empty());
    return names;
  };

  auto defaults = names_for({});
  CHECK(defaults.count("halopsa_list_tickets"));
  CHECK(defaults.count("halopsa_list_statuses"));
  CHECK_FALSE(defaults.count("halopsa_list_contracts"));  // contracts is not a default toolset
  auto all = names_for({"--toolsets", "all"});
  std::size_t files = 0;
  for (auto const& e : std::filesystem::recursive_directory_iterator(
           std::string(HALO_MCP_SOURCE_DIR) + "/schemas")) {
    // "all" is every toolset but the meta one (halopsa_enable_toolset: --dynamic-toolsets).
    files += e.path().extension() == ".json" && e.path().parent_path().filename() != "schemas" &&
             e.path().parent_path().filename() != "dynamic";
  }
  CHECK(all.size() == files);
  CHECK_FALSE(all.count("halopsa_enable_toolset"));
  for (auto const& t : kAllTools) CHECK(all.count(t) == 1);

  auto tickets = names_for({"--toolsets", "tickets"});
  CHECK(tickets == std::set<std::string>{"halopsa_bulk_update_tickets", "halopsa_create_ticket",
                                         "halopsa_delete_ticket", "halopsa_get_ticket",
                                         "halopsa_link_tickets", "halopsa_list_tickets",
                                         "halopsa_merge_tickets", "halopsa_search",
                                         "halopsa_update_ticket"});
  auto plus = names_for({"--toolsets", "tickets,lookups", "--tools", "halopsa_whoami"});
  CHECK(plus.count("halopsa_whoami"));
  CHECK(plus.count("halopsa_list_slas"));
  CHECK_FALSE(plus.count("halopsa_list_agents"));
  CHECK(plus.size() == 9 + 6 + 1);
  auto excluded = names_for({"--toolsets", "tickets", "--tools", "halopsa_whoami",
                             "--exclude-tools", "halopsa_whoami,halopsa_delete_ticket"});
  CHECK_FALSE(excluded.count("halopsa_whoami"));  // exclusion wins over --tools
  CHECK_FALSE(excluded.count("halopsa_delete_ticket"));
  CHECK(excluded.size() == 8);

  auto env = names_for({}, {{"HALO_MCP_TOOLSETS", "lookups"},
                            {"HALO_MCP_TOOLS", "halopsa_get_ticket"},
                            {"HALO_MCP_EXCLUDE_TOOLS", "halopsa_list_slas"}});
  CHECK(env == std::set<std::string>{"halopsa_get_ticket", "halopsa_list_categories",
                                     "halopsa_list_outcomes", "halopsa_list_priorities",
                                     "halopsa_list_statuses", "halopsa_list_ticket_types"});

  // A tool outside the selection is refused with an explanation, not run.
  auto p = StartMcp(*sim, {"--toolsets", "lookups"});
  p->Initialize();
  sim->ClearRequests();
  json refused = p->Call("halopsa_list_tickets", {{"limit", 1}});
  CHECK(IsError(refused));
  CHECK_THAT(Text(refused), Contains("disabled"));
  for (auto const& r : sim->requests()) CHECK(r.path.rfind("/api/Tickets", 0) != 0);
}

TEST_CASE("Read-only: write tools are hidden and refused, HaloPSA sees no write",
          "[e2e][tools][readonly]") {
  auto sim = StartSim({.tickets = 20, .clients = 2, .assets = 5});
  std::int64_t ticket_id = 0;
  sim->WithStore([&](halo_sim::Store& s) { ticket_id = s.table("Tickets").rows.begin()->first; });
  for (int variant = 0; variant < 2; ++variant) {
    INFO((variant == 0 ? "--read-only" : "HALO_MCP_READ_ONLY=1"));
    auto p = variant == 0 ? StartMcp(*sim, {"--toolsets", "all", "--read-only"})
                          : StartMcp(*sim, {"--toolsets", "all"}, {{"HALO_MCP_READ_ONLY", "1"}});
    p->Initialize();
    json tools = ListTools(*p);
    CHECK(tools.size() >= 20);
    for (auto const& t : tools) {
      INFO(t["name"]);
      CHECK(t["annotations"]["readOnlyHint"] == true);
    }
    sim->ClearRequests();
    json const calls[] = {
        json{{"name", "halopsa_create_ticket"},
             {"arguments", {{"summary", "x"}, {"ticket_type", "Incident"}}}},
        json{{"name", "halopsa_update_ticket"},
             {"arguments", {{"id", ticket_id}, {"summary", "changed"}}}},
        json{{"name", "halopsa_delete_ticket"},
             {"arguments", {{"id", ticket_id}, {"confirm", true}}}},
        json{{"name", "halopsa_add_action"},
             {"arguments", {{"ticket_id", ticket_id}, {"note", "n"}}}},
        json{{"name", "halopsa_bulk_update_tickets"},
             {"arguments", {{"ids", {ticket_id}}, {"status", "Closed"}}}},
        json{{"name", "halopsa_create_client"}, {"arguments", {{"name", "Nope Ltd"}}}}};
    for (auto const& c : calls) {
      json r = p->Call(c["name"], c["arguments"]);
      INFO(c["name"] << " -> " << r.dump());
      CHECK(IsError(r));
      CHECK_THAT(Text(r), Contains("disabled"));
    }
    json read = p->Call("halopsa_get_ticket", {{"id", ticket_id}});
    CHECK_FALSE(IsError(read));
    for (auto const& r : sim->requests()) {
      INFO(r.method << " " << r.path);
      CHECK_FALSE(IsWrite(r));
    }
    CHECK(p->stdout_garbage.empty());
  }
}

// ---------------------------------------------------------------------------------------------
// Reads on the shared large tenant

TEST_CASE("Lookups, people and customers: every read tool answers", "[e2e][tools][read]") {
  auto& f = Shared();
  for (auto const& tool :
       {"halopsa_list_statuses", "halopsa_list_ticket_types", "halopsa_list_priorities",
        "halopsa_list_categories", "halopsa_list_outcomes", "halopsa_list_slas",
        "halopsa_list_teams", "halopsa_list_agents", "halopsa_list_asset_types"}) {
    INFO(tool);
    json s = f.CallOk(tool);
    CHECK(s["returned"].get<int>() > 0);
    CHECK(s["items"].size() == s["returned"].get<std::size_t>());
  }
  // Statuses come with id and name, never hard-coded here.
  json statuses = f.CallOk("halopsa_list_statuses")["items"];
  for (auto const& s : statuses) {
    CHECK(s.contains("id"));
    CHECK(s.contains("name"));
  }
  json priorities = f.CallOk("halopsa_list_priorities")["items"];
  CHECK(priorities[0].contains("priorityid"));

  json me = f.CallOk("halopsa_whoami")["api_account"];
  CHECK(me.contains("id"));
  CHECK(me.contains("name"));
  json agent = f.CallOk("halopsa_get_agent", {{"id", me["id"]}});
  CHECK(agent["id"] == me["id"]);

  json clients = f.CallOk("halopsa_list_clients", {{"search", "northwind"}});
  CHECK(clients["returned"] == 3);
  json client = f.CallOk("halopsa_get_client", {{"id", 14}});
  CHECK(client["name"] == "Fabrikam Engineering");

  json sites = f.CallOk("halopsa_list_sites", {{"client", "Fabrikam"}});
  REQUIRE(sites["returned"].get<int>() >= 1);
  for (auto const& s : sites["items"]) CHECK(f.Row("Site", s["id"])["client_id"] == 14);
  json site = f.CallOk("halopsa_get_site", {{"id", sites["items"][0]["id"]}});
  CHECK(site["client_id"] == 14);

  json users = f.CallOk("halopsa_list_users", {{"client", 14}});
  REQUIRE(users["returned"].get<int>() >= 1);
  json user = f.CallOk("halopsa_get_user", {{"id", users["items"][0]["id"]}});
  CHECK(user.contains("emailaddress"));

  json assets = f.CallOk("halopsa_list_assets", {{"client", "Fabrikam Engineering"}});
  REQUIRE(assets["returned"].get<int>() >= 1);
  json asset = f.CallOk("halopsa_get_asset", {{"id", assets["items"][0]["id"]}});
  CHECK(asset["client_id"] == 14);

  json contracts = f.CallOk("halopsa_list_contracts");
  REQUIRE(contracts["returned"].get<int>() >= 1);
  json contract = f.CallOk("halopsa_get_contract", {{"id", contracts["items"][0]["id"]}});
  CHECK(contract["id"] == contracts["items"][0]["id"]);

  json ticket = f.CallOk("halopsa_get_ticket", {{"id", 1001}});
  for (auto const& k :
       {"id", "summary", "client_name", "status", "tickettype", "priority", "dateoccurred"}) {
    INFO(k);
    CHECK(ticket.contains(k));
  }
  json missing = f.Call("halopsa_get_ticket", {{"id", 999999}});
  CHECK(IsError(missing));
  CHECK_THAT(Text(missing), Contains("not found"));
}

TEST_CASE("Name resolution: exact, partial, ambiguous, unknown, email, numeric ids",
          "[e2e][tools][names]") {
  auto& f = Shared();
  auto client_param = [&]() {
    auto reqs = f.Requests("GET", "/api/Tickets");
    REQUIRE_FALSE(reqs.empty());
    return Param(ParseQuery(reqs.back().query), "client_id");
  };

  // Exact, case-insensitive, preferred over partial matches ("Northwind Traders Europe").
  f.sim->ClearRequests();
  json exact = f.CallOk("halopsa_list_tickets", {{"client", "NORTHWIND traders"}, {"limit", 5}});
  CHECK(client_param() == "12");
  for (auto const& i : exact["items"]) CHECK(f.Row("Tickets", i["id"])["client_id"] == 12);

  // Unique partial: used, and the result says what it matched so a wrong guess is visible.
  f.sim->ClearRequests();
  json partial = f.Call("halopsa_list_tickets", {{"client", "fabrik"}, {"limit", 5}});
  CHECK_FALSE(IsError(partial));
  CHECK(client_param() == "14");
  CHECK_THAT(Text(partial), Contains("Note: client \"fabrik\" matched Fabrikam"));
  CHECK_THAT(Text(partial), Contains("(14)"));
  // An exact match needs no note.
  CHECK_THAT(Text(f.Call("halopsa_list_tickets", {{"client", "NORTHWIND traders"}, {"limit", 1}})),
             !Contains("Note:"));

  // Ambiguous: an error listing the candidates with their ids; nothing listed.
  f.sim->ClearRequests();
  json ambiguous = f.Call("halopsa_list_tickets", {{"client", "northwind"}});
  CHECK(IsError(ambiguous));
  CHECK_THAT(Text(ambiguous), Contains("ambiguous"));
  CHECK_THAT(Text(ambiguous), Contains("Northwind Traders (12)"));
  CHECK_THAT(Text(ambiguous), Contains("Northwind Logistics (13)"));
  CHECK(f.Requests("GET", "/api/Tickets").empty());

  // Several sites share the exact name "Head Office": ambiguous, candidates told apart.
  json sites = f.Call("halopsa_list_tickets", {{"site", "head office"}});
  CHECK(IsError(sites));
  CHECK_THAT(Text(sites), Contains("ambiguous"));
  CHECK_THAT(Text(sites), Contains("Fabrikam Engineering"));

  // Unknown: an error offering the closest names.
  json unknown = f.Call("halopsa_list_tickets", {{"client", "Northwnd Tradrs"}});
  CHECK(IsError(unknown));
  CHECK_THAT(Text(unknown), Contains("no client named"));
  CHECK_THAT(Text(unknown), Contains("Northwind Traders (12)"));
  CHECK_THAT(Text(unknown), !Contains("HaloPSA rejected"));  // refused here, not by HaloPSA
  json unknown_status = f.Call("halopsa_list_tickets", {{"status", {"In Prgress"}}});
  CHECK(IsError(unknown_status));
  CHECK_THAT(Text(unknown_status), Contains("In Progress ("));
  json ambiguous_status = f.Call("halopsa_list_tickets", {{"status", {"waiting"}}});
  CHECK(IsError(ambiguous_status));
  CHECK_THAT(Text(ambiguous_status), Contains("Waiting on Customer ("));
  CHECK_THAT(Text(ambiguous_status), Contains("Waiting on Supplier ("));

  // Ids as numbers and as digit strings.
  f.sim->ClearRequests();
  json by_number = f.CallOk("halopsa_list_tickets", {{"client", 13}, {"limit", 3}});
  CHECK(client_param() == "13");
  json by_string = f.CallOk("halopsa_list_tickets", {{"client", "13"}, {"limit", 3}});
  CHECK(client_param() == "13");
  CHECK(by_number["record_count"] == by_string["record_count"]);

  // People by email.
  json user;
  json agent;
  f.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) {
      if (t.value("user_id", 0) > 0 && t.value("agent_id", 0) > 0) {
        user = *s.Find("Users", t["user_id"]);
        agent = *s.Find("Agent", t["agent_id"]);
        break;
      }
    }
  });
  REQUIRE(user.is_object());
  REQUIRE(agent.is_object());
  f.sim->ClearRequests();
  json by_user =
      f.CallOk("halopsa_list_tickets", {{"user", user["emailaddress"].get<std::string>()}});
  auto q = ParseQuery(f.Requests("GET", "/api/Tickets").back().query);
  CHECK(Param(q, "user_id") == std::to_string(user["id"].get<std::int64_t>()));
  CHECK(by_user["returned"].get<int>() >= 1);
  f.sim->ClearRequests();
  std::string agent_email = agent["email"];
  std::transform(agent_email.begin(), agent_email.end(), agent_email.begin(), ::toupper);
  f.CallOk("halopsa_list_tickets", {{"agent", agent_email}, {"limit", 2}});
  q = ParseQuery(f.Requests("GET", "/api/Tickets").back().query);
  CHECK(Param(q, "agent_id") == std::to_string(agent["id"].get<std::int64_t>()));
}

TEST_CASE("Ticket list: HaloPSA's real parameter names, and the results are filtered",
          "[e2e][tools][filters]") {
  auto& f = Shared();
  json all_tickets;
  f.sim->WithStore([&](halo_sim::Store& s) {
    all_tickets = json::array();
    for (auto const& [id, t] : s.table("Tickets").rows) all_tickets.push_back(t);
  });
  auto last_query = [&]() {
    auto reqs = f.Requests("GET", "/api/Tickets");
    REQUIRE_FALSE(reqs.empty());
    return ParseQuery(reqs.back().query);
  };
  auto count_where = [&](auto pred) {
    std::int64_t n = 0;
    for (auto const& t : all_tickets) n += pred(t) ? 1 : 0;
    return n;
  };

  SECTION("ticket type -> requesttype_id") {
    json type_id = f.IdOf("halopsa_list_ticket_types", "name", "Service Request");
    f.sim->ClearRequests();
    json r = f.CallOk(
        "halopsa_list_tickets",
        {{"ticket_type", "service request"}, {"limit", 300}, {"fields", {"tickettype_id"}}});
    auto q = last_query();
    CHECK(Param(q, "requesttype_id") == type_id.dump());
    CHECK(q.count("tickettype_id") == 0);
    CHECK(r["record_count"] ==
          count_where([&](json const& t) { return t["tickettype_id"] == type_id; }));
    CHECK(r["returned"].get<int>() > 0);
    for (auto const& i : r["items"]) CHECK(i["tickettype_id"] == type_id);
  }
  SECTION("opened between dates -> datesearch=dateoccured + startdate/enddate") {
    std::string from = all_tickets[200]["dateoccurred"].get<std::string>().substr(0, 10);
    std::string to = all_tickets[400]["dateoccurred"].get<std::string>().substr(0, 10);
    if (to < from) std::swap(from, to);
    f.sim->ClearRequests();
    json r = f.CallOk(
        "halopsa_list_tickets",
        {{"opened_from", from}, {"opened_to", to}, {"limit", 1000}, {"fields", {"dateoccurred"}}});
    auto q = last_query();
    CHECK(Param(q, "datesearch") == "dateoccured");
    CHECK(Param(q, "startdate") == from + "T00:00:00");
    CHECK(Param(q, "enddate") == to + "T23:59:59");
    std::int64_t expected = count_where([&](json const& t) {
      std::string d = t.value("dateoccurred", "");
      return d >= from + "T00:00:00" && d <= to + "T23:59:59";
    });
    CHECK(r["record_count"] == expected);
    CHECK(expected < kSharedTickets);
    for (auto const& i : r["items"]) {
      std::string d = i["dateoccurred"];
      CHECK(d >= from);
      CHECK(d <= to + "T23:59:59");
    }
  }
  SECTION("closed between dates -> datesearch=datecleared") {
    std::string from, to;
    for (auto const& t : all_tickets) {
      if (!t["dateclosed"].is_string()) continue;
      std::string d = t["dateclosed"].get<std::string>().substr(0, 10);
      if (from.empty() || d < from) from = d;
      if (to.empty() || d > to) to = d;
    }
    REQUIRE_FALSE(from.empty());
    json r = f.CallOk(
        "halopsa_list_tickets",
        {{"closed_from", from}, {"closed_to", to}, {"limit", 1000}, {"fields", {"dateclosed"}}});
    auto q = last_query();
    CHECK(Param(q, "datesearch") == "datecleared");
    CHECK(Param(q, "startdate") == from + "T00:00:00");
    std::int64_t expected = count_where([&](json const& t) { return t["dateclosed"].is_string(); });
    CHECK(r["record_count"] == expected);
    for (auto const& i : r["items"]) CHECK(i.contains("dateclosed"));
    // Opened and closed ranges both map to datesearch: one per call.
    json both = f.Call("halopsa_list_tickets", {{"opened_from", from}, {"closed_from", from}});
    CHECK(IsError(both));
    CHECK_THAT(Text(both), Contains("datesearch"));
  }
  SECTION("open_only, priority, team and agent by name; ordering") {
    json high = f.IdOf("halopsa_list_priorities", "name", "High", "priorityid");
    json team = f.IdOf("halopsa_list_teams", "name", "2nd Line");
    f.sim->ClearRequests();
    json r = f.CallOk("halopsa_list_tickets", {{"open_only", true},
                                               {"priority", "high"},
                                               {"team", "2nd line"},
                                               {"order", "id"},
                                               {"descending", true},
                                               {"limit", 500},
                                               {"fields", {"priority_id", "team", "status_id"}}});
    auto q = last_query();
    CHECK(Param(q, "open_only") == "true");
    CHECK(Param(q, "priority") == high.dump());
    CHECK(Param(q, "team") == team.dump());
    CHECK(Param(q, "order") == "id");
    CHECK(Param(q, "orderdesc") == "true");
    REQUIRE(r["returned"].get<int>() > 1);
    auto ids = Ids(r["items"]);
    CHECK(std::is_sorted(ids.rbegin(), ids.rend()));
    for (auto const& i : r["items"]) {
      CHECK(i["priority_id"] == high);
      CHECK(i["team"] == "2nd Line");
      CHECK(f.Row("Status", i["status_id"])["type"] == 0);
    }
  }
  SECTION("search and closed_only") {
    f.sim->ClearRequests();
    json r = f.CallOk("halopsa_list_tickets", {{"closed_only", true}, {"limit", 1}});
    CHECK(Param(last_query(), "closed_only") == "true");
    CHECK(r["record_count"] ==
          count_where([&](json const& t) { return f.Row("Status", t["status_id"])["type"] == 1; }));
    std::string word = "printer";
    json s = f.CallOk("halopsa_list_tickets", {{"search", word}, {"limit", 1}});
    CHECK(Param(last_query(), "search") == word);
    CHECK(s["record_count"].get<int>() < kSharedTickets);
  }
}

// The list sends HaloPSA's array status filter `status` (halo-api.md §5, Get-HaloTicket
// `status[]`), not the single-valued `status_id`.
TEST_CASE("Ticket list: status names -> status (array filter), results filtered",
          "[e2e][tools][filters][status]") {
  auto& f = Shared();
  json in_progress = f.IdOf("halopsa_list_statuses", "name", "In Progress");
  json new_status = f.IdOf("halopsa_list_statuses", "name", "New");
  f.sim->ClearRequests();
  json r = f.CallOk(
      "halopsa_list_tickets",
      {{"status", {"in progress", new_status}}, {"limit", 1000}, {"fields", {"status_id"}}});
  auto reqs = f.Requests("GET", "/api/Tickets");
  REQUIRE_FALSE(reqs.empty());
  auto q = ParseQuery(reqs.back().query);
  CHECK(Param(q, "status") == in_progress.dump() + "," + new_status.dump());
  std::int64_t expected = 0;
  f.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) {
      expected += t["status_id"] == in_progress || t["status_id"] == new_status;
    }
  });
  CHECK(r["record_count"] == expected);
  std::size_t other = 0;
  for (auto const& i : r["items"])
    other += i["status_id"] != in_progress && i["status_id"] != new_status;
  CHECK(other == 0);
}

TEST_CASE("Paging: past 100 and past 1,000 records, cursors continue without overlap",
          "[e2e][tools][paging]") {
  auto& f = Shared();
  std::vector<std::int64_t> store_ids;
  f.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) store_ids.push_back(id);
  });
  REQUIRE(store_ids.size() == kSharedTickets);

  SECTION("limit 1000, then the cursor") {
    json first = f.CallOk("halopsa_list_tickets", {{"limit", 1000}, {"order", "id"}});
    CHECK(first["record_count"] == kSharedTickets);
    CHECK(first["returned"] == 1000);
    CHECK(first["has_more"] == true);
    REQUIRE(first.contains("next_cursor"));
    auto reqs = f.Requests("GET", "/api/Tickets");
    std::set<std::string> pages;
    for (auto const& r : reqs) {
      auto q = ParseQuery(r.query);
      CHECK(Param(q, "pageinate") == "true");
      CHECK(std::stoi(Param(q, "page_size")) <= 100);
      CHECK(Param(q, "order") == "id");
      pages.insert(Param(q, "page_no"));
    }
    CHECK(pages.size() == 10);
    CHECK(pages.count("1"));
    CHECK(pages.count("10"));
    CHECK_THAT(
        f.mcp->Call("halopsa_list_tickets", {{"limit", 1000}, {"order", "id"}})["content"][0].value(
            "text", ""),
        Contains("1000 tickets of 1250"));
    f.sim->ClearRequests();

    f.sim->ClearRequests();
    json rest = f.CallOk("halopsa_list_tickets",
                         {{"limit", 1000}, {"order", "id"}, {"cursor", first["next_cursor"]}});
    CHECK(rest["returned"] == kSharedTickets - 1000);
    CHECK(rest["has_more"] == false);
    CHECK_FALSE(rest.contains("next_cursor"));
    for (auto const& r : f.Requests("GET", "/api/Tickets")) {
      auto q = ParseQuery(r.query);
      CHECK(std::stoi(Param(q, "page_no")) >= 11);
    }
    auto ids = Ids(first["items"]);
    auto more = Ids(rest["items"]);
    ids.insert(ids.end(), more.begin(), more.end());
    CHECK(ids == store_ids);  // everything, once, in HaloPSA's order
  }
  SECTION("limit 150 twice, HaloPSA's default order") {
    json a = f.CallOk("halopsa_list_tickets", {{"limit", 150}});
    CHECK(a["returned"] == 150);
    CHECK(a["next_cursor"] == "150");
    json b = f.CallOk("halopsa_list_tickets", {{"limit", 150}, {"cursor", a["next_cursor"]}});
    CHECK(b["returned"] == 150);
    auto ids = Ids(a["items"]);
    auto more = Ids(b["items"]);
    ids.insert(ids.end(), more.begin(), more.end());
    CHECK(ids == std::vector<std::int64_t>(store_ids.begin(), store_ids.begin() + 300));
    json bad = f.Call("halopsa_list_tickets", {{"cursor", "abc"}});
    CHECK(IsError(bad));
  }
  SECTION("Asset serves 50 per page whatever is asked; the requested count still comes back") {
    json a = f.CallOk("halopsa_list_assets", {{"limit", 110}});
    CHECK(a["returned"] == 110);
    CHECK(a["has_more"] == true);
    std::int64_t const total = a["record_count"];
    CHECK(total > 110);
    std::set<std::string> pages;
    for (auto const& r : f.Requests("GET", "/api/Asset")) {
      auto q = ParseQuery(r.query);
      CHECK(Param(q, "pageinate") == "true");
      pages.insert(Param(q, "page_no"));
    }
    CHECK(pages.size() >= 3);
    json b = f.CallOk("halopsa_list_assets", {{"limit", 110}, {"cursor", a["next_cursor"]}});
    CHECK(b["returned"] == total - 110);
    CHECK(b["has_more"] == false);
    auto ids = Ids(a["items"]);
    auto more = Ids(b["items"]);
    ids.insert(ids.end(), more.begin(), more.end());
    CHECK(std::set<std::int64_t>(ids.begin(), ids.end()).size() == ids.size());
    CHECK(static_cast<std::int64_t>(ids.size()) == total);
  }
  SECTION("unpaged lookups honour limit and cursor") {
    json a = f.CallOk("halopsa_list_statuses", {{"limit", 4}});
    CHECK(a["returned"] == 4);
    CHECK(a["has_more"] == true);
    json b = f.CallOk("halopsa_list_statuses", {{"limit", 100}, {"cursor", a["next_cursor"]}});
    CHECK(b["items"][0]["id"] != a["items"][3]["id"]);
    CHECK(a["returned"].get<int>() + b["returned"].get<int>() == a["record_count"].get<int>());
  }
}

TEST_CASE("Output budgets: 50-ticket list and a single ticket", "[e2e][tools][budget]") {
  auto& f = Shared();
  json list = f.Call("halopsa_list_tickets", {{"limit", 50}});
  REQUIRE_FALSE(IsError(list));
  CHECK(list["structuredContent"]["returned"] == 50);
  std::size_t const text_bytes = Text(list).size();
  std::size_t const total_bytes = Text(list).size() + list["structuredContent"].dump().size();
  std::cout << "[measure] 50-ticket list: text " << text_bytes << " bytes, text+structured "
            << total_bytes << " bytes, whole result " << list.dump().size() << " bytes\n";
  CHECK(text_bytes <= 8 * 1024);
  CHECK(total_bytes <= 24 * 1024);
  CHECK(list.dump().size() <= 24 * 1024);

  // The ticket with the longest details is the worst case for a single ticket.
  std::int64_t longest = 0;
  std::size_t longest_len = 0;
  f.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) {
      std::size_t n = t.value("details", "").size() + t.value("details_html", "").size() +
                      t.value("summary", "").size();
      if (n > longest_len) {
        longest_len = n;
        longest = id;
      }
    }
  });
  // Make it long: a 20,000-character HTML description must still be trimmed.
  f.sim->WithStore([&](halo_sim::Store& s) {
    auto* t = s.Find("Tickets", longest);
    std::string html;
    while (html.size() < 20000) html += "<p>The printer on the <b>second</b> floor &amp; more.</p>";
    (*t)["details_html"] = html;
    (*t)["details"] = "";
  });
  json one = f.Call("halopsa_get_ticket", {{"id", longest}});
  REQUIRE_FALSE(IsError(one));
  std::size_t const one_bytes = one.dump().size();
  std::cout << "[measure] single ticket (get_ticket default): " << one_bytes << " bytes\n";
  CHECK(one_bytes <= 4 * 1024);
  std::string details = one["structuredContent"].value("details", "");
  CHECK_THAT(details, Contains("more chars; full_text:true"));
  CHECK(details.find("<p>") == std::string::npos);
  CHECK_THAT(details, Contains("second floor & more."));

  json full = f.CallOk("halopsa_get_ticket", {{"id", longest}, {"full_text", true}});
  CHECK(full["details"].get<std::string>().size() > 10000);
  json raw = f.CallOk("halopsa_get_ticket", {{"id", longest}, {"detail", "full"}});
  CHECK(raw.contains("customfields"));
  json picked =
      f.CallOk("halopsa_get_ticket", {{"id", longest}, {"fields", {"summary", "status"}}});
  CHECK(picked.size() == 3);  // id always comes along
}

TEST_CASE("Faults: a 5xx on a read is retried transparently", "[e2e][tools][faults]") {
  auto& f = Shared();
  halo_sim::Faults faults;
  faults.fail_5xx_next = 1;
  f.sim->SetFaults(faults);
  json t = f.CallOk("halopsa_get_ticket", {{"id", 1002}});
  CHECK(t["id"] == 1002);
  auto reqs = f.Requests("GET", "/api/Tickets/1002");
  REQUIRE(reqs.size() == 2);
  CHECK(reqs[0].status == 503);
  CHECK(reqs[1].status == 200);
  f.sim->SetFaults({});
}

// ---------------------------------------------------------------------------------------------
// Writes, each on a fresh small tenant

TEST_CASE("Tickets: create, update, delete safely", "[e2e][tools][write][tickets]") {
  Fixture f;
  json incident = f.IdOf("halopsa_list_ticket_types", "name", "Incident");
  std::size_t const before = f.Count("Tickets");

  SECTION("create checks required fields, returns the id and projection") {
    json missing = f.Call("halopsa_create_ticket", {{"ticket_type", "Incident"}});
    CHECK(IsError(missing));
    CHECK_THAT(Text(missing), Contains("summary"));
    CHECK(f.Writes() == 0);

    json created = f.CallOk("halopsa_create_ticket", {{"summary", "Printer jammed on floor 2"},
                                                      {"ticket_type", "incident"},
                                                      {"client", 12},
                                                      {"details", "<p>Paper stuck</p>"},
                                                      {"priority", "High"}});
    REQUIRE(created.contains("id"));
    std::int64_t const id = created["id"];
    CHECK(created["record"]["id"] == id);
    CHECK(created["record"]["summary"] == "Printer jammed on floor 2");
    CHECK(created["record"]["tickettype"] == "Incident");
    CHECK(created["record"]["details"] == "Paper stuck");
    CHECK(f.Count("Tickets") == before + 1);
    auto posts = f.Requests("POST", "/api/Tickets");
    REQUIRE(posts.size() == 1);
    json body = json::parse(posts[0].body);
    REQUIRE(body.is_array());
    CHECK(body[0]["tickettype_id"] == incident);
    CHECK(body[0]["client_id"] == 12);
    CHECK_FALSE(body[0].contains("id"));
    json got = f.CallOk("halopsa_get_ticket", {{"id", id}});
    CHECK(got["summary"] == "Printer jammed on floor 2");
    CHECK(got["priority"] == "High");
  }
  SECTION("HaloPSA's validation errors are surfaced") {
    json cab_type;
    json types = f.CallOk("halopsa_list_ticket_types")["items"];
    for (auto const& t : types) {
      if (t["name"].get<std::string>().find("CAB") != std::string::npos) cab_type = t["name"];
    }
    REQUIRE(cab_type.is_string());
    json cab = f.Call("halopsa_create_ticket",
                      {{"summary", "Core switch swap"}, {"ticket_type", cab_type}});
    CHECK(IsError(cab));
    CHECK_THAT(Text(cab), Contains("HaloPSA rejected the request"));
    CHECK_THAT(Text(cab), Contains("CAB members to approve"));
    json bad_client = f.Call("halopsa_create_ticket",
                             {{"summary", "x"}, {"ticket_type", incident}, {"client", 99999}});
    CHECK(IsError(bad_client));
    CHECK_THAT(Text(bad_client), Contains("Client 99999 does not exist"));
    CHECK(f.Requests("POST", "/api/Tickets").size() == 2);  // each sent once, never retried
    CHECK(f.Count("Tickets") == before);
  }
  SECTION("update changes only the given fields, never creates") {
    std::int64_t const id = 1001;
    json closed_id = f.IdOf("halopsa_list_statuses", "name", "Closed");
    json updated = f.CallOk("halopsa_update_ticket",
                            {{"id", id}, {"summary", "Renamed"}, {"status", "closed"}});
    CHECK(updated["id"] == id);
    CHECK(updated["record"]["summary"] == "Renamed");
    CHECK(updated["record"]["status"] == "Closed");
    CHECK(f.Row("Tickets", id)["status_id"] == closed_id);
    auto posts = f.Requests("POST", "/api/Tickets");
    REQUIRE(posts.size() == 1);
    json body = json::parse(posts[0].body);
    CHECK(body[0]["id"] == id);
    CHECK(body[0].size() == 3);

    f.sim->ClearRequests();
    json unknown = f.Call("halopsa_update_ticket", {{"id", 999999}, {"summary", "Ghost"}});
    CHECK(IsError(unknown));
    CHECK(f.Requests("POST", "/api/Tickets").empty());
    json only_id = f.Call("halopsa_update_ticket", {{"id", id}});
    CHECK(IsError(only_id));
    json no_id = f.Call("halopsa_update_ticket", {{"summary", "x"}});
    CHECK(IsError(no_id));
    CHECK(f.Writes() == 0);
    CHECK(f.Count("Tickets") == before);
  }
  SECTION("delete previews without confirm, deletes with it") {
    std::int64_t const id = 1003;
    json preview = f.CallOk("halopsa_delete_ticket", {{"id", id}});
    CHECK(preview["deleted"] == false);
    CHECK(preview["record"]["id"] == id);
    CHECK_THAT(Text(f.Call("halopsa_delete_ticket", {{"id", id}})), Contains("confirm"));
    CHECK(f.Requests("DELETE", "/api/Tickets/" + std::to_string(id)).empty());
    CHECK(f.Row("Tickets", id).is_object());
    json done =
        f.CallOk("halopsa_delete_ticket", {{"id", id}, {"confirm", true}, {"reason", "duplicate"}});
    CHECK(done["deleted"] == true);
    CHECK(f.Requests("DELETE", "/api/Tickets/" + std::to_string(id)).size() == 1);
    CHECK(f.Row("Tickets", id).is_null());
    json again = f.Call("halopsa_delete_ticket", {{"id", id}, {"confirm", true}});
    CHECK(IsError(again));
  }
  SECTION("an ambiguous write is reported as OUTCOME UNKNOWN and never retried") {
    halo_sim::Faults faults;
    faults.ambiguous_writes_next = 1;
    f.sim->SetFaults(faults);
    json r =
        f.Call("halopsa_create_ticket", {{"summary", "Maybe saved"}, {"ticket_type", incident}});
    f.sim->SetFaults({});
    CHECK(IsError(r));
    CHECK_THAT(Text(r), Contains("OUTCOME UNKNOWN"));
    // The simulator logs a dropped request only after closing its connection, so the log can
    // lag the client's error slightly: wait for the entry, then a little more for any retry.
    for (int i = 0; i < 100 && f.Requests("POST", "/api/Tickets").empty(); ++i) {
      std::this_thread::sleep_for(10ms);
    }
    std::this_thread::sleep_for(200ms);
    auto posts = f.Requests("POST", "/api/Tickets");
    REQUIRE(posts.size() == 1);
    CHECK(posts[0].status == 0);
    CHECK(f.Count("Tickets") == before + 1);  // it was applied: repeating would duplicate it
  }
}

TEST_CASE("Bulk update: one change, batched POST arrays, per-ticket report",
          "[e2e][tools][write][bulk]") {
  Fixture f;
  json hold = f.IdOf("halopsa_list_statuses", "name", "On Hold");
  std::size_t const before = f.Count("Tickets");
  f.sim->ClearRequests();
  json r = f.Call("halopsa_bulk_update_tickets",
                  {{"ids", {1001, 1002, 999999, 1003}}, {"status", "on hold"}});
  INFO(Text(r));
  REQUIRE_FALSE(IsError(r));
  json s = r["structuredContent"];
  CHECK(s["succeeded"] == 3);
  CHECK(s["failed"] == 1);
  REQUIRE(s["results"].size() == 4);
  std::vector<std::int64_t> order;
  for (auto const& res : s["results"]) {
    order.push_back(res["id"]);
    CHECK(res["ok"] == (res["id"] != 999999));
  }
  CHECK(order == std::vector<std::int64_t>{1001, 1002, 999999, 1003});
  CHECK_THAT(Text(r), Contains("999999"));
  auto posts = f.Requests("POST", "/api/Tickets");
  REQUIRE(posts.size() == 1);
  json body = json::parse(posts[0].body);
  REQUIRE(body.size() == 3);
  for (auto const& item : body) {
    CHECK(item["status_id"] == hold);
    CHECK(item.contains("id"));
  }
  for (std::int64_t id : {1001, 1002, 1003}) CHECK(f.Row("Tickets", id)["status_id"] == hold);
  CHECK(f.Count("Tickets") == before);

  json none = f.Call("halopsa_bulk_update_tickets", {{"ids", {1001}}});
  CHECK(IsError(none));
  json all_unknown =
      f.Call("halopsa_bulk_update_tickets", {{"ids", {999998, 999999}}, {"priority", "Low"}});
  CHECK(IsError(all_unknown));
  CHECK(f.Requests("POST", "/api/Tickets").size() == 1);
}

TEST_CASE("Actions: private note by default, time in hours, outcome from the tenant",
          "[e2e][tools][write][actions]") {
  Fixture f;
  std::int64_t const ticket = 1005;
  json private_note = f.IdOf("halopsa_list_outcomes", "outcome", "Private Note");
  json in_progress = f.IdOf("halopsa_list_statuses", "name", "In Progress");
  f.sim->ClearRequests();

  json added =
      f.CallOk("halopsa_add_action",
               {{"ticket_id", ticket}, {"note", "Checked the logs"}, {"time_minutes", 30}});
  REQUIRE(added.contains("id"));
  auto posts = f.Requests("POST", "/api/Actions");
  REQUIRE(posts.size() == 1);
  json body = json::parse(posts[0].body)[0];
  CHECK(body["ticket_id"] == ticket);
  CHECK(body["hiddenfromuser"] == true);
  CHECK(body["sendemail"] == false);
  CHECK(body["timetaken"] == 0.5);
  CHECK(body["outcome_id"] == private_note);

  json both =
      f.Call("halopsa_add_action",
             {{"ticket_id", ticket}, {"note", "x"}, {"time_minutes", 10}, {"time_hours", 1}});
  CHECK(IsError(both));
  CHECK(f.Requests("POST", "/api/Actions").size() == 1);

  json visible = f.CallOk("halopsa_add_action", {{"ticket_id", ticket},
                                                 {"note", "Called the user"},
                                                 {"outcome", "phone call"},
                                                 {"time_hours", 0.25},
                                                 {"visible_to_user", true},
                                                 {"new_status", "in progress"}});
  posts = f.Requests("POST", "/api/Actions");
  REQUIRE(posts.size() == 2);
  body = json::parse(posts[1].body)[0];
  CHECK(body["hiddenfromuser"] == false);
  CHECK(body["sendemail"] == false);
  CHECK(body["timetaken"] == 0.25);
  CHECK(body["new_status"] == in_progress);
  CHECK(body["outcome_id"] == f.IdOf("halopsa_list_outcomes", "outcome", "Phone Call"));
  CHECK(f.Row("Tickets", ticket)["status_id"] == in_progress);
  CHECK(f.CallOk("halopsa_get_ticket", {{"id", ticket}})["status"] == "In Progress");

  json bad_outcome =
      f.Call("halopsa_add_action", {{"ticket_id", ticket}, {"note", "x"}, {"outcome", "Nope"}});
  CHECK(IsError(bad_outcome));
  CHECK(f.Requests("POST", "/api/Actions").size() == 2);

  json actions = f.CallOk("halopsa_list_actions", {{"ticket_id", ticket}, {"limit", 100}});
  std::int64_t note_id = added["id"];
  bool seen = false;
  for (auto const& a : actions["items"]) seen |= a["id"] == note_id;
  CHECK(seen);

  json preview = f.CallOk("halopsa_delete_action", {{"id", note_id}, {"ticket_id", ticket}});
  CHECK(preview["deleted"] == false);
  CHECK(f.Requests("DELETE", "/api/Actions/" + std::to_string(note_id)).empty());
  json deleted = f.CallOk("halopsa_delete_action",
                          {{"id", note_id}, {"ticket_id", ticket}, {"confirm", true}});
  CHECK(deleted["deleted"] == true);
  auto dels = f.Requests("DELETE", "/api/Actions/" + std::to_string(note_id));
  REQUIRE(dels.size() == 1);
  CHECK(Param(ParseQuery(dels[0].query), "ticket_id") == std::to_string(ticket));
}

TEST_CASE("Customers and assets: create, get, update, list", "[e2e][tools][write][customers]") {
  Fixture f;
  json client = f.CallOk("halopsa_create_client", {{"name", "Tailspin Toys"}, {"website", "t.io"}});
  REQUIRE(client.contains("id"));
  json client_id = client["id"];
  CHECK(f.CallOk("halopsa_get_client", {{"id", client_id}})["name"] == "Tailspin Toys");
  json cu = f.CallOk("halopsa_update_client", {{"id", client_id}, {"notes", "VIP from May"}});
  CHECK(cu["record"]["notes"] == "VIP from May");

  json site = f.CallOk("halopsa_create_site",
                       {{"name", "Lab"}, {"client", "tailspin toys"}, {"phone", "0113 000"}});
  json site_id = site["id"];
  CHECK(f.Row("Site", site_id)["client_id"] == client_id);
  json su = f.CallOk("halopsa_update_site", {{"id", site_id}, {"name", "Research Lab"}});
  CHECK(su["record"]["name"] == "Research Lab");
  CHECK(f.CallOk("halopsa_get_site", {{"id", site_id}})["name"] == "Research Lab");
  auto site_ids = Ids(f.CallOk("halopsa_list_sites", {{"client", client_id}})["items"]);
  CHECK(std::count(site_ids.begin(), site_ids.end(), site_id.get<std::int64_t>()) == 1);

  json user =
      f.CallOk("halopsa_create_user",
               {{"name", "Pat Quill"}, {"site", site_id}, {"email", "pat.quill@tailspin.example"}});
  json user_id = user["id"];
  json uu = f.CallOk("halopsa_update_user", {{"id", user_id}, {"phone", "0700 111"}});
  CHECK(uu["record"]["phonenumber"] == "0700 111");
  CHECK(f.CallOk("halopsa_get_user", {{"id", user_id}})["emailaddress"] ==
        "pat.quill@tailspin.example");
  json found = f.CallOk("halopsa_list_users", {{"search", "pat.quill@"}});
  REQUIRE(found["returned"] == 1);
  CHECK(found["items"][0]["id"] == user_id);

  json type_name = f.CallOk("halopsa_list_asset_types")["items"][0]["name"];
  json asset = f.CallOk("halopsa_create_asset", {{"asset_type", type_name},
                                                 {"client", client_id},
                                                 {"site", "Research Lab"},
                                                 {"inventory_number", "TT-0001"}});
  json asset_id = asset["id"];
  json au = f.CallOk("halopsa_update_asset", {{"id", asset_id}, {"notes", "Spare"}});
  CHECK(au["record"]["notes"] == "Spare");
  CHECK(f.CallOk("halopsa_get_asset", {{"id", asset_id}})["inventory_number"] == "TT-0001");
  CHECK(f.CallOk("halopsa_list_assets", {{"client", client_id}})["returned"] == 1);

  // Updates of unknown ids fail and never POST (a POST with an unknown id would create).
  f.sim->ClearRequests();
  std::pair<char const*, json> const unknown_updates[] = {
      {"halopsa_update_client", {{"id", 987654}, {"notes", "x"}}},
      {"halopsa_update_site", {{"id", 987654}, {"notes", "x"}}},
      {"halopsa_update_user", {{"id", 987654}, {"phone", "1"}}},
      {"halopsa_update_asset", {{"id", 987654}, {"notes", "x"}}}};
  for (auto const& [tool, args] : unknown_updates) {
    INFO(tool);
    json r = f.Call(tool, args);
    CHECK(IsError(r));
    CHECK_THAT(Text(r), Contains("not found"));
  }
  CHECK(f.Writes() == 0);
}

TEST_CASE("Every catalogue tool was called by this file", "[e2e][tools][coverage]") {
  // ctest runs each test case in a process of its own, so this one runs all the others in one
  // child process that writes down the tools it calls. Their own failures are theirs to report.
  std::string const record = "/tmp/halo-mcp-tools-called-" + std::to_string(::getpid()) + ".txt";
  std::remove(record.c_str());
  std::string const self = std::filesystem::read_symlink("/proc/self/exe").string();
  std::string const command =
      "HALO_MCP_RECORD_TOOLS='" + record + "' '" + self + "' '~[coverage]' > /dev/null 2>&1";
  int const status = std::system(command.c_str());
  INFO("the other test cases exited with " << status);
  std::set<std::string> called;
  std::ifstream in(record);
  for (std::string line; std::getline(in, line);) called.insert(line);
  std::remove(record.c_str());
  for (auto const& t : kAllTools) {
    INFO(t);
    CHECK(called.count(t) == 1);
  }
}

TEST_CASE("HALO_MCP_STRUCTURED_CONTENT=off: text only, and no outputSchema that would need it",
          "[tools][output]") {
  auto sim = StartSim({});
  auto mcp = StartMcp(*sim, {"--toolsets", "all"}, {{"HALO_MCP_STRUCTURED_CONTENT", "off"}});
  mcp->Initialize();
  for (auto const& t : ListTools(*mcp)) CHECK_FALSE(t.contains("outputSchema"));
  json r = mcp->Call("halopsa_list_statuses");
  CHECK_FALSE(IsError(r));
  CHECK_FALSE(r.contains("structuredContent"));
  CHECK_THAT(Text(r), Catch::Matchers::Contains("statuses"));
}

TEST_CASE("Lists: the text table holds exactly what structuredContent holds, full_text on lists",
          "[tools][output]") {
  Fixture f;
  json r = f.Call("halopsa_list_actions", {{"ticket_id", 1001}});
  REQUIRE_FALSE(IsError(r));
  for (auto const& item : r["structuredContent"]["items"]) {
    for (auto const& [field, value] : item.items()) {
      if (!value.is_string() || value.get<std::string>().size() < 10) continue;
      std::string const cell = mcp::CellText(value, 0);
      INFO(field << ": " << cell);
      CHECK(Text(r).find(cell) != std::string::npos);
    }
  }
  // A long note is trimmed in both by default, and whole in both with full_text.
  json note = f.CallOk("halopsa_add_action",
                       {{"ticket_id", 1001}, {"note", std::string(400, 'n') + " end"}});
  json trimmed = f.Call("halopsa_list_actions", {{"ticket_id", 1001}});
  CHECK(Text(trimmed).find(" end") == std::string::npos);
  json whole = f.Call("halopsa_list_actions", {{"ticket_id", 1001}, {"full_text", true}});
  CHECK(Text(whole).find(std::string(400, 'n') + " end") != std::string::npos);
  bool found = false;
  for (auto const& item : whole["structuredContent"]["items"]) {
    found |= item.value("note", "") == std::string(400, 'n') + " end";
  }
  CHECK(found);
}

/// The columns a list tool shows by default: its binding's own `fields`, else its record's list
/// columns in schemas/records.json.
json ListColumns(std::string const& tool) {
  std::filesystem::path const schemas = std::filesystem::path(HALO_MCP_SOURCE_DIR) / "schemas";
  auto read = [](std::filesystem::path const& p) {
    std::ifstream in(p);
    return json::parse(in);
  };
  for (auto const& d : std::filesystem::recursive_directory_iterator(schemas)) {
    if (d.path().filename() != tool + ".json") continue;
    json const binding = read(d.path())["halo"];
    if (binding.contains("fields")) return binding["fields"];
    return read(schemas / "records.json")[binding["record"].get<std::string>()]["list"];
  }
  return nullptr;
}

TEST_CASE("Lists parsed for their columns only show what whole records would show",
          "[e2e][tools][read]") {
  // A list parses only the record fields its columns read; naming the columns in `fields` parses
  // whole records instead. Both must show the same rows, for every list tool.
  Fixture f;
  int compared = 0;
  for (auto const& t : f.tools) {
    std::string const name = t["name"];
    if (name.rfind("halopsa_list_", 0) != 0) continue;
    if (!t["inputSchema"]["properties"].contains("fields")) continue;
    json narrow = f.mcp->Call(name, {{"limit", 20}});
    if (IsError(narrow) || narrow["structuredContent"]["items"].empty()) continue;
    // The tool's configured columns (a column empty in every row is not in the output).
    INFO(name);
    json const columns = ListColumns(name);
    REQUIRE(columns.is_array());
    json whole = f.CallOk(name, {{"limit", 20}, {"fields", columns}});
    CHECK(whole["items"] == narrow["structuredContent"]["items"]);
    ++compared;
  }
  CHECK(compared >= 15);
}
