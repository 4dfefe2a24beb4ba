// The simulator serves HaloPSA's field names: every field of every seeded record, and of the
// records the API computes, is in the OpenAPI schema of its resource with that schema's JSON type
// (schemas/openapi-index.json, generated from Halo's document by scripts/openapi_index.py).
#include "sim/sim_test_util.h"

#include <catch2/catch.hpp>

#include <fstream>
#include <map>
#include <set>
#include <string>

namespace {

using halo_sim::Json;
using halo_sim::testing::ApiTenant;
using halo_sim::testing::kTestAnchor;

/// Fields the live API returns that the document's schema lacks, each with its reason.
std::map<std::pair<std::string, std::string>, std::string> const kExceptions = {
    {{"Actions", "who"},
     "live responses carry the acting agent's (or user's) display name (halo-api.md section 14, "
     "confirmed by clients; section 23); the Actions schema only has who_agentid"},
};

Json const& Index() {
  static Json const index = [] {
    std::ifstream in(HALO_MCP_SOURCE_DIR "/schemas/openapi-index.json");
    return Json::parse(in);
  }();
  return index;
}

/// The schema a resource's records have: the item schema of POST /{resource}'s array body.
std::string SchemaOf(std::string const& resource) {
  auto const& ops = Index()["operations"];
  auto it = ops.find("POST /" + resource);
  if (it == ops.end() || !it->contains("body") || !(*it)["body"].is_string()) return "";
  auto body = (*it)["body"].get<std::string>();
  return body.size() > 2 && body.front() == '[' ? body.substr(1, body.size() - 2) : "";
}

bool TypeMatches(std::string const& type, Json const& v) {
  if (v.is_null() || type == "any") return true;
  if (type == "int") return v.is_number_integer();
  if (type == "number") return v.is_number();
  if (type == "bool") return v.is_boolean();
  if (type == "string" || type == "date-time" || type == "uuid" || type == "date" ||
      type == "byte" || type == "binary") {
    return v.is_string();
  }
  if (type.front() == '[') return v.is_array();
  return v.is_object();
}

/// Problems of one record against a schema, recursing into nested records of known schemas.
void Check(std::string const& owner, std::string const& schema, Json const& row,
           std::string const& where, std::set<std::string>& problems) {
  auto const& schemas = Index()["schemas"];
  if (!schemas.contains(schema)) {
    problems.insert(where + ": schema " + schema + " is not in the index");
    return;
  }
  auto const& fields = schemas[schema];
  for (auto const& [name, value] : row.items()) {
    if (kExceptions.count({owner, name})) continue;
    if (!fields.contains(name)) {
      problems.insert(where + "." + name + " is not a field of " + schema);
      continue;
    }
    auto const type = fields[name].get<std::string>();
    if (!TypeMatches(type, value)) {
      problems.insert(where + "." + name + " should be " + type + ", is " + value.type_name());
      continue;
    }
    std::string nested = type.front() == '[' ? type.substr(1, type.size() - 2) : type;
    if (!schemas.contains(nested)) continue;
    if (value.is_array()) {
      for (auto const& item : value) {
        if (item.is_object()) Check(owner, nested, item, where + "." + name + "[]", problems);
      }
    } else if (value.is_object()) {
      Check(owner, nested, value, where + "." + name, problems);
    }
  }
}

std::string Joined(std::set<std::string> const& problems) {
  std::string out;
  for (auto const& p : problems) out += p + "\n";
  return out;
}

}  // namespace

TEST_CASE("Every seeded record uses its OpenAPI schema's field names and types", "[sim][openapi]") {
  // Generated at 15:00 so that today's time and calendar are in the tenant too.
  ApiTenant t(kTestAnchor + 15 * 3600, kTestAnchor + 15 * 3600);
  std::set<std::string> problems;
  std::set<std::string> tables;
  auto const dump = t.store().ToJson();
  for (auto const& [name, table] : dump["tables"].items()) {
    tables.insert(name);
    auto const schema = SchemaOf(name);
    if (schema.empty()) {
      problems.insert(name + ": no POST /" + name + " with an array body in the document");
      continue;
    }
    for (auto const& entry : table["rows"]) Check(name, schema, entry["row"], name, problems);
  }
  for (auto const& [key, action] : t.store().actions()) {
    Check("Actions", SchemaOf("Actions"), action, "Actions", problems);
  }
  INFO(Joined(problems));
  CHECK(problems.empty());
  // The tenant seeds every area of the working day.
  for (auto const* name :
       {"Tickets", "Opportunities", "TimesheetEvent", "KBArticle", "Attachment", "Appointment",
        "TicketApproval", "ApprovalProcess", "ClientPrepay", "Invoice", "RecurringInvoice",
        "Quotation", "PurchaseOrder", "Supplier", "Item", "Report", "CannedText"}) {
    INFO(name);
    CHECK(tables.count(name) == 1);
  }
}

TEST_CASE("Computed answers and written records use the schema's names too", "[sim][openapi]") {
  ApiTenant t(kTestAnchor + 15 * 3600, kTestAnchor + 15 * 3600);
  std::set<std::string> problems;
  auto const timesheets = t.List("Timesheet", "start_date=2025-12-29&end_date=2026-01-01");
  REQUIRE_FALSE(timesheets["timesheets"].empty());
  auto const first = timesheets["timesheets"][0]["id"].get<std::int64_t>();
  Check("Timesheet", SchemaOf("Timesheet"), t.Get("Timesheet", std::to_string(first)), "Timesheet",
        problems);
  Check("Client", SchemaOf("Client"), t.Get("Client", "12", "includeprepay=true"), "Client",
        problems);
  Check("Client", SchemaOf("Client"), t.List("Client")["clients"][0], "Client list", problems);
  Check("Report", SchemaOf("Report"), t.Get("Report", "1", "loadreport=true"), "Report", problems);
  auto ticket = t.Post("Tickets", Json::array({{{"summary", "Spec names"},
                                                {"tickettype_id", 1},
                                                {"client_id", 12},
                                                {"sendack", true}}}));
  REQUIRE(ticket.status == 200);
  Check("Tickets", SchemaOf("Tickets"), ticket.body, "new ticket", problems);
  auto action = t.Post("Actions", Json::array({{{"ticket_id", ticket.body["id"]},
                                                {"outcome", "Private Note"},
                                                {"note", "x"},
                                                {"timetaken", 0.5},
                                                {"on_behalf_of", 2}}}));
  REQUIRE(action.status == 200);
  Check("Actions", SchemaOf("Actions"), action.body, "new action", problems);
  INFO(Joined(problems));
  CHECK(problems.empty());
}
