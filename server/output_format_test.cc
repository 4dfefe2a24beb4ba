#include "server/output_format.h"

#include <catch2/catch.hpp>

TEST_CASE("HTML becomes readable text", "[server][output]") {
  CHECK(mcp::HtmlToText("<p>Hello&nbsp;<b>world</b></p><p>Line&amp;2<br>3</p>") ==
        "Hello world\n\nLine&2\n3");
  CHECK(mcp::HtmlToText("<ul><li>a</li><li>b</li></ul>") == "- a\n- b");
  CHECK(mcp::HtmlToText("<style>p{}</style>x &#233; &#x41;") == "x \xC3\xA9 A");
  CHECK(mcp::HtmlToText("5 < 6 & ok") == "5 < 6 & ok");
}

TEST_CASE("Long text is trimmed with a marker, never inside a UTF-8 sequence", "[server][output]") {
  std::string s = "\xC3\xA9\xC3\xA9\xC3\xA9\xC3\xA9";  // four e-acute
  std::string t = mcp::TrimText(s, 2);
  CHECK(t.rfind("\xC3\xA9\xC3\xA9 [... 2 more chars", 0) == 0);
  CHECK(mcp::TrimText("short", 10) == "short");
  CHECK(mcp::TrimText("abc", 0) == "abc");
}

TEST_CASE("Tables leave out empty columns and shorten dates", "[server][output]") {
  auto records = nlohmann::json::parse(
      R"([{"id":1,"summary":"Printer | jam","dateoccurred":"2026-01-05T09:12:00"},{"id":2}])");
  std::string t = mcp::RenderTable(records, {"id", "summary", "agent", "dateoccurred"});
  CHECK(t == "id | summary | dateoccurred\n1 | Printer / jam | 2026-01-05 09:12\n2 |  | \n");
}

TEST_CASE("Only date-times are shortened in cells", "[server][output]") {
  CHECK(mcp::CellText(nlohmann::json("2026-01-05T09:12:00.123Z"), 0) == "2026-01-05 09:12");
  CHECK(mcp::CellText(nlohmann::json("2026-01-05T09:12"), 0) == "2026-01-05 09:12");
  CHECK(mcp::CellText(nlohmann::json("2026-01-05"), 0) == "2026-01-05");
  CHECK(mcp::CellText(nlohmann::json("2026-01-05T09:12:00+01:00"), 0) ==
        "2026-01-05T09:12:00+01:00");
}
