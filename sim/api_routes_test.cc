#include "sim/api_routes.h"

#include "sim/sim_test_util.h"
#include "sim/tenant_generator.h"

#include <catch2/catch.hpp>

#include <set>
#include <string>

namespace {

using halo_sim::ApiOptions;
using halo_sim::ApiRequest;
using halo_sim::ApiResponse;
using halo_sim::Json;

using Tenant = halo_sim::testing::ApiTenant;

}  // namespace

TEST_CASE("Lists are wrapped or bare arrays like HaloPSA", "[sim][shapes]") {
  Tenant t;
  for (auto const& [resource, key] :
       std::vector<std::pair<std::string, std::string>>{{"Tickets", "tickets"},
                                                        {"Actions", "actions"},
                                                        {"Client", "clients"},
                                                        {"Site", "sites"},
                                                        {"Users", "users"},
                                                        {"Asset", "assets"},
                                                        {"KBArticle", "articles"},
                                                        {"ClientContract", "contracts"},
                                                        {"Invoice", "invoices"},
                                                        {"Quotation", "quotes"},
                                                        {"Outcome", "outcomes"},
                                                        {"Appointment", "appointments"}}) {
    INFO(resource);
    auto body = t.List(resource);
    REQUIRE(body.is_object());
    CHECK(body.contains("record_count"));
    REQUIRE(body.contains(key));
    CHECK(body[key].is_array());
    CHECK_FALSE(body[key].empty());
  }
  for (auto const* resource : {"Agent", "Team", "Status", "Priority", "TicketType", "Category",
                               "AssetType", "SLA", "TimesheetEvent"}) {
    INFO(resource);
    auto body = t.List(resource);
    CHECK(body.is_array());
    CHECK_FALSE(body.empty());
  }
  // Agent stays a bare array when paginated too.
  CHECK(t.List("Agent", "pageinate=true&page_size=50&page_no=1").is_array());
}

TEST_CASE("Reference data has HaloPSA's traps", "[sim][shapes]") {
  Tenant t;
  auto priorities = t.List("Priority");
  CHECK(priorities[0]["id"].is_string());  // GUID-like
  CHECK(priorities[0]["priorityid"].is_number_integer());
  auto status = t.Call("GET", "Status", "9");
  CHECK(status.body["name"] == "Closed");
  CHECK(status.body["type"] == 1);
  auto ticket = t.Call("GET", "Tickets", "1001").body;
  CHECK(ticket["team"].is_string());
  CHECK_FALSE(ticket.contains("team_id"));
  CHECK(ticket["category_1"].is_string());
  CHECK(ticket.contains("dateoccurred"));
  CHECK(ticket.size() > 60);  // real ticket records are wide
  auto user = t.Call("GET", "Users", "101").body;
  CHECK_FALSE(user.contains("client_id"));
  auto outcome = t.Call("GET", "Outcome", "7").body;
  CHECK(outcome["outcome"] == "Private Note");
  auto me = t.Call("GET", "Agent", "me");
  CHECK(me.status == 200);
  CHECK(me.body["isapiagent"] == true);
}

TEST_CASE("Paging follows HaloPSA's rules", "[sim][paging]") {
  Tenant t;
  SECTION("without pageinate at most 50 rows, record_count is the total") {
    auto body = t.List("Tickets");
    CHECK(body["record_count"] == 260);
    CHECK(body["tickets"].size() == 50);
  }
  SECTION("page_size and page_no are ignored without pageinate") {
    auto body = t.List("Tickets", "page_size=10&page_no=3");
    CHECK(body["tickets"].size() == 50);
    CHECK(body["tickets"][0]["id"] == 1001);
  }
  SECTION("pageinate without page_no does not page") {
    CHECK(t.List("Tickets", "pageinate=true&page_size=10")["tickets"].size() == 50);
  }
  SECTION("count is a row limit when not paging") {
    auto body = t.List("Tickets", "count=7");
    CHECK(body["tickets"].size() == 7);
    CHECK(body["record_count"] == 260);
  }
  SECTION("page_no is 1-based") {
    auto body = t.List("Tickets", "pageinate=true&page_size=20&page_no=2");
    REQUIRE(body["tickets"].size() == 20);
    CHECK(body["tickets"][0]["id"] == 1021);
    CHECK_FALSE(body.contains("page_no"));
  }
  SECTION("page_size is capped at 100") {
    auto body = t.List("Tickets", "pageinate=true&page_size=1000&page_no=1");
    CHECK(body["tickets"].size() == 100);
    CHECK(body["record_count"] == 260);
    auto last = t.List("Tickets", "pageinate=true&page_size=100&page_no=3");
    CHECK(last["tickets"].size() == 60);
    auto beyond = t.List("Tickets", "pageinate=true&page_size=100&page_no=4");
    CHECK(beyond["tickets"].empty());
  }
  SECTION("Asset pages hold at most 50 rows") {
    auto body = t.List("Asset", "pageinate=true&page_size=100&page_no=1&includeinactive=true");
    CHECK(body["assets"].size() == 50);
    CHECK(body["record_count"] == 130);
  }
  SECTION("echo_paging adds page_no and page_size") {
    t.options().echo_paging = true;
    auto body = t.List("Tickets", "pageinate=true&page_size=5&page_no=2");
    CHECK(body["page_no"] == 2);
    CHECK(body["page_size"] == 5);
  }
}

