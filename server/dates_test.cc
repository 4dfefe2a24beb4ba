#include "server/dates.h"

#include <catch2/catch.hpp>

using namespace std::chrono;
using mcp::FormatHaloTime;
using mcp::ParseDate;

namespace {

// 2026-12-03 10:30:00 UTC.
mcp::SysSeconds const kNow = sys_days(year(2026) / 12 / 3) + hours(10) + minutes(30);

std::pair<std::string, std::string> Range(std::string const& text, mcp::TimeZone const& tz) {
  auto r = ParseDate(text, kNow, tz);
  REQUIRE(r.ok());
  return {FormatHaloTime(r->start), FormatHaloTime(r->end)};
}

}  // namespace

TEST_CASE("Whole days in UTC", "[server][dates]") {
  auto utc = mcp::FixedTimeZone("UTC", seconds(0));
  CHECK(Range("2026-11-30", *utc) ==
        std::pair<std::string, std::string>{"2026-11-30T00:00:00", "2026-11-30T23:59:59"});
  CHECK(Range("today", *utc).first == "2026-12-03T00:00:00");
  CHECK(Range("Yesterday", *utc).first == "2026-12-02T00:00:00");
  CHECK(Range("tomorrow", *utc).second == "2026-12-04T23:59:59");
  CHECK(Range("-7d", *utc).first == "2026-11-26T00:00:00");
  CHECK(Range("+2d", *utc).first == "2026-12-05T00:00:00");
  CHECK(Range("-2w", *utc).first == "2026-11-19T00:00:00");
  CHECK(mcp::TenantDate(kNow, *utc) == "2026-12-03");
}

TEST_CASE("Day boundaries follow the tenant's zone, sent as UTC", "[server][dates]") {
  auto sydney = mcp::FixedTimeZone("Australia/Sydney", hours(11));
  // 10:30 UTC is 21:30 in Sydney: still the 3rd there.
  CHECK(mcp::TenantDate(kNow, *sydney) == "2026-12-03");
  CHECK(Range("today", *sydney) ==
        std::pair<std::string, std::string>{"2026-12-02T13:00:00", "2026-12-03T12:59:59"});
  auto la = mcp::FixedTimeZone("America/Los_Angeles", hours(-8));
  CHECK(Range("2026-12-01", *la).first == "2026-12-01T08:00:00");
  // A local timestamp without an offset is tenant time; with one it is exact.
  CHECK(Range("2026-12-03T09:00", *la).first == "2026-12-03T17:00:00");
  CHECK(Range("2026-12-03T09:00:30Z", *la).first == "2026-12-03T09:00:30");
  CHECK(Range("2026-12-03T09:00:00+02:00", *la).first == "2026-12-03T07:00:00");
  CHECK(Range("2026-12-03 09:00:00.123", *la).first == "2026-12-03T17:00:00");
  CHECK(mcp::FormatOffset(hours(-8)) == "-08:00");
  CHECK(mcp::FormatOffset(hours(5) + minutes(30)) == "+05:30");
}

TEST_CASE("Anything else is refused with the forms that work", "[server][dates]") {
  auto utc = mcp::FixedTimeZone("UTC", seconds(0));
  for (std::string bad : {"", "last week", "2026-13-01", "2026-02-30", "03/12/2026", "-7x",
                          "-99999999d", "2026-12-03T25:00", "2026-12-03T09:00+2"}) {
    INFO(bad);
    auto r = ParseDate(bad, kNow, *utc);
    REQUIRE_FALSE(r.ok());
    CHECK_THAT(r.status().message(), Catch::Matchers::Contains("YYYY-MM-DD"));
  }
}
