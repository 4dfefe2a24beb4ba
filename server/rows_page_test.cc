#include "server/rows_page.h"

#include <catch2/catch.hpp>

using nlohmann::json;

TEST_CASE("Rows in memory page like a HaloPSA list", "[server][rows]") {
  mcp::RowsPage page;
  for (int i = 0; i < 5; ++i) page.rows.push_back({{"n", i}, {"name", "row " + std::to_string(i)}});
  page.columns = {"n", "name"};
  page.noun = "row";
  page.limit = 2;
  page.offset = 2;
  json r = mcp::RowsPageResult(page);
  json const& s = r["structuredContent"];
  CHECK(s["returned"] == 2);
  CHECK(s["record_count"] == 5);
  CHECK(s["has_more"] == true);
  CHECK(s["next_cursor"] == "4");
  CHECK(s["items"][0]["n"] == 2);
  std::string const text = r["content"][0]["text"];
  CHECK_THAT(text, Catch::Matchers::Contains("2 rows of 5; more: call again with cursor \"4\""));
  CHECK_THAT(text, Catch::Matchers::Contains("2|row 2"));

  page.offset = 4;
  json last = mcp::RowsPageResult(page)["structuredContent"];
  CHECK(last["returned"] == 1);
  CHECK(last["has_more"] == false);
  CHECK_FALSE(last.contains("next_cursor"));
  page.offset = 50;  // past the end: empty, not an error
  CHECK(mcp::RowsPageResult(page)["structuredContent"]["returned"] == 0);
}

TEST_CASE("A cursor is an offset this server handed out", "[server][rows]") {
  CHECK(*mcp::CursorOffset(json::object()) == 0);
  CHECK(*mcp::CursorOffset({{"cursor", "25"}}) == 25);
  CHECK_FALSE(mcp::CursorOffset({{"cursor", "x"}}).ok());
  CHECK_FALSE(mcp::CursorOffset({{"cursor", "-1"}}).ok());
}
