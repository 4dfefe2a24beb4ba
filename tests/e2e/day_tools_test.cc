// The default-set tools of the working day (issue 11) end to end: time, knowledge base, actions,
// attachments, ticket links and search, through the real halo-mcp binary against the in-process
// simulator, with their errors, and the workflows a technician asks for, each with a budget of
// tools/call and the tenant state checked afterwards.
#include "server/json_schema.h"
#include "sim/simulator.h"
#include "tests/support/mcp_process.h"
#include "tests/support/simulator_env.h"

#include <catch2/catch.hpp>

#include <algorithm>
#include <iostream>
#include <map>
#include <memory>
#include <set>
#include <string>
#include <vector>

using Catch::Matchers::Contains;
using halo_test::McpProcess;
using halo_test::SimulatorEnv;
using halo_test::StartSimulator;
using nlohmann::json;

namespace {

std::string Text(json const& result) {
  if (!result.contains("content") || result["content"].empty()) return "";
  return result["content"][0].value("text", "");
}

/// A small tenant, halo-mcp acting as one of its technicians, every tool's outputSchema at hand
/// and a count of tools/call (the workflows' budgets).
struct Day {
  std::unique_ptr<halo_sim::Simulator> sim;
  std::unique_ptr<McpProcess> mcp;
  std::map<std::string, json> output_schemas;
  std::set<std::string> listed;
  std::size_t list_bytes = 0;  // the tools/list response
  std::string agent_name;
  std::int64_t agent_id = 0;
  int calls = 0;

  /// `acting`: start halo-mcp as the tenant's first technician (--agent).
  explicit Day(std::vector<std::string> extra = {}, bool acting = true) {
    halo_sim::SimOptions o;
    o.tickets = 150;
    o.clients = 6;
    o.assets = 40;
    o.users_per_client = 4;
    o.agents = 8;
    o.rate_limit_requests = 0;
    o.threads = 4;
    sim = StartSimulator(o);
    sim->WithStore([&](halo_sim::Store& s) {
      for (auto const& [id, a] : s.table("Agent").rows) {
        if (a.value("isdisabled", false) || a.value("isapiagent", false)) continue;
        agent_id = id;
        agent_name = a.value("name", "");
        break;
      }
    });
    REQUIRE_FALSE(agent_name.empty());
    std::vector<std::string> argv{HALO_MCP_BINARY, "--log-level", "warn", "--timezone", "UTC"};
    if (acting) argv.insert(argv.end(), {"--agent", agent_name});
    argv.insert(argv.end(), extra.begin(), extra.end());
    mcp = McpProcess::Start(argv, SimulatorEnv(*sim, {{"HALOPSA_RATE_LIMIT", "off"},
                                                      {"HALO_MCP_TOOLSETS", ""},
                                                      {"HALO_MCP_TOOLS", ""},
                                                      {"HALO_MCP_EXCLUDE_TOOLS", ""},
                                                      {"HALO_MCP_READ_ONLY", ""},
                                                      {"HALOPSA_AGENT", ""}}));
    auto init = mcp->Initialize();
    INFO(init.dump());
    REQUIRE(init.contains("result"));
    json r = mcp->Request("tools/list");
    REQUIRE(r.contains("result"));
    list_bytes = r.dump().size();
    for (auto const& t : r["result"]["tools"]) {
      listed.insert(t["name"].get<std::string>());
      if (t.contains("outputSchema")) output_schemas[t["name"]] = t["outputSchema"];
    }
    sim->ClearRequests();
  }
  ~Day() { CHECK(mcp->stdout_garbage.empty()); }

  json Call(std::string const& tool, json args = json::object()) {
    ++calls;
    json r = mcp->Call(tool, std::move(args));
    INFO(tool << " -> " << r.dump().substr(0, 3000));
    REQUIRE(r.contains("content"));
    if (!r.value("isError", false) && output_schemas.count(tool)) {
      REQUIRE(r.contains("structuredContent"));
      auto problems = mcp::ValidateJson(output_schemas[tool], r["structuredContent"]);
      for (auto const& p : problems) UNSCOPED_INFO(p.path << ": " << p.message);
      CHECK(problems.empty());
    }
    return r;
  }
  json Ok(std::string const& tool, json args = json::object()) {
    json r = Call(tool, std::move(args));
    INFO(tool << " -> " << Text(r));
    REQUIRE_FALSE(r.value("isError", false));
    return r["structuredContent"];
  }
  std::string Error(std::string const& tool, json args) {
    json r = Call(tool, std::move(args));
    INFO(tool << " -> " << Text(r));
    CHECK(r.value("isError", false));
    return Text(r);
  }
  json Row(std::string const& entity, std::int64_t id) {
    json row;
    sim->WithStore([&](halo_sim::Store& s) {
      if (auto const* r = s.Find(entity, id)) row = *r;
    });
    return row;
  }
  json Action(std::int64_t ticket, json const& id) {
    json row;
    sim->WithStore([&](halo_sim::Store& s) {
      auto it = s.actions().find({ticket, id.get<std::int64_t>()});
      if (it != s.actions().end()) row = it->second;
    });
    return row;
  }
  std::size_t Writes() const {
    std::size_t n = 0;
    for (auto const& r : sim->requests()) n += r.method == "POST" || r.method == "DELETE";
    return n;
  }
};

}  // namespace

