#include "halo/query.h"

#include <catch2/catch.hpp>

TEST_CASE("Query encoders render values the way HaloPSA reads them", "[halo][query]") {
  CHECK(halo::EncodeBool(true) == "true");
  CHECK(halo::EncodeBool(false) == "false");
  CHECK(halo::EncodeInt(-42) == "-42");
  CHECK(halo::EncodeIdList({1, 22, 333}) == "1,22,333");
  CHECK(halo::EncodeIdList({}) == "");
  using namespace std::chrono;
  sys_seconds t = sys_days{year{2026} / 9 / 1} + hours{8} + minutes{5} + seconds{7};
  CHECK(halo::EncodeDateTime(t) == "2026-09-01T08:05:07");
  CHECK(halo::EncodeDateTime(t, true) == "2026-09-01T08:05:07Z");
}

TEST_CASE("QueryBuilder keeps HaloPSA's names and order", "[halo][query]") {
  auto q = halo::QueryBuilder()
               .Int("client_id", 12)
               .Bool("open_only", true)
               .Ids("requesttype_id", {1, 2})
               .String("search", "printer & scanner")
               .Int("client_id", 13)
               .Build();
  REQUIRE(q.size() == 4);
  CHECK(q[0] == std::make_pair(std::string("client_id"), std::string("13")));
  CHECK(q[2].first == "requesttype_id");
  CHECK(halo::EncodeQueryString(q) ==
        "client_id=13&open_only=true&requesttype_id=1%2C2&search=printer%20%26%20scanner");
}

TEST_CASE("EncodeQueryValue maps JSON arguments", "[halo][query]") {
  using nlohmann::json;
  CHECK(*halo::EncodeQueryValue(json(true), "x") == "true");
  CHECK(*halo::EncodeQueryValue(json(7), "x") == "7");
  CHECK(*halo::EncodeQueryValue(json(7.0), "x") == "7");
  CHECK(*halo::EncodeQueryValue(json("abc"), "x") == "abc");
  // Whole floats beyond int64 are sent as JSON writes them, not cast (undefined behaviour).
  CHECK(*halo::EncodeQueryValue(json(1e300), "x") == "1e+300");
  CHECK(*halo::EncodeQueryValue(json(2.5), "x") == "2.5");
  CHECK(*halo::EncodeQueryValue(json::array({1, "2", 3}), "x") == "1,2,3");
  auto bad = halo::EncodeQueryValue(json::array({"a"}), "team");
  REQUIRE_FALSE(bad.ok());
  CHECK_THAT(bad.status().message(), Catch::Matchers::Contains("team"));
  CHECK_FALSE(halo::EncodeQueryValue(json::object(), "x").ok());
}

TEST_CASE("NormaliseIsoDate accepts the usual spellings", "[halo][query]") {
  CHECK(*halo::NormaliseIsoDate("2026-09-01") == "2026-09-01");
  CHECK(*halo::NormaliseIsoDate("2026-09-01T08:00") == "2026-09-01T08:00:00");
  CHECK(*halo::NormaliseIsoDate("7495-09-01T08:00") == "7495-09-01T08:00:00");  // past 2262
  CHECK(*halo::NormaliseIsoDate(" 2026-09-01 08:00:30 ") == "2026-09-01T08:00:30");
  CHECK(*halo::NormaliseIsoDate("2026-09-01T08:00:00Z") == "2026-09-01T08:00:00");
  CHECK(*halo::NormaliseIsoDate("2026-09-01T08:00:00.123Z") == "2026-09-01T08:00:00");
  CHECK(*halo::NormaliseIsoDate("2026-09-01T01:30:00+02:00") == "2026-08-31T23:30:00");
  CHECK(*halo::NormaliseIsoDate("2026-12-31T23:00:00-0130") == "2027-01-01T00:30:00");
  for (char const* bad : {"", "yesterday", "2026-13-01", "2026-02-30", "2026-09-01T25:00",
                          "2026-09-01T08:00:00+99:00", "2026/09/01", "2026-09-01X"}) {
    INFO(bad);
    auto r = halo::NormaliseIsoDate(bad, "startdate");
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Matchers::Contains("startdate"));
  }
}

TEST_CASE("ExpandPath percent-encodes substituted values", "[halo][query]") {
  CHECK(*halo::ExpandPath("/Tickets/{id}", {{"id", "12"}}) == "/Tickets/12");
  CHECK(*halo::ExpandPath("/Users/{name}", {{"name", "a/b c"}}) == "/Users/a%2Fb%20c");
  CHECK(*halo::ExpandPath("/X/{a}/{b}", {{"a", "1"}, {"b", "é"}}) == "/X/1/%C3%A9");
  auto missing = halo::ExpandPath("/Tickets/{id}", {});
  REQUIRE_FALSE(missing.ok());
  CHECK_THAT(missing.status().message(), Catch::Matchers::Contains("'id'"));
  CHECK_FALSE(halo::ExpandPath("/Tickets/{id", {{"id", "1"}}).ok());
  CHECK(halo::PercentEncode("AZaz09-._~") == "AZaz09-._~");
}
