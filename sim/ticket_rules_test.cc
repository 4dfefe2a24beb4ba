// Ticket and action behaviours a technician's tools rely on: attribution, outcomes that set a
// status, departed agents, create options (sendack, source, rules, categories, parent), merges,
// the ticket list's filters and the Actions cap.
#include "sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <string>

namespace {

using halo_sim::Json;
using halo_sim::testing::ApiTenant;

std::int64_t NewTicket(ApiTenant& t, Json fields = Json::object()) {
  Json body{{"summary", "Test ticket"}, {"tickettype_id", 1}, {"client_id", 12}};
  body.update(fields);
  auto r = t.Post("Tickets", Json::array({body}));
  REQUIRE(r.status == 200);
  return r.body["id"].get<std::int64_t>();
}

Json Actions(ApiTenant& t, std::int64_t ticket) {
  return t.List("Actions", "count=500&ticket_id=" + std::to_string(ticket))["actions"];
}

std::int64_t ActiveAgent(ApiTenant& t) { return t.List("Agent")[0]["id"].get<std::int64_t>(); }

}  // namespace

TEST_CASE("Actions are credited to actionby_agent_id, who is shown",
          "[sim][actions][attribution]") {
  ApiTenant t;
  auto const ticket = NewTicket(t);
  auto const agent = ActiveAgent(t);
  auto const api = t.store().meta()["api_agent_id"].get<std::int64_t>();
  auto const name = t.Get("Agent", std::to_string(agent))["name"];

  SECTION("the named agent did it, on their timesheet") {
    auto r = t.Post("Actions", Json::array({{{"ticket_id", ticket},
                                             {"outcome", "Remote Session"},
                                             {"timetaken", 0.75},
                                             {"actionby_agent_id", agent}}}));
    REQUIRE(r.status == 200);
    CHECK(r.body["actionby_agent_id"] == agent);
    CHECK(r.body["who_agentid"] == agent);
    CHECK(r.body["who"] == name);
    CHECK(r.body["who_type"] == 1);
    auto const events = t.List("TimesheetEvent", "agent_id=" + std::to_string(agent));
    bool logged = std::any_of(events.begin(), events.end(), [&](Json const& e) {
      return e["ticket_id"] == ticket && e["timetaken"] == 0.75;
    });
    CHECK(logged);
  }
  SECTION("without it, the API agent; on_behalf_of is recorded but does not credit") {
    auto r = t.Post(
        "Actions",
        Json::array(
            {{{"ticket_id", ticket}, {"outcome", "Private Note"}, {"on_behalf_of", agent}}}));
    REQUIRE(r.status == 200);
    CHECK(r.body["who_agentid"] == api);
    CHECK(r.body["on_behalf_of"] == agent);
    CHECK(r.body["on_behalf_of_name"] == name);
  }
  SECTION("a departed or unknown agent cannot be credited") {
    Json departed;
    for (auto const& a : t.List("Agent", "includedisabled=true")) {
      if (a["isdisabled"] == true) departed = a;
    }
    REQUIRE(departed.is_object());
    auto r = t.Post("Actions", Json::array({{{"ticket_id", ticket},
                                             {"outcome", "Private Note"},
                                             {"actionby_agent_id", departed["id"]}}}));
    CHECK(r.status == 400);
    CHECK(r.body["actionby_agent_id"].get<std::string>().find("inactive") != std::string::npos);
    CHECK(t.Post("Actions", Json::array({{{"ticket_id", ticket},
                                          {"outcome", "Private Note"},
                                          {"actionby_agent_id", 999}}}))
              .status == 400);
  }
  SECTION("switched off, every API action is the API agent's") {
    t.options().honour_actionby_agent = false;
    auto r = t.Post(
        "Actions",
        Json::array(
            {{{"ticket_id", ticket}, {"outcome", "Private Note"}, {"actionby_agent_id", agent}}}));
    REQUIRE(r.status == 200);
    CHECK(r.body["who_agentid"] == api);
  }
}