TEST_CASE("Time: entries with totals, log, update, delete, timesheet", "[e2e][day][time]") {
  Day d;
  for (auto const* t :
       {"halopsa_list_time_entries", "halopsa_log_time", "halopsa_update_time_entry",
        "halopsa_delete_time_entry", "halopsa_get_timesheet"}) {
    CHECK(d.listed.count(t) == 1);  // the default set
  }

  // This week's time of the acting agent, without arguments; totals agree with the rows.
  json week = d.Ok("halopsa_list_time_entries", {{"limit", 500}});
  auto const& totals = week["totals"];
  double sum = 0, billable = 0;
  for (auto const& i : week["items"]) {
    sum += i["timetaken"].get<double>();
    if (i.value("charge_rate", json()) != "non-billable") billable += i["timetaken"].get<double>();
  }
  CHECK(totals["hours"].get<double>() == Approx(sum).margin(0.01));
  CHECK(totals["billable_hours"].get<double>() == Approx(billable).margin(0.01));
  CHECK(totals["hours"].get<double>() ==
        Approx(totals["billable_hours"].get<double>() + totals["non_billable_hours"].get<double>())
            .margin(0.01));
  CHECK(week["totals"]["entries"] == week["record_count"]);
  auto q = d.sim->requests();
  REQUIRE_FALSE(q.empty());
  CHECK_THAT(q.back().query, Contains("agent_id=" + std::to_string(d.agent_id)));

  // Last month, paged: the totals cover every entry, not just the page.
  json month = d.Ok("halopsa_list_time_entries", {{"from", "-28d"}, {"limit", 5}});
  CHECK(month["returned"] == 5);
  CHECK(month["has_more"] == true);
  CHECK(month["totals"]["entries"].get<int>() > 5);
  CHECK(month["totals"]["by_day"].size() > 5);
  json next = d.Ok("halopsa_list_time_entries",
                   {{"from", "-28d"}, {"limit", 5}, {"cursor", month["next_cursor"]}});
  CHECK(next["items"][0]["id"] != month["items"][0]["id"]);

  // Log a meeting: credited to the acting agent, non-billable by default.
  json logged = d.Ok("halopsa_log_time", {{"subject", "Supplier review meeting"},
                                          {"start", "today"},
                                          {"end", "2099-01-01T00:00"},
                                          {"hours", 1.25}});
  std::int64_t const id = logged["id"].get<std::int64_t>();
  json row = d.Row("TimesheetEvent", id);
  CHECK(row["agent_id"] == d.agent_id);
  CHECK(row["charge_rate"] == 0);
  CHECK(row["timetaken"] == 1.25);
  CHECK(row["subject"] == "Supplier review meeting");

  json changed = d.Ok("halopsa_update_time_entry", {{"id", id}, {"billable", true}, {"hours", 2}});
  CHECK(changed["changes"].contains("charge_rate"));
  CHECK(d.Row("TimesheetEvent", id)["charge_rate"] == 1);
  CHECK(d.Row("TimesheetEvent", id)["timetaken"] == 2);
  CHECK_THAT(d.Error("halopsa_update_time_entry", {{"id", 99999999}, {"hours", 1}}),
             Contains("not found") || Contains("404") || Contains("No "));
  CHECK_THAT(
      d.Error("halopsa_log_time", {{"subject", "x"}, {"start", "next tuesday"}, {"end", "today"}}),
      Contains("start"));

  // Delete: a preview first, then the real thing.
  json preview = d.Ok("halopsa_delete_time_entry", {{"id", id}});
  CHECK(preview["deleted"] == false);
  CHECK_FALSE(d.Row("TimesheetEvent", id).is_null());
  CHECK(d.Ok("halopsa_delete_time_entry", {{"id", id}, {"confirm", true}})["deleted"] == true);
  CHECK(d.Row("TimesheetEvent", id).is_null());

  // Timesheet: a week against target; the target of a working day is the agent's hours.
  json ts = d.Ok("halopsa_get_timesheet", {{"week", true}});
  CHECK(ts["items"].size() == 7);
  CHECK(ts["totals"]["target_hours"].get<double>() > 0);
  CHECK_THAT(d.Error("halopsa_get_timesheet", {{"date", "someday"}}), Contains("date"));
  json other = d.Ok("halopsa_get_timesheet", {{"agent", d.agent_id}, {"date", "yesterday"}});
  CHECK(other["items"].size() == 1);
}

