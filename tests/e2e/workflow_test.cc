// A technician's everyday requests, each written as the tool calls an assistant would make after
// reading tools/list, with a budget of calls and a check of the tenant's state afterwards (not
// only of the text). Runs the real halo-mcp binary against the in-process simulator, acting as
// one technician (--agent).
#include "sim/simulator.h"
#include "tests/support/mcp_process.h"
#include "tests/support/simulator_env.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <map>
#include <memory>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using halo_test::McpProcess;
using halo_test::SimulatorEnv;
using halo_test::StartSimulator;
using nlohmann::json;

namespace {

/// The simulator and one halo-mcp acting as `agent`, counting tools/call per request.
struct Desk {
  std::unique_ptr<halo_sim::Simulator> sim;
  std::unique_ptr<McpProcess> mcp;
  int calls = 0;

  std::string me;  // the technician halo-mcp acts as

  Desk() {
    halo_sim::SimOptions o;
    o.tickets = 600;
    o.clients = 8;
    o.assets = 80;
    o.users_per_client = 5;
    o.rate_limit_requests = 0;
    o.threads = 8;
    sim = StartSimulator(o);
    me = Technician();
    // Source 14 stands for the tenant's own "AI assistant" ticket source.
    std::vector<std::string> argv{
        HALO_MCP_BINARY,   "--log-level", "warn", "--toolsets", "all", "--agent", me,
        "--ticket-source", "14"};
    mcp = McpProcess::Start(argv, SimulatorEnv(*sim, {{"HALOPSA_RATE_LIMIT", "off"},
                                                      {"HALO_MCP_TOOLSETS", ""},
                                                      {"HALO_MCP_READ_ONLY", ""}}));
    auto init = mcp->Initialize();
    INFO(init.dump());
    REQUIRE(init.contains("result"));
  }

  /// The first active agent with at least 3 open tickets.
  std::string Technician() {
    std::map<std::int64_t, int> open;
    std::string name;
    sim->WithStore([&](halo_sim::Store& s) {
      for (auto const& [id, t] : s.table("Tickets").rows) {
        auto const* st = s.Find("Status", t.value("status_id", 0));
        if (st && st->value("type", 0) != 1) ++open[t.value("agent_id", 0)];
      }
      for (auto const& [id, a] : s.table("Agent").rows) {
        if (!a.value("isdisabled", false) && open[id] >= 3 && name.empty()) name = a["name"];
      }
    });
    REQUIRE_FALSE(name.empty());
    return name;
  }

  /// One tools/call as the assistant makes it; the result (text and structuredContent).
  json Call(std::string const& tool, json args) {
    ++calls;
    json r = mcp->Call(tool, std::move(args));
    INFO(tool << " -> " << r.dump().substr(0, 1500));
    REQUIRE(r.contains("content"));
    return r;
  }
  json Ok(std::string const& tool, json args) {
    json r = Call(tool, std::move(args));
    INFO(tool << " -> " << Text(r));
    REQUIRE_FALSE(r.value("isError", false));
    return r;
  }
  static std::string Text(json const& r) { return r["content"][0].value("text", ""); }

  json Row(std::string const& entity, std::int64_t id) {
    json row;
    sim->WithStore([&](halo_sim::Store& s) {
      if (auto const* r = s.Find(entity, id)) row = *r;
    });
    return row;
  }
  std::vector<json> Rows(std::string const& entity) {
    std::vector<json> rows;
    sim->WithStore([&](halo_sim::Store& s) {
      for (auto const& [id, r] : s.table(entity).rows) rows.push_back(r);
    });
    return rows;
  }
  std::vector<json> Actions(std::int64_t ticket) {
    std::vector<json> out;
    sim->WithStore([&](halo_sim::Store& s) {
      for (auto const& [key, a] : s.actions()) {
        if (key.first == ticket) out.push_back(a);
      }
    });
    return out;
  }
  std::int64_t IdOf(std::string const& entity, std::string const& field, std::string const& v) {
    for (auto const& r : Rows(entity)) {
      if (r.value(field, json()) == v) return r["id"].get<std::int64_t>();
    }
    FAIL("no " << entity << " with " << field << " = " << v);
    return 0;
  }
};

bool IsOpen(Desk& d, json const& ticket) {
  return d.Row("Status", ticket.value("status_id", 0)).value("type", 0) != 1;
}

}  // namespace