TEST_CASE("Outcomes set the ticket's status, new_status wins", "[sim][actions][outcomes]") {
  ApiTenant t;
  auto const outcomes = t.List("Outcome")["outcomes"];
  auto newstatus = [&](std::string const& name) {
    for (auto const& o : outcomes) {
      if (o["outcome"] == name) return o["newstatus"].get<int>();
    }
    return -1;
  };
  CHECK(newstatus("Private Note") == 0);
  CHECK(newstatus("Note") == 0);
  CHECK(newstatus("Resolved") == 9);
  CHECK(newstatus("Close") == 9);
  CHECK(newstatus("Waiting on Customer") == 4);
  auto const ticket = NewTicket(t);
  auto const id = std::to_string(ticket);
  auto status = [&] { return t.Get("Tickets", id)["status_id"].get<int>(); };
  auto post = [&](Json action) {
    action["ticket_id"] = ticket;
    return t.Post("Actions", Json::array({action}));
  };
  CHECK(post({{"outcome", "Waiting on Customer"}}).status == 200);
  CHECK(status() == 4);
  CHECK(t.Get("Tickets", id)["onhold"] == true);
  CHECK(post({{"outcome", "Note"}, {"note", "Still waiting"}}).status == 200);
  CHECK(status() == 4);
  CHECK(post({{"outcome", "Resolved"}, {"new_status", 2}}).body["new_status"] == 2);
  CHECK(status() == 2);  // the explicit status wins over the outcome's
  CHECK(post({{"outcome", "Close"}}).status == 200);
  CHECK(status() == 9);
  CHECK(t.Get("Tickets", id)["dateclosed"].is_string());
}

TEST_CASE("Departed agents still own tickets, list filters include them", "[sim][agents]") {
  ApiTenant t;
  auto const enabled = t.List("Agent");
  for (auto const& a : enabled) CHECK(a["isdisabled"] == false);
  auto const all = t.List("Agent", "includedisabled=true");
  auto const disabled_only = t.List("Agent", "activeinactive=false,true");
  CHECK(all.size() == enabled.size() + disabled_only.size());
  REQUIRE(disabled_only.size() >= 2);
  std::int64_t open_owned = 0;
  for (auto const& a : disabled_only) {
    CHECK(a["isdisabled"] == true);
    open_owned += t.List("Tickets", "open_only=true&agent_id=" +
                                        std::to_string(a["id"].get<int>()))["record_count"]
                      .get<int>();
  }
  CHECK(open_owned > 0);
  auto const departed = disabled_only[0]["id"];
  auto r = t.Post("Tickets", Json::array({{{"id", 1001}, {"agent_id", departed}}}));
  CHECK(r.status == 400);
  CHECK(r.body["agent_id"].get<std::string>().find("inactive") != std::string::npos);
  CHECK(t.List("Agent", "includeenabled=false&includedisabled=true").size() ==
        disabled_only.size());
}