TEST_CASE("Knowledge base: search, get, create, update", "[e2e][day][kb]") {
  Day d;
  json found = d.Ok("halopsa_search_kb", {{"search", "MFA"}});
  REQUIRE(found["returned"].get<int>() >= 1);
  json const mfa = found["items"][0];
  CHECK_THAT(mfa["name"].get<std::string>(), Contains("MFA"));
  auto const q = d.sim->requests().back();
  CHECK(q.path == "/api/KBArticle");
  CHECK_THAT(q.query, Contains("search=MFA"));
  // HaloPSA matches the text as typed: an empty result for several words says so.
  json phrase = d.Call("halopsa_search_kb", {{"search", "enrol MFA"}});
  CHECK_THAT(Text(phrase), Contains("0 KB articles") &&
                               Contains("matched \"enrol MFA\" as one phrase; search one "
                                        "distinctive word instead"));

  json article = d.Call("halopsa_get_kb_article", {{"id", mfa["id"]}});
  CHECK_THAT(Text(article), Contains("Authenticator"));
  CHECK_FALSE(article["structuredContent"].value("resolution", "").empty());
  CHECK(Text(article).find("<p>") == std::string::npos);  // HTML turned into text
  CHECK_THAT(d.Error("halopsa_get_kb_article", {{"id", 999999}}),
             Contains("404") || Contains("not"));

  // Retired articles only on request.
  std::size_t all =
      d.Ok("halopsa_search_kb", {{"include_inactive", true}, {"limit", 100}})["items"].size();
  std::size_t active = d.Ok("halopsa_search_kb", {{"limit", 100}})["items"].size();
  CHECK(all == active + 1);

  json made = d.Ok("halopsa_create_kb_article", {{"name", "Map a network drive"},
                                                 {"description", "User cannot see S:"},
                                                 {"resolution", "Run net use S: \\\\fs1\\shared"},
                                                 {"tags", "Drives, Windows"}});
  std::int64_t const id = made["id"].get<std::int64_t>();
  CHECK(d.Row("KBArticle", id)["tag_string"] == "Drives, Windows");
  json upd = d.Ok("halopsa_update_kb_article", {{"id", id}, {"inactive", true}});
  CHECK(d.Row("KBArticle", id)["inactive"] == true);
  CHECK_THAT(d.Error("halopsa_create_kb_article", {{"description", "no name"}}), Contains("name"));
  CHECK_THAT(d.Error("halopsa_update_kb_article", {{"id", 999999}, {"name", "x"}}),
             Contains("404") || Contains("not"));
}