TEST_CASE("Workflows: a technician's day in the calls it should take", "[e2e][workflow]") {
  Desk d;
  std::int64_t const my_id = d.IdOf("Agent", "name", d.me);

  SECTION("my open tickets by urgency: 1 call, mine, open, most urgent first") {
    json r = d.Ok("halopsa_list_tickets",
                  {{"agent", "me"}, {"open_only", true}, {"order", "priority"}, {"limit", 100}});
    CHECK(d.calls == 1);
    auto const& items = r["structuredContent"]["items"];
    REQUIRE(items.size() >= 3);
    int last_rank = 0;
    for (auto const& item : items) {
      json const t = d.Row("Tickets", item["id"].get<std::int64_t>());
      CHECK(t["agent_id"] == my_id);
      CHECK(IsOpen(d, t));
      int const rank = t.value("priority_id", 0);
      CHECK(rank >= last_rank);  // priority 1 is the most urgent
      last_rank = rank;
    }
  }

  SECTION("a client's open tickets of the last week: 1 call, dates stated") {
    json const client = d.Rows("Client").front();
    json r = d.Ok(
        "halopsa_list_tickets",
        {{"client", client["name"]}, {"open_only", true}, {"opened_from", "-7d"}, {"limit", 100}});
    CHECK(d.calls == 1);
    CHECK_THAT(Desk::Text(r), Contains("today is"));
    for (auto const& item : r["structuredContent"]["items"]) {
      json const t = d.Row("Tickets", item["id"].get<std::int64_t>());
      CHECK(t["client_id"] == client["id"]);
      CHECK(IsOpen(d, t));
    }
  }

  SECTION("a private note with 30 minutes, as me: 1 call, attributed to me, hidden, no email") {
    std::int64_t const ticket = d.Rows("Tickets").front()["id"];
    auto const before = d.Actions(ticket).size();
    d.Ok("halopsa_add_action",
         {{"ticket_id", ticket}, {"note", "Checked the backup job logs"}, {"time_minutes", 30}});
    CHECK(d.calls == 1);
    auto actions = d.Actions(ticket);
    REQUIRE(actions.size() == before + 1);
    json const& a = actions.back();
    CHECK(a["actionby_agent_id"] == my_id);
    CHECK(a["hiddenfromuser"] == true);
    CHECK(a.value("sendemail", false) == false);
    CHECK(a["timetaken"].get<double>() == Approx(0.5));
  }

  SECTION("reassign to a team by name: 1 call, and who is still assigned is said") {
    std::int64_t const ticket = d.Rows("Tickets").front()["id"];
    json r = d.Ok("halopsa_update_ticket", {{"id", ticket}, {"team", "2nd Line"}});
    CHECK(d.calls == 1);
    CHECK(d.Row("Tickets", ticket)["team"] == "2nd Line");
    if (d.Row("Tickets", ticket).value("agent_id", 0) > 0) {
      CHECK_THAT(Desk::Text(r), Contains("still assigned", Catch::CaseSensitive::No));
    }
  }

  SECTION("close with an outcome and no email: 1 call, closed, nothing emailed") {
    std::int64_t ticket = 0;
    for (auto const& t : d.Rows("Tickets")) {
      if (IsOpen(d, t) && t.value("user_id", 0) > 0) {
        ticket = t["id"];
        break;
      }
    }
    REQUIRE(ticket > 0);
    auto const before = d.Actions(ticket).size();
    json r =
        d.Ok("halopsa_add_action",
             {{"ticket_id", ticket}, {"note", "Fixed: replaced the PSU"}, {"outcome", "Close"}});
    CHECK(d.calls == 1);
    CHECK_THAT(Desk::Text(r), Contains("Closed"));
    CHECK(d.Row("Status", d.Row("Tickets", ticket)["status_id"])["name"] == "Closed");
    auto const actions = d.Actions(ticket);
    REQUIRE(actions.size() == before + 1);
    CHECK(actions.back()["outcome"] == "Close");
    CHECK(actions.back().value("sendemail", false) == false);
  }

  SECTION("a ticket for a user by email, no site named: 1 call, the user's own site") {
    json const user = d.Rows("Users").at(3);
    json r = d.Ok("halopsa_create_ticket", {{"summary", "Outlook keeps asking for a password"},
                                            {"ticket_type", "Incident"},
                                            {"user", user["emailaddress"]}});
    CHECK(d.calls == 1);
    std::int64_t const id = r["structuredContent"]["id"];
    json const t = d.Row("Tickets", id);
    CHECK(t["user_id"] == user["id"]);
    CHECK(t["site_id"] == user["site_id"]);
    CHECK(t.value("sendack", true) == false);
    CHECK(t["source"] == 14);
  }

  SECTION("a client's servers: 1 call, only that client's servers") {
    std::int64_t const server_type = d.IdOf("AssetType", "name", "Server");
    json client;
    for (auto const& a : d.Rows("Asset")) {
      if (a.value("assettype_id", 0) == server_type) {
        client = d.Row("Client", a["client_id"]);
        break;
      }
    }
    REQUIRE(client.is_object());
    json r = d.Ok("halopsa_list_assets", {{"client", client["name"]}, {"asset_type", "Server"}});
    CHECK(d.calls == 1);
    REQUIRE_FALSE(r["structuredContent"]["items"].empty());
    for (auto const& item : r["structuredContent"]["items"]) {
      json const a = d.Row("Asset", item["id"].get<std::int64_t>());
      CHECK(a["client_id"] == client["id"]);
      CHECK(a["assettype_id"] == server_type);
    }
  }

  SECTION("a bulk status change of 250 tickets: 1 call, every one changed, per-ticket report") {
    json ids = json::array();
    for (auto const& t : d.Rows("Tickets")) {
      if (ids.size() < 250) ids.push_back(t["id"]);
    }
    REQUIRE(ids.size() == 250);
    json r = d.Ok("halopsa_bulk_update_tickets",
                  {{"ids", ids}, {"status", "On Hold"}, {"confirm", true}});
    CHECK(d.calls == 1);
    std::int64_t const on_hold = d.IdOf("Status", "name", "On Hold");
    for (auto const& id : ids) CHECK(d.Row("Tickets", id)["status_id"] == on_hold);
  }

  SECTION("a site named within the client it belongs to: 1 call, no ambiguity") {
    // Every client has a "Head Office": named with its client, the site is not ambiguous.
    json const client = d.Rows("Client").at(1);
    json r = d.Ok("halopsa_create_ticket", {{"summary", "Door entry system offline"},
                                            {"ticket_type", "Incident"},
                                            {"client", client["name"]},
                                            {"site", "Head Office"}});
    CHECK(d.calls == 1);
    json const t = d.Row("Tickets", r["structuredContent"]["id"]);
    CHECK(t["client_id"] == client["id"]);
    CHECK(d.Row("Site", t["site_id"])["client_id"] == client["id"]);
  }
}

