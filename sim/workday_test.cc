// The technician's working day against the simulator: time, knowledge base, files, calendar,
// approvals, reports, canned text and global search.
#include "sim/base64.h"
#include "sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <string>

namespace {

using halo_sim::Json;
using halo_sim::testing::ApiTenant;
using halo_sim::testing::kTestAnchor;
using halo_sim::testing::SimHarness;
using halo_sim::testing::SmallOptions;

constexpr std::int64_t kAfternoon = kTestAnchor + 15 * 3600;  // 2026-01-01T15:00:00Z

/// A tenant generated and called at 15:00 on the anchor day, so "today" has data.
ApiTenant Today() { return ApiTenant(kAfternoon, kAfternoon); }

std::int64_t AnAgentWithTimeToday(ApiTenant& t) {
  auto const today = t.List("Timesheet")["timesheets"];
  for (auto const& row : today) {
    if (row["actual_hours"].get<double>() > 0) return row["agent_id"].get<std::int64_t>();
  }
  return 0;
}

double Sum(Json const& rows, char const* field) {
  double total = 0;
  for (auto const& r : rows) total += r.value(field, 0.0);
  return total;
}

}  // namespace

TEST_CASE("New lists answer HaloPSA's shapes", "[sim][shapes]") {
  ApiTenant t;
  for (auto const& [resource, key] :
       std::vector<std::pair<std::string, std::string>>{{"Projects", "tickets"},
                                                        {"Opportunities", "tickets"},
                                                        {"Attachment", "attachments"},
                                                        {"ClientPrepay", "prepays"},
                                                        {"RecurringInvoice", "invoices"},
                                                        {"PurchaseOrder", "purchaseorders"},
                                                        {"Supplier", "suppliers"},
                                                        {"Item", "items"},
                                                        {"Timesheet", "timesheets"},
                                                        {"Report", "reports"}}) {
    INFO(resource);
    auto body = t.List(resource);
    REQUIRE(body.is_object());
    CHECK(body.contains("record_count"));
    REQUIRE(body[key].is_array());
    CHECK_FALSE(body[key].empty());
  }
  for (auto const* resource : {"TicketApproval", "ApprovalProcess", "CannedText"}) {
    INFO(resource);
    auto body = t.List(resource);
    CHECK(body.is_array());
    CHECK_FALSE(body.empty());
  }
}