TEST_CASE("New filters: tickets by parent, asset, contract, updated, SLA breached, assets by user",
          "[e2e][day][filters]") {
  Day d;
  // A parent with a child, made through update_ticket.
  std::int64_t parent = 0, child = 0, asset = 0, asset_ticket = 0, contract_client = 0;
  std::string contract_ref;
  std::int64_t contract_id = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) {
      if (t.value("status_id", 0) == 9 || t.value("parent_id", 0) > 0) continue;
      if (parent == 0) {
        parent = id;
      } else if (child == 0 &&
                 t.value("client_id", 0) == s.Find("Tickets", parent)->value("client_id", 0)) {
        child = id;
      }
      if (asset == 0 && t.contains("assets") && !t["assets"].empty()) {
        asset = t["assets"][0].value("id", 0);
        asset_ticket = id;
      }
    }
    for (auto const& [id, c] : s.table("ClientContract").rows) {
      contract_id = id;
      contract_ref = c.value("ref", "");
      contract_client = c.value("client_id", 0);
      break;
    }
  });
  REQUIRE(parent > 0);
  REQUIRE(child > 0);
  json linked = d.Ok("halopsa_update_ticket", {{"id", child}, {"parent", parent}});
  CHECK(d.Row("Tickets", child)["parent_id"] == parent);
  json children = d.Ok("halopsa_list_tickets", {{"parent", parent}});
  REQUIRE(children["items"].size() == 1);
  CHECK(children["items"][0]["id"] == child);

  if (asset > 0) {
    json by_asset = d.Ok("halopsa_list_tickets", {{"asset", asset}});
    bool seen = false;
    for (auto const& i : by_asset["items"]) seen |= i["id"] == asset_ticket;
    CHECK(seen);
    CHECK_THAT(d.sim->requests().back().query, Contains("asset_id=" + std::to_string(asset)));
  }
  if (contract_id > 0) {
    d.Ok("halopsa_list_tickets", {{"contract", contract_ref}});
    CHECK_THAT(d.sim->requests().back().query,
               Contains("contract_id=" + std::to_string(contract_id)));
  }
  json breached = d.Ok("halopsa_list_tickets", {{"sla_breached", true}, {"open_only", true}});
  CHECK_THAT(d.sim->requests().back().query, Contains("includebreached=1"));
  json recent = d.Ok("halopsa_list_tickets", {{"updated_since", "-2d"}, {"limit", 5}});
  CHECK_THAT(d.sim->requests().back().query, Contains("lastupdatefromdate="));
  json fix = d.Ok("halopsa_list_tickets", {{"order", "fix_by"}, {"open_only", true}, {"limit", 5}});
  CHECK_THAT(d.sim->requests().back().query, Contains("order=fixbydate"));
  json unassigned = d.Ok("halopsa_list_tickets", {{"agent", "unassigned"}, {"limit", 50}});
  for (auto const& i : unassigned["items"]) CHECK_FALSE(i.contains("agent"));

  // Move a ticket to another client and site.
  std::int64_t other_client = 0, other_site = 0, other_user = 0;
  std::int64_t const from_client = d.Row("Tickets", child)["client_id"].get<std::int64_t>();
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, site] : s.table("Site").rows) {
      if (site.value("client_id", 0) != from_client) {
        other_client = site.value("client_id", 0);
        other_site = id;
        break;
      }
    }
    for (auto const& [id, user] : s.table("Users").rows) {
      if (user.value("site_id", 0) == other_site) other_user = id;
    }
  });
  REQUIRE(other_user > 0);
  // The end user belongs to the old client: HaloPSA refuses, naming the argument to add.
  CHECK_THAT(d.Error("halopsa_update_ticket",
                     {{"id", child}, {"client", other_client}, {"site", other_site}}),
             Contains("user"));
  json moved =
      d.Ok("halopsa_update_ticket",
           {{"id", child}, {"client", other_client}, {"site", other_site}, {"user", other_user}});
  CHECK(d.Row("Tickets", child)["client_id"] == other_client);
  CHECK(d.Row("Tickets", child)["site_id"] == other_site);
  d.Ok("halopsa_update_ticket", {{"id", child}, {"parent", 0}});
  CHECK(d.Row("Tickets", child).value("parent_id", 0) == 0);

  // Assets by user, and retired ones on request.
  std::int64_t user = 0, user_asset = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, a] : s.table("Asset").rows) {
      if (a.value("user_id", 0) > 0 && !a.value("inactive", false)) {
        user = a.value("user_id", 0);
        user_asset = id;
        break;
      }
    }
  });
  if (user > 0) {
    json mine = d.Ok("halopsa_list_assets", {{"user", user}});
    bool seen = false;
    for (auto const& i : mine["items"]) seen |= i["id"] == user_asset;
    CHECK(seen);
  }
  d.Ok("halopsa_list_assets", {{"include_inactive", true}, {"limit", 5}});
  CHECK_THAT(d.sim->requests().back().query, Contains("includeinactive=true"));
}

TEST_CASE("add_action: billable or not, explicit recipients, email refused without a reason",
          "[e2e][day][actions]") {
  Day d;
  std::int64_t ticket = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) {
      if (t.value("status_id", 0) != 9 && !t.value("user_email", "").empty()) {
        ticket = id;
        break;
      }
    }
  });
  REQUIRE(ticket > 0);
  json a = d.Ok("halopsa_add_action", {{"ticket_id", ticket},
                                       {"note", "Courtesy call"},
                                       {"time_minutes", 30},
                                       {"billable", false}});
  json row = d.Action(ticket, a["id"]);
  REQUIRE_FALSE(row.is_null());
  CHECK(row["chargerate"] == 0);
  CHECK(row["actionby_agent_id"] == d.agent_id);

  std::size_t const writes = d.Writes();
  CHECK_THAT(
      d.Error("halopsa_add_action", {{"ticket_id", ticket}, {"note", "hi"}, {"send_email", true}}),
      Contains("visible_to_user"));
  CHECK_THAT(d.Error("halopsa_add_action",
                     {{"ticket_id", ticket}, {"note", "hi"}, {"email_to", "a@example.com"}}),
             Contains("send_email"));
  CHECK(d.Writes() == writes);

  json sent = d.Ok("halopsa_add_action", {{"ticket_id", ticket},
                                          {"note", "Your replacement is on its way"},
                                          {"visible_to_user", true},
                                          {"send_email", true},
                                          {"email_cc", "manager@example.com"}});
  CHECK(sent["record"]["sendemail"] == "emailed");
  CHECK(sent["record"]["emailcc"] == "manager@example.com");
}