TEST_CASE("Ticket create: sendack, source, rules, categories, parent", "[sim][tickets]") {
  ApiTenant t;
  auto const user = t.Get("Users", "101");
  auto const site = user["site_id"];
  auto const client = t.Get("Site", std::to_string(site.get<int>()))["client_id"];

  SECTION("users have a default site; a user without a site is refused") {
    CHECK(site.get<int>() > 0);
    auto r = t.Post("Tickets",
                    Json::array({{{"summary", "x"}, {"tickettype_id", 1}, {"user_id", 101}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("site_id"));
  }
  SECTION("sendack records the acknowledgement the user would have been sent") {
    auto const with = NewTicket(
        t, {{"client_id", client}, {"site_id", site}, {"user_id", 101}, {"sendack", true}});
    auto const actions = Actions(t, with);
    REQUIRE(actions.size() == 1);
    CHECK(actions[0]["sendemail"] == true);
    CHECK(actions[0]["emailto"] == user["emailaddress"]);
    CHECK(actions[0]["hiddenfromuser"] == false);
    CHECK(t.Get("Tickets", std::to_string(with))["sendack"] == true);
    auto const without = NewTicket(t, {{"client_id", client}, {"site_id", site}, {"user_id", 101}});
    CHECK(Actions(t, without).empty());
  }
  SECTION("source is kept; API tickets default to 0") {
    CHECK(t.Get("Tickets", std::to_string(NewTicket(t, {{"source", 2}})))["source"] == 2);
    CHECK(t.Get("Tickets", std::to_string(NewTicket(t)))["source"] == 0);
  }
  SECTION("the VIP rule raises the priority unless dont_do_rules") {
    (*t.store().Find("Client", 13))["is_vip"] = true;
    auto const vip = t.Get("Client", "13");
    auto const ruled = NewTicket(t, {{"client_id", vip["id"]}, {"tickettype_id", 2}});
    CHECK(t.Get("Tickets", std::to_string(ruled))["priority_id"] == 2);
    auto const skipped =
        NewTicket(t, {{"client_id", vip["id"]}, {"tickettype_id", 2}, {"dont_do_rules", true}});
    auto const row = t.Get("Tickets", std::to_string(skipped));
    CHECK(row["priority_id"] == 4);  // the type's default
    CHECK(row["dont_do_rules"] == true);
  }
  SECTION("categoryid_1..4 set the category strings") {
    auto const id = NewTicket(t, {{"categoryid_1", 3}, {"categoryid_2", 21}});
    auto const row = t.Get("Tickets", std::to_string(id));
    CHECK(row["category_1"] == "Software>Microsoft 365");
    CHECK(row["categoryid_1"] == 3);
    CHECK(row["category_2"] == "Resolved - Fixed");
    CHECK(t.Post("Tickets",
                 Json::array({{{"summary", "x"}, {"tickettype_id", 1}, {"categoryid_3", 999}}}))
              .body.contains("categoryid_3"));
  }
  SECTION("parent_id links a child and counts it on the parent") {
    auto const parent = NewTicket(t);
    auto const child = NewTicket(t, {{"parent_id", parent}});
    CHECK(t.Get("Tickets", std::to_string(child))["parent_id"] == parent);
    CHECK(t.Get("Tickets", std::to_string(parent))["child_count"] == 1);
    CHECK(t.List("Tickets", "parent_id=" + std::to_string(parent))["tickets"][0]["id"] == child);
    CHECK(t.Post("Tickets",
                 Json::array({{{"summary", "x"}, {"tickettype_id", 1}, {"parent_id", 999999}}}))
              .body.contains("parent_id"));
    CHECK(t.Post("Tickets", Json::array({{{"id", parent}, {"parent_id", parent}}})).status == 400);
    // Unlinking counts again.
    CHECK(t.Post("Tickets", Json::array({{{"id", child}, {"parent_id", 0}}})).status == 200);
    CHECK(t.Get("Tickets", std::to_string(parent))["child_count"] == 0);
  }
}

TEST_CASE("Related tickets: new_related_tickets relates both ways, unrelate ends it",
          "[sim][tickets][related]") {
  ApiTenant t;
  auto const a = NewTicket(t);
  auto const b = NewTicket(t);
  auto const c = NewTicket(t, {{"new_related_tickets", Json::array({{{"id", a}}})}});
  REQUIRE(t.Post("Tickets", Json::array({{{"id", a}, {"new_related_tickets", {{{"id", b}}}}}}))
              .status == 200);
  auto const related_to_a = t.List("Tickets", "related_id=" + std::to_string(a))["tickets"];
  std::vector<std::int64_t> ids;
  for (auto const& r : related_to_a) ids.push_back(r["id"].get<std::int64_t>());
  std::sort(ids.begin(), ids.end());
  CHECK(ids == std::vector<std::int64_t>{b, c});
  Json const got_b = t.Get("Tickets", std::to_string(b));
  CHECK(got_b["has_related"] == true);
  CHECK(got_b["related_tickets"][0]["id"] == a);
  CHECK(got_b["related_tickets"][0]["summary"] == "Test ticket");

  REQUIRE(t.Post("Tickets", Json::array({{{"id", b}, {"unrelate_from_ticket_id", a}}})).status ==
          200);
  CHECK(t.Get("Tickets", std::to_string(b))["has_related"] == false);
  CHECK(t.List("Tickets", "related_id=" + std::to_string(a))["tickets"].size() == 1);
  // Ending a relation that does not exist changes nothing.
  CHECK(t.Post("Tickets", Json::array({{{"id", b}, {"unrelate_from_ticket_id", c}}})).status ==
        200);

  auto unknown =
      t.Post("Tickets", Json::array({{{"id", a}, {"new_related_tickets", {{{"id", 999999}}}}}}));
  CHECK(unknown.status == 400);
  CHECK(unknown.body.contains("new_related_tickets"));
  CHECK(t.Post("Tickets", Json::array({{{"id", a}, {"new_related_tickets", {{{"id", a}}}}}}))
            .status == 400);
  CHECK(t.Post("Tickets", Json::array({{{"id", a}, {"unrelate_from_ticket_id", 999999}}})).status ==
        400);
  // related_tickets itself is read-only: posting it changes nothing.
  t.Post("Tickets", Json::array({{{"id", b}, {"related_tickets", {{{"id", c}}}}}}));
  CHECK(t.Get("Tickets", std::to_string(b))["has_related"] == false);
}

TEST_CASE("Merging a ticket moves its actions and closes it", "[sim][tickets][merge]") {
  ApiTenant t;
  auto const source = NewTicket(t);
  auto const target = NewTicket(t);
  t.Post("Actions", Json::array({{{"ticket_id", source},
                                  {"outcome", "Private Note"},
                                  {"note", "Diagnosed"},
                                  {"timetaken", 0.5}}}));
  auto r = t.Post("Tickets",
                  Json::array({{{"id", source}, {"merged_into_id", target}, {"domerge", true}}}));
  REQUIRE(r.status == 200);
  CHECK(r.body["merged_into_id"] == target);
  CHECK(r.body["status_id"] == 9);
  CHECK(r.body["timetaken"] == 0.0);
  auto const moved = Actions(t, target);
  bool diagnosed = std::any_of(moved.begin(), moved.end(),
                               [](Json const& a) { return a["note"] == "Diagnosed"; });
  CHECK(diagnosed);
  CHECK(t.Get("Tickets", std::to_string(target))["timetaken"] == 0.5);
  auto const left = Actions(t, source);
  REQUIRE(left.size() == 1);
  CHECK(left[0]["note"].get<std::string>().find("Merged into ticket") != std::string::npos);
  CHECK(t.Post("Tickets",
               Json::array({{{"id", target}, {"merged_into_id", target}, {"domerge", true}}}))
            .status == 400);
  CHECK(t.Post("Tickets", Json::array({{{"id", target}, {"domerge", true}}}))
            .body.contains("merged_into_id"));
  // The merged ticket cannot take more merges.
  CHECK(t.Post("Tickets",
               Json::array({{{"id", target}, {"merged_into_id", source}, {"domerge", true}}}))
            .status == 400);
}

TEST_CASE("Ticket list filters: relations, assets, contracts, SLA, unassigned, fix-by order",
          "[sim][tickets][filters]") {
  ApiTenant t;
  auto const all = t.List("Tickets", "count=1000")["tickets"];
  SECTION("parents and children") {
    auto const parents = t.List("Tickets", "includechildren=1&count=1000");
    REQUIRE(parents["record_count"].get<int>() > 0);
    for (auto const& p : parents["tickets"]) {
      CHECK(p["child_count"].get<int>() > 0);
      auto const children = t.List("Tickets", "parent_id=" + std::to_string(p["id"].get<int>()));
      CHECK(children["record_count"] == p["child_count"]);
    }
    auto const children = t.List("Tickets", "includechildren=2&count=1000")["tickets"];
    for (auto const& c : children) {
      CHECK(c["parent_id"].get<int>() > 0);
    }
  }
  SECTION("asset, contract, updated since") {
    Json with_asset;
    for (auto const& row : all) {
      if (!row["assets"].empty()) with_asset = row;
    }
    REQUIRE(with_asset.is_object());
    auto const asset = std::to_string(with_asset["assets"][0]["id"].get<int>());
    auto const by_asset = t.List("Tickets", "asset_id=" + asset + "&count=1000");
    REQUIRE(by_asset["record_count"].get<int>() >= 1);
    for (auto const& row : by_asset["tickets"])
      CHECK(row["assets"][0]["id"].get<int>() == std::stoi(asset));
    CHECK(t.List("Tickets", "contract_id=4242")["record_count"] == 0);
    auto const since = t.List("Tickets", "lastupdatefromdate=2025-12-20&count=1000");
    for (auto const& row : since["tickets"])
      CHECK(row["last_update"].get<std::string>() >= "2025-12-20");
    CHECK(since["record_count"].get<int>() < 260);
  }
  SECTION("SLA breached, unassigned, fix-by order") {
    auto const breached = t.List("Tickets", "includebreached=1&open_only=true&count=1000");
    REQUIRE(breached["record_count"].get<int>() > 0);
    for (auto const& row : breached["tickets"]) {
      CHECK(row["fixbydate"].get<std::string>() < "2026-01-01T01:00:00");
      CHECK(row["onhold"] == false);
    }
    auto const not_breached = t.List("Tickets", "includebreached=0&open_only=true");
    CHECK(breached["record_count"].get<int>() + not_breached["record_count"].get<int>() ==
          t.List("Tickets", "open_only=true")["record_count"].get<int>());
    auto const unassigned = t.List("Tickets", "agent=0&count=1000");
    REQUIRE(unassigned["record_count"].get<int>() > 0);
    for (auto const& row : unassigned["tickets"]) CHECK(row["agent_id"] == 0);
    auto const by_fix = t.List("Tickets", "open_only=true&order=fixbydate&count=50")["tickets"];
    for (std::size_t i = 1; i < by_fix.size(); ++i)
      CHECK(by_fix[i - 1]["fixbydate"] <= by_fix[i]["fixbydate"]);
    auto const two_keys =
        t.List("Tickets", "order=client_id&order2=id&orderdesc2=true&count=1000")["tickets"];
    for (std::size_t i = 1; i < two_keys.size(); ++i) {
      auto const& a = two_keys[i - 1];
      auto const& b = two_keys[i];
      CHECK((a["client_id"] < b["client_id"] ||
             (a["client_id"] == b["client_id"] && a["id"] > b["id"])));
    }
  }
  SECTION("assets by user, inactive ones on request") {
    Json assigned;
    auto const assets = t.List("Asset", "count=500&includeinactive=true")["assets"];
    for (auto const& a : assets) {
      if (!a["users"].empty()) assigned = a;
    }
    REQUIRE(assigned.is_object());
    auto const user = std::to_string(assigned["users"][0]["id"].get<int>());
    auto const mine = t.List("Asset", "includeinactive=true&user_id=" + user);
    REQUIRE(mine["record_count"].get<int>() >= 1);
    for (auto const& a : mine["assets"]) CHECK(a["users"][0]["id"].get<int>() == std::stoi(user));
    CHECK(t.List("Asset", "includeinactive=true")["record_count"].get<int>() >
          t.List("Asset")["record_count"].get<int>());
  }
}

TEST_CASE("Actions without paging are capped, count lifts the cap, documented filters",
          "[sim][actions][paging]") {
  ApiTenant t;
  auto const capped = t.List("Actions");
  CHECK(capped["actions"].size() == 50);
  auto const total = capped["record_count"].get<int>();
  CHECK(total > 50);
  CHECK(t.List("Actions", "count=200")["actions"].size() == 200);
  // Actions has no paging in the document: pageinate and page_no are ignored.
  auto const paged = t.List("Actions", "pageinate=true&page_size=10&page_no=2");
  CHECK(paged["actions"].size() == 50);
  CHECK(paged["actions"][0] == capped["actions"][0]);
  auto const timed = t.List("Actions", "timeentriesonly=true&count=500")["actions"];
  for (auto const& a : timed) {
    CHECK(a["timetaken"].get<double>() > 0);
  }
  auto const by_agents = t.List("Actions", "agentonly=true&count=500")["actions"];
  for (auto const& a : by_agents) {
    CHECK(a["who_type"] == 1);
  }
  t.Post("Actions", Json::array({{{"ticket_id", 1001}, {"outcome", "Note"}, {"important", true}}}));
  auto const important = t.List("Actions", "importantonly=true");
  REQUIRE(important["record_count"] == 1);
  auto const top = t.List("Actions", "ticket_id=1001&importanttop=true")["actions"];
  CHECK(top[0]["important"] == true);
}