TEST_CASE("Ticket filters use HaloPSA's names, misnamed ones are ignored", "[sim][filters]") {
  Tenant t;
  auto all = t.List("Tickets", "count=1000");
  REQUIRE(all["record_count"] == 260);

  SECTION("requesttype_id is honoured, tickettype_id is ignored") {
    auto by_type = t.List("Tickets", "requesttype_id=2&count=1000");
    CHECK(by_type["record_count"] < 260);
    CHECK(by_type["record_count"] > 0);
    for (auto const& row : by_type["tickets"]) CHECK(row["tickettype_id"] == 2);
    CHECK(t.List("Tickets", "tickettype_id=2")["record_count"] == 260);
  }
  SECTION("client_id, status_id lists, team ids, priority") {
    auto client = t.List("Tickets", "client_id=12&count=1000");
    CHECK(client["record_count"] > 0);
    for (auto const& row : client["tickets"]) CHECK(row["client_id"] == 12);
    auto statuses = t.List("Tickets", "status_id=8,9&count=1000");
    CHECK(statuses["record_count"] > 0);
    for (auto const& row : statuses["tickets"]) {
      CHECK((row["status_id"] == 8 || row["status_id"] == 9));
    }
    auto team = t.List("Tickets", "team=1&count=1000");
    CHECK(team["record_count"] > 0);
    for (auto const& row : team["tickets"]) CHECK(row["team"] == "1st Line");
    CHECK(t.List("Tickets", "team_id=1")["record_count"] == 260);
    auto p1 = t.List("Tickets", "priority=1,2&count=1000");
    CHECK(p1["record_count"] > 0);
    for (auto const& row : p1["tickets"]) CHECK(row["priority_id"].get<int>() <= 2);
    CHECK(t.List("Tickets", "priority_id=1")["record_count"] == 260);
  }
  SECTION("open_only and closed_only") {
    auto open = t.List("Tickets", "open_only=true")["record_count"].get<int>();
    auto closed = t.List("Tickets", "closed_only=true")["record_count"].get<int>();
    CHECK(open > 0);
    CHECK(closed > 0);
    CHECK(open + closed == 260);
  }
  SECTION("search, datesearch, order") {
    auto printers = t.List("Tickets", "search=printer&count=1000");
    CHECK(printers["record_count"] > 0);
    for (auto const& row : printers["tickets"]) {
      auto text = row["summary"].get<std::string>() + row["details"].get<std::string>();
      for (auto& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
      CHECK(text.find("printer") != std::string::npos);
    }
    auto recent = t.List(
        "Tickets", "datesearch=dateoccured&startdate=2025-12-01&enddate=2025-12-31&count=1000");
    CHECK(recent["record_count"] > 0);
    for (auto const& row : recent["tickets"]) {
      CHECK(row["dateoccurred"].get<std::string>().substr(0, 7) == "2025-12");
    }
    auto ordered = t.List("Tickets", "order=dateoccurred&orderdesc=true&count=5");
    auto rows = ordered["tickets"];
    REQUIRE(rows.size() == 5);
    for (std::size_t i = 1; i < rows.size(); ++i) {
      CHECK(rows[i - 1]["dateoccurred"] >= rows[i]["dateoccurred"]);
    }
  }
  SECTION("ticketidonly returns the id fields only") {
    auto ids = t.List("Tickets", "ticketidonly=true&count=3");
    CHECK(ids["tickets"][0].size() <= 6);
    CHECK(ids["tickets"][0].contains("id"));
  }
}

TEST_CASE("Other list filters", "[sim][filters]") {
  Tenant t;
  auto users = t.List("Users", "client_id=12&includeinactive=true&count=100");
  CHECK(users["record_count"] == 4);
  auto sites = t.List("Site", "client_id=12");
  for (auto const& s : sites["sites"]) CHECK(s["client_id"] == 12);
  auto site_id = sites["sites"][0]["id"].get<int>();
  auto assets = t.List("Asset", "site_id=" + std::to_string(site_id) + "&count=500");
  CHECK_FALSE(assets["assets"].empty());
  for (auto const& a : assets["assets"]) CHECK(a["site_id"] == site_id);
  // HaloAPI's `siteid` is not the spec's name: ignored.
  CHECK(t.List("Asset", "siteid=" + std::to_string(site_id))["record_count"] ==
        t.List("Asset")["record_count"]);
  auto laptops = t.List("Asset", "assettype_id=1&count=500");
  CHECK_FALSE(laptops["assets"].empty());
  for (auto const& a : laptops["assets"]) CHECK(a["assettype_id"] == 1);

  auto agents = t.List("Agent");
  CHECK_FALSE(agents.empty());
  for (auto const& a : agents) CHECK_FALSE(a["isapiagent"].get<bool>());
  auto with_disabled = t.List("Agent", "includedisabled=true&includeapiagents=true");
  CHECK(with_disabled.size() > agents.size());
  auto team2 = t.List("Agent", "team_id=2");
  CHECK_FALSE(team2.empty());
  for (auto const& a : team2) CHECK(a["team"] == "2nd Line");

  auto actions = t.List("Actions", "ticket_id=1001");
  CHECK(actions["actions"][0]["id"] == 1);
  for (auto const& a : actions["actions"]) CHECK(a["ticket_id"] == 1001);
  auto public_only = t.List("Actions", "ticket_id=1001&excludeprivate=true&excludesys=true");
  CHECK_FALSE(public_only["actions"].empty());
  CHECK(public_only["actions"].size() < actions["actions"].size());
  for (auto const& a : public_only["actions"]) {
    CHECK_FALSE(a["hiddenfromuser"].get<bool>());
    CHECK(a["outcome"] != "Ticket Logged");
  }
  auto clients_all = t.List("Client", "includeinactive=true");
  auto dental = t.List(
      "Client", "search=" + clients_all["clients"][0]["name"].get<std::string>().substr(0, 5));
  CHECK(dental["record_count"] >= 1);
  auto contracts = t.List("ClientContract", "client_id=13");
  CHECK_FALSE(contracts["contracts"].empty());
  for (auto const& c : contracts["contracts"]) CHECK(c["client_id"] == 13);
  // Filter by a client that has invoices, so that the filter has rows to check.
  auto const invoiced = t.List("Invoice", "")["invoices"].at(0)["client_id"].get<int>();
  auto invoices = t.List("Invoice", "client_id=" + std::to_string(invoiced));
  CHECK_FALSE(invoices["invoices"].empty());
  for (auto const& i : invoices["invoices"]) {
    CHECK(i["client_id"] == invoiced);
    CHECK_FALSE(i.contains("lines"));
  }
}

TEST_CASE("Ticket writes: create, update, validation", "[sim][writes]") {
  Tenant t;
  SECTION("create with the minimum; defaults from the ticket type") {
    auto r = t.Post(
        "Tickets",
        Json::array({{{"summary", "Printer jam"}, {"tickettype_id", 5}, {"client_id", 12}}}));
    REQUIRE(r.status == 200);
    REQUIRE(r.body.is_object());
    CHECK(r.body["id"] == 1261);
    CHECK(r.body["status_id"] == 7);  // Project's initial_status
    CHECK(r.body["client_name"].get<std::string>().size() > 0);
    CHECK(r.body["site_id"].get<int>() > 0);
    CHECK(r.body["dateoccurred"].is_string());
    CHECK(t.Call("GET", "Tickets", "1261").status == 200);
  }
  SECTION("several elements answer an array") {
    auto r = t.Post("Tickets", Json::array({{{"summary", "A"}, {"tickettype_id", 1}},
                                            {{"summary", "B"}, {"tickettype_id", 1}}}));
    REQUIRE(r.status == 200);
    REQUIRE(r.body.is_array());
    CHECK(r.body.size() == 2);
  }
  SECTION("update merges fields; unknown fields and team_id are ignored") {
    auto r = t.Post("Tickets", Json::array({{{"id", 1001},
                                             {"summary", "Renamed"},
                                             {"team_id", 3},
                                             {"bogus", 1},
                                             {"status_id", 9}}}));
    REQUIRE(r.status == 200);
    CHECK(r.body["summary"] == "Renamed");
    CHECK(r.body["status_id"] == 9);
    CHECK(r.body["dateclosed"].is_string());
    CHECK_FALSE(r.body.contains("bogus"));
    CHECK_FALSE(r.body.contains("team_id"));
  }
  SECTION("validation errors are keyed by field") {
    auto r = t.Post("Tickets", Json::array({{{"tickettype_id", 1}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("summary"));
    r = t.Post("Tickets", Json::array({{{"summary", "x"}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("tickettype_id"));
    r = t.Post("Tickets",
               Json::array({{{"summary", "x"}, {"tickettype_id", 1}, {"client_id", 999}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("client_id"));
    r = t.Post("Tickets",
               Json::array({{{"summary", "x"}, {"tickettype_id", 1}, {"user_id", 101}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("site_id"));
    r = t.Post("Tickets", Json::array({{{"summary", "x"}, {"tickettype_id", 7}}}));
    CHECK(r.status == 400);
    CHECK(r.body.dump().find("CAB members") != std::string::npos);
    r = t.Post("Tickets",
               Json::array({{{"summary", "ok"}, {"tickettype_id", 1}}, {{"tickettype_id", 1}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("[1].summary"));
    CHECK(t.List("Tickets")["record_count"] == 260);  // nothing applied
  }
  SECTION("unknown id on update is 404; a bare object is 400 unless allowed") {
    CHECK(t.Post("Tickets", Json::array({{{"id", 99999}, {"summary", "x"}}})).status == 404);
    auto bare = t.Post("Tickets", Json{{"summary", "x"}, {"tickettype_id", 1}});
    CHECK(bare.status == 400);
    t.options().accept_bare_object = true;
    CHECK(t.Post("Tickets", Json{{"summary", "x"}, {"tickettype_id", 1}}).status == 200);
  }
}

TEST_CASE("Actions are numbered per ticket and need an outcome", "[sim][actions]") {
  Tenant t;
  auto ticket = t.Post(
      "Tickets", Json::array({{{"summary", "New"}, {"tickettype_id", 1}, {"client_id", 12}}}));
  REQUIRE(ticket.status == 200);
  auto const tid = ticket.body["id"].get<std::int64_t>();

  auto a1 = t.Post("Actions", Json::array({{{"ticket_id", tid},
                                            {"outcome", "Private Note"},
                                            {"note", "first"},
                                            {"timetaken", 0.5}}}));
  REQUIRE(a1.status == 200);
  CHECK(a1.body["id"] == 1);
  CHECK(a1.body["ticket_id"] == tid);
  CHECK(a1.body["hiddenfromuser"] == true);
  auto a2 = t.Post("Actions", Json::array({{{"ticket_id", tid},
                                            {"outcome_id", 2},
                                            {"note_html", "<p>second</p>"},
                                            {"timetaken", 0.25},
                                            {"new_status", 4}}}));
  REQUIRE(a2.status == 200);
  CHECK(a2.body["id"] == 2);
  CHECK(a2.body["note"] == "second");
  auto after = t.Call("GET", "Tickets", std::to_string(tid)).body;
  CHECK(after["timetaken"].get<double>() == Approx(0.75));  // hours, accumulated
  CHECK(after["status_id"] == 4);
  CHECK(after["onhold"] == true);

  // Another ticket's numbering is independent.
  auto other = t.Post("Actions", Json::array({{{"ticket_id", 1001}, {"outcome", "Phone Call"}}}));
  CHECK(other.body["id"].get<int>() > 1);

  auto no_outcome = t.Post("Actions", Json::array({{{"ticket_id", tid}, {"note", "x"}}}));
  CHECK(no_outcome.status == 400);
  CHECK(no_outcome.body.dump().find("An Outcome must be entered for this Action") !=
        std::string::npos);
  auto restricted = t.Post("Actions", Json::array({{{"ticket_id", tid}, {"outcome_id", 12}}}));
  CHECK(restricted.body.dump().find("You do not have access to this Action") != std::string::npos);
  auto no_ticket = t.Post("Actions", Json::array({{{"id", 1}, {"note", "edit"}}}));
  CHECK(no_ticket.status == 400);
  CHECK(no_ticket.body.dump().find("An Action must be associated with a ticket_id") !=
        std::string::npos);
  auto edit = t.Post("Actions", Json::array({{{"id", 1}, {"ticket_id", tid}, {"note", "edited"}}}));
  CHECK(edit.status == 200);
  CHECK(edit.body["note"] == "edited");

  auto get_without = t.Call("GET", "Actions", "1");
  CHECK(get_without.status == 400);
  CHECK(get_without.body.dump().find("ticket_id must be specified") != std::string::npos);
  CHECK(t.Call("GET", "Actions", "1", "ticket_id=" + std::to_string(tid)).body["note"] == "edited");
  auto del_without = t.Call("DELETE", "Actions", "1");
  CHECK(del_without.status == 400);
  CHECK(del_without.body.dump().find("ticket_id must be included when deleting an Action") !=
        std::string::npos);
  auto del = t.Call("DELETE", "Actions", "1", "ticket_id=" + std::to_string(tid));
  CHECK(del.status == 200);
  CHECK(del.body["id"] == 1);
  CHECK(t.Call("GET", "Actions", "1", "ticket_id=" + std::to_string(tid)).status == 404);
  // Numbers are not reused after a delete.
  auto a3 = t.Post("Actions", Json::array({{{"ticket_id", tid}, {"outcome", "Internal Note"}}}));
  CHECK(a3.body["id"] == 3);
  // The Resolved outcome closes the ticket.
  t.Post("Actions", Json::array({{{"ticket_id", tid}, {"outcome", "Resolved"}}}));
  CHECK(t.Call("GET", "Tickets", std::to_string(tid)).body["status_id"] == 9);
}

TEST_CASE("DELETE answers the deleted record, unknown ids are 404", "[sim][writes]") {
  Tenant t;
  auto del = t.Call("DELETE", "Tickets", "1002");
  CHECK(del.status == 200);
  CHECK(del.body["id"] == 1002);
  CHECK(t.Call("GET", "Tickets", "1002").status == 404);
  CHECK(t.List("Actions", "ticket_id=1002")["record_count"] == 0);
  CHECK(t.Call("DELETE", "Tickets", "1002").status == 404);
  for (auto const& [resource, id] : std::vector<std::pair<std::string, std::string>>{
           {"Client", "13"}, {"Site", "30"}, {"Users", "102"}, {"Asset", "501"}}) {
    INFO(resource);
    auto r = t.Call("DELETE", resource, id);
    CHECK(r.status == 200);
    CHECK(r.body["id"] == std::stoi(id));
    CHECK(t.Call("GET", resource, id).status == 404);
  }
  auto missing = t.Call("GET", "Client", "4242");
  CHECK(missing.status == 404);
  CHECK(missing.body.contains("error"));
}

TEST_CASE("Customer and asset writes validate references", "[sim][writes]") {
  Tenant t;
  auto client = t.Post("Client", Json::array({{{"name", "Acme Widgets Ltd"}}}));
  REQUIRE(client.status == 200);
  auto const cid = client.body["id"].get<int>();
  CHECK(client.body["main_site_id"].get<int>() > 0);  // a "Main" site comes with it
  CHECK(t.Post("Client", Json::array({Json::object()})).status == 400);
  auto site = t.Post("Site", Json::array({{{"name", "Depot"}, {"client_id", cid}}}));
  CHECK(site.status == 200);
  CHECK(t.Post("Site", Json::array({{{"name", "Depot"}, {"client_id", 9999}}})).status == 400);
  auto user = t.Post("Users", Json::array({{{"name", "Wile E"},
                                            {"site_id", site.body["id"]},
                                            {"emailaddress", "wile@acme.test"}}}));
  CHECK(user.status == 200);
  CHECK(user.body["client_name"] == "Acme Widgets Ltd");
  CHECK(t.List("Users", "client_id=" + std::to_string(cid))["record_count"] == 1);
  auto asset = t.Post(
      "Asset",
      Json::array({{{"client_id", cid}, {"assettype_id", 1}, {"inventory_number", "ACM-LT-1"}}}));
  CHECK(asset.status == 200);
  CHECK(asset.body["assettype_name"] == "Laptop");
  CHECK(t.Post("Asset", Json::array({{{"client_id", cid}, {"assettype_id", 99}}})).status == 400);
}