TEST_CASE("Actions: get one in full with its email, update, canned text", "[e2e][day][actions]") {
  Day d;
  // An emailed action from the seeded tenant.
  std::int64_t ticket = 0, action = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [key, r] : s.actions()) {
      if (r.value("sendemail", false) && !r.value("emailto", "").empty()) {
        ticket = r.value("ticket_id", 0);
        action = r.value("id", 0);
        break;
      }
    }
  });
  if (ticket > 0) {
    json got = d.Ok("halopsa_get_action", {{"ticket_id", ticket}, {"id", action}});
    CHECK(got["id"] == action);
    CHECK(got.contains("emailto"));
    bool asked = false;
    for (auto const& r : d.sim->requests()) {
      asked |= r.path == "/api/Actions/" + std::to_string(action) &&
               r.query.find("ticket_id=" + std::to_string(ticket)) != std::string::npos;
    }
    CHECK(asked);
  }
  CHECK_THAT(d.Error("halopsa_get_action", {{"ticket_id", 1001}, {"id", 99999}}),
             Contains("404") || Contains("not"));

  // Correct the time of a note just added: hours and billing follow.
  std::int64_t open = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) {
      if (t.value("status_id", 0) != 9) {
        open = id;
        break;
      }
    }
  });
  json added = d.Ok("halopsa_add_action",
                    {{"ticket_id", open}, {"note", "Checked logs"}, {"time_minutes", 15}});
  json upd =
      d.Ok("halopsa_update_action",
           {{"ticket_id", open}, {"id", added["id"]}, {"time_minutes", 45}, {"billable", false}});
  CHECK(upd["changes"].contains("timetaken"));
  json row = d.Action(open, added["id"]);
  CHECK(row["timetaken"] == 0.75);
  CHECK(row["chargerate"] == 0);
  CHECK_THAT(d.Error("halopsa_update_action", {{"ticket_id", open}, {"id", 99999}, {"note", "x"}}),
             Contains("404") || Contains("not"));

  json canned = d.Ok("halopsa_list_canned_text");
  CHECK(canned["returned"].get<int>() >= 5);
  bool mfa = false;
  for (auto const& c : canned["items"]) mfa |= c.value("name", "").find("MFA") != std::string::npos;
  CHECK(mfa);
}