TEST_CASE("Timesheets: hours this week, today against target, admin time", "[sim][time]") {
  auto t = Today();
  auto const agent = AnAgentWithTimeToday(t);
  REQUIRE(agent > 0);
  auto const a = std::to_string(agent);

  SECTION("today's timesheet: target from the agent's working day, unlogged = target - actual") {
    auto const sheet = t.Get("Timesheet", "0", "agent_id=" + a + "&date=2026-01-01");
    auto const& agent_row = t.store().Find("Agent", agent);
    double const target = (*agent_row)["workhour_end"].get<double>() -
                          (*agent_row)["workhour_start"].get<double>() -
                          (*agent_row)["lunchbreak"].get<double>();
    CHECK(sheet["target_hours"].get<double>() == Approx(target));
    CHECK(sheet["actual_hours"].get<double>() > 0);
    CHECK(sheet["unlogged_hours"].get<double>() ==
          Approx(std::max(0.0, target - sheet["actual_hours"].get<double>())));
    CHECK(sheet["actual_hours"].get<double>() == Approx(Sum(sheet["events"], "timetaken")));
    CHECK(sheet["chargeable_hours"].get<double>() < sheet["actual_hours"].get<double>());
    // Nothing is logged after "now".
    for (auto const& e : sheet["events"])
      CHECK(e["end_date"].get<std::string>() <= "2026-01-01T15:00:00");
    // The id a listed row carries fetches the same day again.
    CHECK(t.Get("Timesheet", std::to_string(sheet["id"].get<std::int64_t>()))["actual_hours"] ==
          sheet["actual_hours"]);
  }
  SECTION("the week: TimesheetEvent by agent and dates agrees with the timesheets") {
    auto const events =
        t.List("TimesheetEvent", "agents=" + a + "&start_date=2025-12-29&end_date=2026-01-01");
    REQUIRE_FALSE(events.empty());
    for (auto const& e : events) CHECK(e["agent_id"] == agent);
    auto const week =
        t.List("Timesheet", "agents=" + a + "&start_date=2025-12-29&end_date=2026-01-01");
    REQUIRE(week["timesheets"].size() == 4);
    CHECK(Sum(week["timesheets"], "actual_hours") == Approx(Sum(events, "timetaken")));
    // Ticket time and other time, billable and not.
    bool on_ticket = false, off_ticket = false, billable = false, non_billable = false;
    for (auto const& e : t.List("TimesheetEvent", "agents=" + a + "&start_date=2025-12-01")) {
      on_ticket = on_ticket || e["ticket_id"].get<int>() > 0;
      off_ticket = off_ticket || e["ticket_id"] == 0;
      billable = billable || e["charge_rate"].get<int>() != 0;
      non_billable = non_billable || e["charge_rate"] == 0;
    }
    CHECK((on_ticket && off_ticket && billable && non_billable));
  }
  SECTION("weekends have no target") {
    auto const saturday = t.Get("Timesheet", "0", "agent_id=" + a + "&date=2026-01-03");
    CHECK(saturday["target_hours"] == 0);
  }
  SECTION("log 1 h of admin time not on a ticket") {
    auto const before = t.Get("Timesheet", "0", "agent_id=" + a + "&date=2026-01-01");
    auto r = t.Post("TimesheetEvent", Json::array({{{"agent_id", agent},
                                                    {"subject", "Admin"},
                                                    {"start_date", "2026-01-01T13:00:00"},
                                                    {"end_date", "2026-01-01T14:00:00"}}}));
    REQUIRE(r.status == 200);
    CHECK(r.body["timetaken"] == 1.0);
    CHECK(r.body["ticket_id"] == 0);
    CHECK(r.body["charge_rate"] == 0);  // not billable unless asked
    auto const after = t.Get("Timesheet", "0", "agent_id=" + a + "&date=2026-01-01");
    CHECK(after["actual_hours"].get<double>() ==
          Approx(before["actual_hours"].get<double>() + 1.0));
    CHECK(after["chargeable_hours"] == before["chargeable_hours"]);
  }
  SECTION("time on a ticket action counts, as billable time") {
    auto const before = t.Get("Timesheet", "0", "agent_id=" + a);
    auto r = t.Post("Actions", Json::array({{{"ticket_id", 1001},
                                             {"outcome", "Private Note"},
                                             {"note", "Worked on it"},
                                             {"timetaken", 0.5},
                                             {"actionby_agent_id", agent}}}));
    REQUIRE(r.status == 200);
    auto const after = t.Get("Timesheet", "0", "agent_id=" + a);
    CHECK(after["actual_hours"].get<double>() ==
          Approx(before["actual_hours"].get<double>() + 0.5));
    CHECK(after["chargeable_hours"].get<double>() ==
          Approx(before["chargeable_hours"].get<double>() + 0.5));
  }
  SECTION("time entries are validated") {
    auto r = t.Post("TimesheetEvent", Json::array({{{"subject", "x"},
                                                    {"start_date", "2026-01-01T14:00:00"},
                                                    {"end_date", "2026-01-01T13:00:00"}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("end_date"));
    r = t.Post(
        "TimesheetEvent",
        Json::array({{{"start_date", "2026-01-01T13:00"}, {"end_date", "2026-01-01T14:00"}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("subject"));
    r = t.Post("TimesheetEvent", Json::array({{{"subject", "x"},
                                               {"agent_id", 999},
                                               {"start_date", "2026-01-01T13:00"},
                                               {"end_date", "2026-01-01T14:00"}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("agent_id"));
    r = t.Post("TimesheetEvent",
               Json::array(
                   {{{"subject", "x"}, {"start_date", "soon"}, {"end_date", "2026-01-01T14:00"}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("start_date"));
  }
  SECTION("mine: the API agent's own timesheet and entries") {
    auto const api = t.store().meta()["api_agent_id"].get<std::int64_t>();
    CHECK(t.Get("Timesheet", "mine")["agent_id"] == api);
    t.Post("TimesheetEvent", Json::array({{{"subject", "Integration check"},
                                           {"start_date", "2026-01-01T09:00:00"},
                                           {"end_date", "2026-01-01T09:15:00"}}}));
    auto const mine = t.Get("TimesheetEvent", "mine");
    REQUIRE(mine.size() == 1);
    CHECK(mine[0]["agent_id"] == api);
  }
}

TEST_CASE("Knowledge base: search finds the MFA reset article", "[sim][kb]") {
  ApiTenant t;
  auto const found = t.List("KBArticle", "search=mfa");
  REQUIRE(found["record_count"].get<int>() >= 1);
  auto const& article = found["articles"][0];
  CHECK(article["name"].get<std::string>().find("MFA") != std::string::npos);
  CHECK(article["resolution"].get<std::string>().find("Temporary Access Pass") !=
        std::string::npos);
  CHECK(article["tags"].is_array());
  CHECK(t.Get("KBArticle", std::to_string(article["id"].get<int>()))["name"] == article["name"]);
  auto const active = t.List("KBArticle")["record_count"].get<int>();
  CHECK(t.List("KBArticle", "includeinactive=true")["record_count"].get<int>() == active + 1);
  CHECK(t.Post("KBArticle", Json::array({{{"description", "no name"}}})).status == 400);
  auto created = t.Post("KBArticle", Json::array({{{"name", "Reset a printer"}, {"bogus", 1}}}));
  REQUIRE(created.status == 200);
  CHECK_FALSE(created.body.contains("bogus"));
}

TEST_CASE("Attachments: list, content as base64 and bytes, uploads", "[sim][attachments]") {
  ApiTenant t;
  auto const all = t.List("Attachment");
  std::map<std::string, Json> by_type;
  for (auto const& a : all["attachments"]) {
    CHECK_FALSE(a.contains("data_base64"));  // lists carry no content
    by_type[a["content_type"].get<std::string>()] = a;
  }
  REQUIRE(by_type.count("text/plain"));
  REQUIRE(by_type.count("image/png"));
  REQUIRE(by_type.count("application/pdf"));

  SECTION("a ticket's and an action's attachments") {
    auto const& pdf = by_type["application/pdf"];
    auto const ticket = std::to_string(pdf["ticket_id"].get<int>());
    auto const on_ticket = t.List("Attachment", "ticket_id=" + ticket);
    CHECK(on_ticket["record_count"].get<int>() >= 1);
    CHECK(pdf["action_id"].get<int>() > 0);
    auto const on_action =
        t.List("Attachment",
               "ticket_id=" + ticket + "&action_id=" + std::to_string(pdf["action_id"].get<int>()));
    REQUIRE(on_action["record_count"] == 1);
    CHECK(t.Get("Tickets", ticket)["attachment_count"].get<int>() ==
          on_ticket["record_count"].get<int>());
  }
  SECTION("includedetails adds the content; document and image answer the bytes") {
    auto const id = std::to_string(by_type["application/pdf"]["id"].get<int>());
    CHECK_FALSE(t.Get("Attachment", id).contains("data_base64"));
    auto const detailed = t.Get("Attachment", id, "includedetails=true");
    auto const bytes = halo_sim::Base64Decode(detailed["data_base64"].get<std::string>());
    REQUIRE(bytes);
    CHECK(bytes->rfind("%PDF-1.4", 0) == 0);
    CHECK(static_cast<int>(bytes->size()) == detailed["filesize"].get<int>());
    auto const raw = t.Call("GET", "Attachment", "document/" + id);
    CHECK(raw.status == 200);
    CHECK(raw.content_type == "application/pdf");
    CHECK(raw.raw == *bytes);
    CHECK(t.Call("GET", "Attachment", "image/" + id).status == 404);  // not an image
    auto const png = std::to_string(by_type["image/png"]["id"].get<int>());
    auto const image = t.Call("GET", "Attachment", "image/" + png);
    REQUIRE(image.status == 200);
    CHECK(image.raw.substr(0, 8) == std::string("\x89PNG\r\n\x1a\n", 8));
  }
  SECTION("upload with base64 content") {
    std::string const text = "Event log export\nline 2\n";
    auto r = t.Post("Attachment", Json::array({{{"ticket_id", 1001},
                                                {"filename", "events.log"},
                                                {"data_base64", halo_sim::Base64Encode(text)}}}));
    REQUIRE(r.status == 200);
    CHECK(r.body["filesize"] == text.size());
    CHECK(r.body["content_type"] == "text/plain");
    CHECK_FALSE(r.body.contains("data_base64"));
    auto const id = std::to_string(r.body["id"].get<int>());
    CHECK(t.Call("GET", "Attachment", "document/" + id).raw == text);
    auto const count = t.Get("Tickets", "1001")["attachment_count"].get<int>();
    CHECK(count >= 1);
    CHECK(t.Call("DELETE", "Attachment", id).status == 200);
    CHECK(t.Get("Tickets", "1001")["attachment_count"] == count - 1);
  }
  SECTION("uploads are validated") {
    auto r =
        t.Post("Attachment",
               Json::array({{{"ticket_id", 1001}, {"filename", "x.txt"}, {"data_base64", "@@"}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("data_base64"));
    r = t.Post("Attachment", Json::array({{{"filename", "x.txt"}, {"data_base64", "eA=="}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("ticket_id"));
    r = t.Post("Attachment", Json::array({{{"ticket_id", 1001},
                                           {"action_id", 999},
                                           {"filename", "x.txt"},
                                           {"data_base64", "eA=="}}}));
    CHECK(r.status == 400);
    CHECK(r.body.contains("action_id"));
  }
}

TEST_CASE("Attachment downloads over HTTP carry the file's type and name", "[sim][attachments]") {
  SimHarness h(SmallOptions());
  auto const list = h.GetJson("/api/Attachment");
  REQUIRE_FALSE(list["attachments"].empty());
  auto const& first = list["attachments"][0];
  auto res = h.Get("/api/attachment/document/" + std::to_string(first["id"].get<int>()));
  REQUIRE(res);
  CHECK(res->status == 200);
  CHECK(res->get_header_value("Content-Type") == first["content_type"]);
  CHECK(res->get_header_value("Content-Disposition").find(first["filename"].get<std::string>()) !=
        std::string::npos);
  CHECK(static_cast<int>(res->body.size()) == first["filesize"].get<int>());
}

TEST_CASE("Calendar: appointments today and tomorrow, create, update, delete", "[sim][calendar]") {
  auto t = Today();
  auto const agent = AnAgentWithTimeToday(t);
  auto const a = std::to_string(agent);
  auto const today =
      t.List("Appointment", "agents=" + a + "&start_date=2026-01-01&end_date=2026-01-01");
  REQUIRE(today["record_count"].get<int>() >= 1);
  for (auto const& ap : today["appointments"]) {
    CHECK(ap["agent_id"] == agent);
    CHECK(ap["start_date"].get<std::string>().substr(0, 10) == "2026-01-01");
  }
  CHECK(t.List("Appointment",
               "agents=" + a + "&start_date=2026-01-02&end_date=2026-01-02")["record_count"]
            .get<int>() >= 1);
  auto created = t.Post("Appointment", Json::array({{{"subject", "Install docking station"},
                                                     {"start_date", "2026-01-02T11:00:00"},
                                                     {"end_date", "2026-01-02T12:00:00"},
                                                     {"agent_id", agent},
                                                     {"ticket_id", 1001}}}));
  REQUIRE(created.status == 200);
  CHECK(created.body["client_id"] == t.Get("Tickets", "1001")["client_id"]);
  CHECK(created.body["agent_name"].get<std::string>().size() > 0);
  auto const id = created.body["id"].get<int>();
  auto moved = t.Post("Appointment", Json::array({{{"id", id},
                                                   {"start_date", "2026-01-02T15:00:00"},
                                                   {"end_date", "2026-01-02T16:00:00"}}}));
  CHECK(moved.status == 200);
  CHECK(moved.body["subject"] == "Install docking station");
  CHECK(t.Post("Appointment", Json::array({{{"subject", "x"},
                                            {"start_date", "2026-01-02T15:00:00"},
                                            {"end_date", "2026-01-02T14:00:00"}}}))
            .status == 400);
  CHECK(t.Post("Appointment", Json::array({{{"start_date", "2026-01-02T15:00:00"},
                                            {"end_date", "2026-01-02T16:00:00"}}}))
            .body.contains("subject"));
  CHECK(t.Call("DELETE", "Appointment", std::to_string(id)).status == 200);
  CHECK(t.Call("GET", "Appointment", std::to_string(id)).status == 404);
}

TEST_CASE("Approvals: pending ones, responding moves the ticket on", "[sim][approvals]") {
  ApiTenant t;
  Json pending;
  for (auto const& a : t.List("TicketApproval")) {
    if (a["result"] == 0 && a["approval_process_id"] == 1) pending = a;
  }
  REQUIRE(pending.is_object());
  auto const ticket = std::to_string(pending["ticket_id"].get<int>());
  CHECK(t.Get("Tickets", ticket)["status_id"] == 11);  // Awaiting Approval
  CHECK(t.List("TicketApproval", "ticket_id=" + ticket).size() >= 1);
  CHECK(t.Get("TicketApproval", std::to_string(pending["uniqueid"].get<int>()))["seq"] ==
        pending["seq"]);

  SECTION("approve") {
    auto r = t.Post("TicketApproval", Json::array({{{"ticket_id", pending["ticket_id"]},
                                                    {"seq", pending["seq"]},
                                                    {"result", 1},
                                                    {"approver_note", "Go ahead"}}}));
    REQUIRE(r.status == 200);
    CHECK(r.body["result"] == 1);
    CHECK(r.body["dateapproved"].is_string());
    CHECK(t.Get("Tickets", ticket)["status_id"] == 7);  // the step's statusafteraccept
    auto const actions = t.List("Actions", "ticket_id=" + ticket + "&count=100")["actions"];
    CHECK(actions.back()["note"].get<std::string>().find("Go ahead") != std::string::npos);
    auto again = t.Post(
        "TicketApproval",
        Json::array(
            {{{"ticket_id", pending["ticket_id"]}, {"seq", pending["seq"]}, {"result", 2}}}));
    CHECK(again.status == 400);
    CHECK(again.body["result"].get<std::string>().find("already approved") != std::string::npos);
  }
  SECTION("reject") {
    auto r = t.Post(
        "TicketApproval",
        Json::array(
            {{{"ticket_id", pending["ticket_id"]}, {"seq", pending["seq"]}, {"result", 2}}}));
    REQUIRE(r.status == 200);
    CHECK(t.Get("Tickets", ticket)["status_id"] == 3);  // statusafterreject
  }
  SECTION("bad responses and new requests") {
    CHECK(t.Post("TicketApproval", Json::array({{{"ticket_id", pending["ticket_id"]},
                                                 {"seq", pending["seq"]},
                                                 {"result", 7}}}))
              .status == 400);
    CHECK(t.Post("TicketApproval",
                 Json::array({{{"ticket_id", pending["ticket_id"]}, {"seq", 99}, {"result", 1}}}))
              .status == 404);
    auto r =
        t.Post("TicketApproval",
               Json::array({{{"ticket_id", 1001}, {"agent_id", 2}, {"approval_process_id", 1}}}));
    REQUIRE(r.status == 200);
    CHECK(r.body["result"] == 0);
    CHECK(t.Get("Tickets", "1001")["status_id"] == 11);
    auto const seq = r.body["seq"].get<int>();
    CHECK(t.Post("TicketApproval", Json::array({{{"ticket_id", 1001}}})).body.contains("agent_id"));
    CHECK(t.Call("DELETE", "TicketApproval", "1001&" + std::to_string(seq)).status == 200);
    CHECK(t.Call("DELETE", "TicketApproval", "1001&" + std::to_string(seq)).status == 404);
  }
}

TEST_CASE("Reports: list, run a saved report, run with _loadreportonly", "[sim][reports]") {
  ApiTenant t;
  auto const reports = t.List("Report", "search=open tickets by");
  REQUIRE(reports["record_count"] == 1);
  auto const id = std::to_string(reports["reports"][0]["id"].get<int>());
  CHECK(reports["reports"][0]["name"] == "Open tickets by client");
  auto const run = t.Get("Report", id, "loadreport=true");
  REQUIRE(run["report"]["loaded"] == true);
  auto const& rows = run["report"]["rows"];
  REQUIRE_FALSE(rows.empty());
  CHECK(Sum(rows, "open_tickets") == t.List("Tickets", "open_only=true")["record_count"]);
  for (auto const& row : rows) {
    auto const client = std::to_string(row["client_id"].get<int>());
    CHECK(row["open_tickets"] ==
          t.List("Tickets", "open_only=true&client_id=" + client)["record_count"]);
  }
  CHECK_FALSE(t.Get("Report", id).contains("report"));  // only with loadreport
  auto post = t.Post("Report", Json::array({{{"id", std::stoi(id)}, {"_loadreportonly", true}}}));
  REQUIRE(post.status == 200);
  CHECK(post.body["report"]["rows"] == rows);
  auto sql = t.Post("Report", Json::array({{{"_loadreportonly", true}, {"sql", "SELECT 1"}}}));
  CHECK(sql.status == 400);
  CHECK(sql.body["sql"].get<std::string>().find("saved report") != std::string::npos);
  // A reporting period narrows the time report.
  Json time_report;
  auto const saved = t.List("Report")["reports"];
  for (auto const& r : saved) {
    if (r["name"] == "Time logged by agent") time_report = r;
  }
  auto const all_week = t.Get("Report", std::to_string(time_report["id"].get<int>()),
                              "loadreport=true&reportingperiodstartdate=2025-12-25"
                              "&reportingperiodenddate=2025-12-31");
  auto const one_day = t.Get("Report", std::to_string(time_report["id"].get<int>()),
                             "loadreport=true&reportingperiodstartdate=2025-12-31"
                             "&reportingperiodenddate=2025-12-31");
  CHECK(Sum(all_week["report"]["rows"], "hours") > Sum(one_day["report"]["rows"], "hours"));
}

TEST_CASE("Canned text and global search", "[sim][search]") {
  ApiTenant t;
  auto const canned = t.List("CannedText");
  REQUIRE(canned.size() >= 5);
  CHECK(canned[0]["text"].get<std::string>().size() > 20);
  CHECK(t.List("CannedText", "group_id=1").size() == canned.size());
  CHECK(t.List("CannedText", "group_id=9").empty());

  auto const found = t.List("Search", "search=mfa&count_per_entity=3");
  CHECK_FALSE(found["kbarticles"].empty());
  CHECK(found["kbarticles"][0]["name"].get<std::string>().find("MFA") != std::string::npos);
  for (auto const* key : {"tickets", "clients", "users", "assets", "kbarticles"}) {
    INFO(key);
    REQUIRE(found.contains(key));
    CHECK(found[key].size() <= 3);
  }
  auto const client = t.List("Client")["clients"][0]["name"].get<std::string>();
  auto const by_name = t.List("Search", "search=" + client.substr(0, 6));
  CHECK_FALSE(by_name["clients"].empty());
  CHECK(t.Call("GET", "Search").status == 400);
  // A token that reads only the knowledge base searches only the knowledge base.
  t.scopes = {"read:kb"};
  auto const kb_only = t.List("Search", "search=mfa");
  CHECK(kb_only.contains("kbarticles"));
  CHECK_FALSE(kb_only.contains("tickets"));
  CHECK_FALSE(kb_only.contains("users"));
}