TEST_CASE("Workflows: the five common mistakes are answered with what to do next",
          "[e2e][workflow]") {
  Desk d;
  std::int64_t const ticket = d.Rows("Tickets").front()["id"];
  auto const writes_before = d.sim->requests().size();

  SECTION("a misspelt name: candidates, nothing changed") {
    json r = d.Call("halopsa_update_ticket", {{"id", ticket}, {"team", "2nd Lnie"}});
    CHECK(r.value("isError", false));
    CHECK_THAT(Desk::Text(r), Contains("closest") && Contains("2nd Line"));
  }
  SECTION("an ambiguous name on a write: refused with the candidates") {
    json r = d.Call("halopsa_update_ticket", {{"id", ticket}, {"status", "Waiting"}});
    CHECK(r.value("isError", false));
    CHECK_THAT(Desk::Text(r), Contains("Waiting on Customer") && Contains("Waiting on Supplier"));
  }
  SECTION("a string for an integer: converted, the call does what was asked") {
    json r = d.Ok("halopsa_get_ticket", {{"id", std::to_string(ticket)}});
    CHECK(r["structuredContent"]["id"] == ticket);
  }
  SECTION("an unknown status: the statuses there are") {
    json r = d.Call("halopsa_update_ticket", {{"id", ticket}, {"status", "Parked"}});
    CHECK(r.value("isError", false));
    CHECK_THAT(Desk::Text(r), Contains("no status named \"Parked\"") && Contains("closest"));
  }
  SECTION("a missing argument: named, with what it takes") {
    json r = d.Call("halopsa_add_action", {{"note", "Called the user back"}});
    CHECK(r.value("isError", false));
    CHECK_THAT(Desk::Text(r), Contains("ticket_id") && Contains("missing"));
  }
  SECTION("an unknown field: the valid field names") {
    json r = d.Call("halopsa_get_ticket", {{"id", ticket}, {"fields", {"summary", "colour"}}});
    CHECK(r.value("isError", false));
    CHECK_THAT(Desk::Text(r), Contains("unknown field colour") && Contains("client_name"));
  }
  SECTION("a departed technician: found for reading, refused for new work") {
    std::string departed;
    for (auto const& a : d.Rows("Agent")) {
      if (a.value("isdisabled", false)) departed = a["name"];
    }
    REQUIRE_FALSE(departed.empty());
    d.Ok("halopsa_list_tickets", {{"agent", departed}, {"limit", 5}});
    json r = d.Call("halopsa_update_ticket", {{"id", ticket}, {"agent", departed}});
    CHECK(r.value("isError", false));
    CHECK_THAT(Desk::Text(r), Contains("disabled"));
  }
  SECTION("a client search that finds nothing: the closest names") {
    std::string name = d.Rows("Client").front()["name"];
    name.erase(3, 1);  // a dropped letter
    json r = d.Ok("halopsa_list_clients", {{"search", name}});
    CHECK(r["structuredContent"]["items"].empty());
    CHECK_THAT(Desk::Text(r),
               Contains("Closest names: " + d.Rows("Client").front()["name"].get<std::string>()));
  }
  // None of the refused calls wrote anything.
  std::size_t writes = 0;
  auto const requests = d.sim->requests();
  for (std::size_t i = writes_before; i < requests.size(); ++i) {
    writes += requests[i].method == "POST" && requests[i].path.rfind("/api", 0) == 0;
  }
  CHECK(writes == 0);
}