TEST_CASE("Attachments: list, text, image, embedded PDF, size limits, upload",
          "[e2e][day][attachments]") {
  Day d;
  std::int64_t text_id = 0, image_id = 0, pdf_id = 0, pdf_ticket = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, a] : s.table("Attachment").rows) {
      std::string const type = a.value("content_type", "");
      if (type == "text/plain" && text_id == 0) text_id = id;
      if (type == "image/png" && image_id == 0) image_id = id;
      if (type == "application/pdf" && pdf_id == 0) {
        pdf_id = id;
        pdf_ticket = a.value("ticket_id", 0);
      }
    }
  });
  REQUIRE(text_id > 0);
  REQUIRE(image_id > 0);
  REQUIRE(pdf_id > 0);

  json listed = d.Ok("halopsa_list_attachments", {{"ticket_id", pdf_ticket}});
  bool seen = false;
  for (auto const& i : listed["items"]) seen |= i["id"] == pdf_id;
  CHECK(seen);

  json text = d.Call("halopsa_get_attachment", {{"id", text_id}});
  CHECK(text["structuredContent"]["returned_as"] == "text");
  CHECK(text["content"].size() == 1);
  CHECK(Text(text).size() > 100);

  json image = d.Call("halopsa_get_attachment", {{"id", image_id}});
  REQUIRE(image["content"].size() == 2);
  CHECK(image["content"][1]["type"] == "image");
  CHECK(image["content"][1]["mimeType"] == "image/png");
  CHECK(image["content"][1]["data"].get<std::string>().rfind("iVBORw0KGgo", 0) == 0);  // PNG

  json pdf = d.Call("halopsa_get_attachment", {{"id", pdf_id}});
  REQUIRE(pdf["content"].size() == 2);
  CHECK(pdf["content"][1]["type"] == "resource");
  CHECK(pdf["content"][1]["resource"]["mimeType"] == "application/pdf");
  CHECK(pdf["content"][1]["resource"]["blob"].get<std::string>().rfind("JVBERi", 0) == 0);  // %PDF

  // A file over the limit is described, not returned.
  d.sim->WithStore(
      [&](halo_sim::Store& s) { (*s.Find("Attachment", pdf_id))["filesize"] = 5000000; });
  json big = d.Call("halopsa_get_attachment", {{"id", pdf_id}});
  CHECK(big["content"].size() == 1);
  CHECK_THAT(Text(big), Contains("Too large"));
  CHECK_THAT(d.Error("halopsa_get_attachment", {{"id", 999999}}),
             Contains("404") || Contains("not"));

  // Upload: stored as sent; bad base64 and oversized files never reach HaloPSA.
  std::int64_t const ticket = d.Row("Attachment", text_id)["ticket_id"].get<std::int64_t>();
  auto const count_before = d.Row("Tickets", ticket).value("attachment_count", 0);
  json added =
      d.Ok("halopsa_add_attachment", {{"ticket_id", ticket},
                                      {"filename", "ipconfig.txt"},
                                      {"data_base64", "SVB2NCBBZGRyZXNzOiAxMC4wLjAuNQ=="}});
  json row = d.Row("Attachment", added["id"].get<std::int64_t>());
  CHECK(row["filename"] == "ipconfig.txt");
  CHECK(row["filesize"] == 22);
  CHECK(d.Row("Tickets", ticket).value("attachment_count", 0) == count_before + 1);
  std::size_t const writes = d.Writes();
  CHECK_THAT(d.Error("halopsa_add_attachment",
                     {{"ticket_id", ticket}, {"filename", "a.txt"}, {"data_base64", "a b c"}}),
             Contains("not valid base64"));
  std::string huge(3500000, 'A');  // 2.6 MB of file, under the 4 MiB message limit
  CHECK_THAT(d.Error("halopsa_add_attachment",
                     {{"ticket_id", ticket}, {"filename", "a.bin"}, {"data_base64", huge}}),
             Contains("limited to 2.0 MB"));
  CHECK(d.Writes() == writes);
}

