#include "server/openapi_index.h"

#include <catch2/catch.hpp>

#include <fstream>

using nlohmann::json;

namespace {

mcp::ApiCatalogue Sample() {
  json index = json::parse(R"({
    "operations": {
      "GET /Appointment": {"tag": "Appointment", "summary": "list Appointment",
        "params": [["agents", "query", "string"], ["start_date", "query", "string"],
                   ["hidecompleted", "query", "bool"], ["count", "query", "int"]]},
      "GET /Appointment/{id}": {"tag": "Appointment", "summary": "get one Appointment",
        "params": [["id", "path", "int"], ["includedetails", "query", "bool"]]},
      "GET /Appointment/Booking": {"tag": "Appointment", "summary": "get Appointment/Booking"},
      "POST /Appointment": {"tag": "Appointment", "summary": "create or update Appointment",
        "body": "[Appointment]"},
      "POST /Attachment/image": {"tag": "Attachment", "summary": "upload", "body": {"file": "binary"}},
      "DELETE /Appointment/{id}": {"tag": "Appointment", "summary": "delete one Appointment",
        "params": [["id", "path", "int"]]},
      "GET /Tickets": {"tag": "Faults", "summary": "list Tickets",
        "params": [["ticketids", "query", "string", "int[]"], ["open_only", "query", "bool"]]}
    },
    "schemas": {"Appointment": {"subject": "string", "start_date": "date-time", "agent_id": "int"}}
  })");
  auto c = mcp::ApiCatalogue::FromJson(index);
  REQUIRE(c.ok());
  return *std::move(c);
}

}  // namespace

TEST_CASE("Operations are found by words, best path matches first", "[server][api]") {
  auto const c = Sample();
  auto hits = c.Search("appointment", "");
  REQUIRE(hits.size() == 5);
  CHECK(hits[0]->path.size() <= hits.back()->path.size());
  CHECK(c.Search("appointment", "DELETE").size() == 1);
  CHECK(c.Search("appointment hidecompleted", "").size() == 1);  // every word must match
  CHECK(c.Search("ticketids", "")[0]->Key() == "GET /Tickets");
  CHECK(c.Search("unicorn", "").empty());
}

TEST_CASE("A concrete path finds its operation, literals beat placeholders", "[server][api]") {
  auto const c = Sample();
  REQUIRE(c.Match("GET", "/appointment/42") != nullptr);
  CHECK(c.Match("GET", "/appointment/42")->path == "/Appointment/{id}");
  CHECK(c.Match("GET", "/Appointment/booking")->path == "/Appointment/Booking");
  CHECK(c.Match("POST", "/Appointment/42") == nullptr);
  CHECK(c.Match("GET", "/Nothing") == nullptr);
}

TEST_CASE("Calls are checked against the documented parameters and fields", "[server][api]") {
  auto const c = Sample();
  auto const& list = *c.Match("GET", "/Appointment");
  CHECK(
      mcp::ValidateApiCall(c, list, "/Appointment", {{"agents", "3"}, {"count", 5}}, nullptr).ok());
  CHECK(mcp::ValidateApiCall(c, list, "/Appointment", {{"hidecompleted", "true"}}, nullptr).ok());
  auto unknown = mcp::ValidateApiCall(c, list, "/Appointment", {{"agent", 3}}, nullptr);
  CHECK_THAT(unknown.message(), Catch::Matchers::Contains("\"agent\" is not documented"));
  CHECK_THAT(unknown.message(), Catch::Matchers::Contains("agents"));  // the close one first
  auto typed = mcp::ValidateApiCall(c, list, "/Appointment", {{"count", "many"}}, nullptr);
  CHECK_THAT(typed.message(), Catch::Matchers::Contains("takes int"));
  CHECK_FALSE(mcp::ValidateApiCall(c, list, "/Appointment", nullptr, json::array()).ok());

  auto const& one = *c.Match("GET", "/Appointment/7");
  CHECK(mcp::ValidateApiCall(c, one, "/Appointment/7", nullptr, nullptr).ok());
  CHECK_FALSE(mcp::ValidateApiCall(c, one, "/Appointment/seven", nullptr, nullptr).ok());

  auto const& tickets = *c.Match("GET", "/Tickets");
  CHECK(mcp::ValidateApiCall(c, tickets, "/Tickets", {{"ticketids", "1,2,3"}}, nullptr).ok());
  CHECK_FALSE(mcp::ValidateApiCall(c, tickets, "/Tickets", {{"ticketids", "1,x"}}, nullptr).ok());

  auto const& post = *c.Match("POST", "/Appointment");
  json const good = json::array({{{"subject", "Visit"}, {"agent_id", 3}}});
  CHECK(mcp::ValidateApiCall(c, post, "/Appointment", nullptr, good).ok());
  auto bare = mcp::ValidateApiCall(c, post, "/Appointment", nullptr, good[0]);
  CHECK_THAT(bare.message(), Catch::Matchers::Contains("an array of Appointment"));
  auto field =
      mcp::ValidateApiCall(c, post, "/Appointment", nullptr, json::array({{{"subjct", "Visit"}}}));
  CHECK_THAT(field.message(), Catch::Matchers::Contains("\"subjct\" is not a field"));
  CHECK_THAT(mcp::ValidateApiCall(c, post, "/Appointment", nullptr, nullptr).message(),
             Catch::Matchers::Contains("needs a body"));
  auto const& upload = *c.Match("POST", "/Attachment/image");
  CHECK_THAT(
      mcp::ValidateApiCall(c, upload, "/Attachment/image", nullptr, json::object()).message(),
      Catch::Matchers::Contains("form upload"));
}

TEST_CASE("The index file is read on first use, once, and a missing file is explained",
          "[server][api]") {
  mcp::LazyApiCatalogue missing("/nonexistent/openapi-index.json");
  auto none = missing.Get();
  REQUIRE_FALSE(none.ok());
  CHECK_THAT(none.status().message(), Catch::Matchers::Contains("cannot be read"));

  mcp::LazyApiCatalogue real(HALO_MCP_SOURCE_SCHEMA_DIR "/openapi-index.json");
  auto first = real.Get();
  REQUIRE(first.ok());
  CHECK((*first)->operations().size() == 1216);
  auto second = real.Get();
  REQUIRE(second.ok());
  CHECK(first->get() == second->get());
}