TEST_CASE("Tickets: link children, merge a duplicate, search everything", "[e2e][day][tickets]") {
  Day d;
  std::vector<std::int64_t> open;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) {
      if (t.value("status_id", 0) != 9 && t.value("parent_id", 0) == 0 && open.size() < 4) {
        open.push_back(id);
      }
    }
  });
  REQUIRE(open.size() == 4);
  json linked =
      d.Ok("halopsa_link_tickets", {{"parent", open[0]}, {"ids", {open[1], open[2], 99999}}});
  CHECK(linked["succeeded"] == 2);
  CHECK(linked["failed"] == 1);
  CHECK(d.Row("Tickets", open[1])["parent_id"] == open[0]);
  CHECK(d.Row("Tickets", open[0])["child_count"] == 2);
  json unlinked = d.Ok("halopsa_link_tickets", {{"parent", 0}, {"ids", {open[2]}}});
  CHECK(unlinked["succeeded"] == 1);
  CHECK(d.Row("Tickets", open[2]).value("parent_id", 0) == 0);

  // Related tickets: HaloPSA's new_related_tickets / unrelate_from_ticket_id, seen both ways.
  json related = d.Ok("halopsa_link_tickets", {{"related", open[0]}, {"ids", {open[2], open[3]}}});
  CHECK(related["succeeded"] == 2);
  auto const posted = d.sim->requests().back();
  CHECK(posted.path == "/api/Tickets");
  CHECK_THAT(posted.body, Contains("\"new_related_tickets\":[{\"id\":" + std::to_string(open[0])));
  CHECK(d.Row("Tickets", open[0])["related_tickets"].size() == 2);
  CHECK(d.Row("Tickets", open[3])["has_related"] == true);
  json listed = d.Ok("halopsa_list_tickets", {{"related", open[0]}});
  CHECK(listed["returned"] == 2);
  auto const sent = d.sim->requests();
  CHECK(std::any_of(sent.begin(), sent.end(), [&](auto const& r) {
    return r.path == "/api/Tickets" &&
           r.query.find("related_id=" + std::to_string(open[0])) != std::string::npos;
  }));
  json unrelated = d.Ok("halopsa_link_tickets", {{"unrelate", open[0]}, {"ids", {open[3]}}});
  CHECK(unrelated["succeeded"] == 1);
  CHECK(d.Row("Tickets", open[3])["has_related"] == false);
  CHECK(d.Row("Tickets", open[0])["related_tickets"].size() == 1);
  CHECK_THAT(d.Error("halopsa_link_tickets", {{"related", open[2]}, {"ids", {open[2]}}}),
             Contains("itself"));
  std::size_t const link_writes = d.Writes();
  CHECK_THAT(d.Error("halopsa_link_tickets", {{"ids", {open[2]}}}),
             Contains("parent, related, unrelate"));
  CHECK_THAT(d.Error("halopsa_link_tickets",
                     {{"parent", open[0]}, {"related", open[1]}, {"ids", {open[2]}}}),
             Contains("related"));
  CHECK(d.Writes() == link_writes);

  std::size_t actions_before = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [key, r] : s.actions()) actions_before += key.first == open[3];
  });
  std::size_t const writes = d.Writes();
  json preview = d.Ok("halopsa_merge_tickets", {{"id", open[3]}, {"into", open[1]}});
  CHECK(preview["merged"] == false);
  CHECK(preview["into"]["id"] == open[1]);
  CHECK(d.Writes() == writes);
  CHECK(d.Row("Tickets", open[3]).value("merged_into_id", 0) == 0);
  json merged =
      d.Ok("halopsa_merge_tickets", {{"id", open[3]}, {"into", open[1]}, {"confirm", true}});
  CHECK(merged["changes"].contains("merged_into_id"));
  CHECK(d.Row("Tickets", open[3])["merged_into_id"] == open[1]);
  CHECK(d.Row("Tickets", open[3])["status_id"] == 9);
  std::size_t moved = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [key, r] : s.actions()) moved += key.first == open[1];
  });
  CHECK(moved >= actions_before);
  CHECK_THAT(d.Error("halopsa_merge_tickets", {{"id", open[2]}, {"into", 99999}}),
             Contains("99999"));
  CHECK_THAT(
      d.Error("halopsa_merge_tickets", {{"id", open[2]}, {"into", 99999}, {"confirm", true}}),
      Contains("into") || Contains("99999"));
  CHECK_THAT(d.Error("halopsa_merge_tickets", {{"id", 99999}, {"into", open[1]}}),
             Contains("404") || Contains("not"));

  json found = d.Ok("halopsa_search", {{"search", "MFA"}, {"per_kind", 3}});
  CHECK(found["results"]["kbarticles"].size() >= 1);
  CHECK(found["returned"].get<int>() >= 2);
  CHECK(found["results"]["tickets"].size() <= 3);
  auto const q = d.sim->requests().back();
  CHECK(q.path == "/api/Search");
  CHECK_THAT(q.query, Contains("count_per_entity=3"));
  CHECK_THAT(d.Error("halopsa_search", {{"search", "x"}}), Contains("search"));
}

TEST_CASE("Budgets: default tools/list within 40 KB, new lists within the tickets' per-row budget",
          "[e2e][day][budget]") {
  Day d;
  std::cout << "[measure] tools/list (default toolsets, " << d.listed.size()
            << " tools): " << d.list_bytes << " bytes\n";
  CHECK(d.list_bytes <= 40 * 1024);
  std::int64_t ticket = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    std::map<std::int64_t, int> per_ticket;
    for (auto const& [id, a] : s.table("Attachment").rows) ++per_ticket[a.value("ticket_id", 0)];
    for (auto const& [t, n] : per_ticket) {
      if (ticket == 0 || n > per_ticket[ticket]) ticket = t;
    }
  });
  // The 50-ticket page is held to 24 KB: about 490 bytes a row, whole result.
  constexpr std::size_t kPerRow = 24 * 1024 / 50;
  std::vector<std::pair<std::string, json>> const lists = {
      {"halopsa_list_time_entries", {{"from", "-28d"}}},
      {"halopsa_search_kb", json::object()},
      {"halopsa_list_canned_text", json::object()},
      {"halopsa_list_attachments", {{"ticket_id", ticket}}}};
  for (auto const& [tool, args] : lists) {
    json r = d.Call(tool, args);
    REQUIRE_FALSE(r.value("isError", false));
    std::size_t const rows = r["structuredContent"]["returned"].get<std::size_t>();
    std::size_t const bytes = r.dump().size();
    std::cout << "[measure] " << tool << ": " << rows << " rows, " << bytes << " bytes\n";
    CHECK(rows > 0);
    // A list's fixed part (totals per day, counts) gets one row's worth on top.
    CHECK(bytes <= (rows + 1) * kPerRow + 1024);
  }
}

// Workflows as an assistant runs them: tools chosen from tools/list, tools/call counted, and
// the tenant checked afterwards.

TEST_CASE("Workflow: how many hours did I log this week", "[e2e][day][workflow]") {
  Day d;
  json week = d.Ok("halopsa_list_time_entries");
  CHECK(d.calls == 1);
  // The tenant's own sum of the agent's time since Monday (UTC, the tenant's zone here).
  std::string const monday = week["from"];
  double expected = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, e] : s.table("TimesheetEvent").rows) {
      if (e.value("agent_id", 0) == d.agent_id && e.value("start_date", "") >= monday) {
        expected += e.value("timetaken", 0.0);
      }
    }
  });
  CHECK(week["totals"]["hours"].get<double>() == Approx(expected).margin(0.01));
}

TEST_CASE("Workflow: KB article on MFA reset sent to the user on a ticket as a visible note",
          "[e2e][day][workflow]") {
  Day d;
  std::int64_t ticket = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) {
      if (t.value("status_id", 0) != 9 && t.value("summary", "").find("MFA") != std::string::npos) {
        ticket = id;
      }
    }
    if (ticket == 0) ticket = s.table("Tickets").rows.begin()->first;
  });
  json found = d.Ok("halopsa_search_kb", {{"search", "MFA"}});
  REQUIRE(found["returned"].get<int>() >= 1);
  json article = d.Ok("halopsa_get_kb_article", {{"id", found["items"][0]["id"]}});
  std::string const steps = article["resolution"];
  json note = d.Ok(
      "halopsa_add_action",
      {{"ticket_id", ticket}, {"note", "To reset your MFA: " + steps}, {"visible_to_user", true}});
  CHECK(d.calls == 3);
  json row = d.Action(ticket, note["id"]);
  CHECK(row["hiddenfromuser"] == false);
  CHECK_THAT(row["note"].get<std::string>(), Contains("Authenticator"));
  CHECK(row["actionby_agent_id"] == d.agent_id);
}

TEST_CASE("Workflow: what is attached to a ticket", "[e2e][day][workflow]") {
  Day d;
  std::int64_t ticket = 0;
  std::size_t files = 0;
  d.sim->WithStore([&](halo_sim::Store& s) {
    std::map<std::int64_t, std::size_t> per_ticket;
    for (auto const& [id, a] : s.table("Attachment").rows) ++per_ticket[a.value("ticket_id", 0)];
    for (auto const& [t, n] : per_ticket) {
      if (n > files) {
        ticket = t;
        files = n;
      }
    }
  });
  REQUIRE(files >= 1);
  json listed = d.Ok("halopsa_list_attachments", {{"ticket_id", ticket}});
  CHECK(listed["returned"] == files);
  for (auto const& a : listed["items"]) {
    json got = d.Call("halopsa_get_attachment", {{"id", a["id"]}});
    CHECK_FALSE(got.value("isError", false));
    CHECK(got["structuredContent"]["returned_as"] != "none");
  }
  CHECK(d.calls == static_cast<int>(1 + files));
  CHECK(d.Writes() == 0);
}

TEST_CASE("Workflow: make one ticket a child of another", "[e2e][day][workflow]") {
  Day d;
  std::vector<std::int64_t> ids;
  d.sim->WithStore([&](halo_sim::Store& s) {
    for (auto const& [id, t] : s.table("Tickets").rows) {
      if (t.value("status_id", 0) != 9 && t.value("parent_id", 0) == 0 && ids.size() < 2) {
        ids.push_back(id);
      }
    }
  });
  REQUIRE(ids.size() == 2);
  d.Ok("halopsa_update_ticket", {{"id", ids[1]}, {"parent", ids[0]}});
  CHECK(d.calls == 1);
  CHECK(d.Row("Tickets", ids[1])["parent_id"] == ids[0]);
  CHECK(d.Row("Tickets", ids[0])["child_count"] == 1);
}

TEST_CASE("Time without an acting agent: whose time is asked, not guessed", "[e2e][day][time]") {
  Day d({}, /*acting=*/false);
  CHECK_THAT(d.Error("halopsa_list_time_entries", json::object()), Contains("give agent"));
  CHECK_THAT(d.Error("halopsa_get_timesheet", json::object()), Contains("give agent"));
  CHECK(d.sim->requests().empty());
  json theirs = d.Ok("halopsa_list_time_entries", {{"agent", d.agent_name}});
  CHECK(theirs["totals"]["entries"] == theirs["record_count"]);
}
