#include "server/time_totals.h"

#include <catch2/catch.hpp>

using nlohmann::json;
using std::chrono::hours;

TEST_CASE("SumTimeEntries: totals, billable split and tenant days", "[time]") {
  json const events = json::parse(R"([
    {"start_date":"2026-11-30T09:00:00","timetaken":1.5,"charge_rate":1},
    {"start_date":"2026-11-30T13:00:00","timetaken":0.25,"charge_rate":0},
    {"start_date":"2026-12-01T23:30:00","timetaken":1,"charge_rate":2},
    {"start_date":"2026-12-02T08:00:00","timetaken":0.5},
    "not a row"
  ])");
  auto utc = mcp::FixedTimeZone("UTC", hours(0));
  auto t = mcp::SumTimeEntries(events, *utc);
  CHECK(t.entries == 4);
  CHECK(t.hours == Approx(3.25));
  CHECK(t.billable == Approx(2.5));
  CHECK(t.non_billable == Approx(0.75));
  REQUIRE(t.days.size() == 3);
  CHECK(t.days[0].date == "2026-11-30");
  CHECK(t.days[0].hours == Approx(1.75));
  CHECK(t.days[0].billable == Approx(1.5));
  CHECK(t.days[1].date == "2026-12-01");

  // 23:30 UTC is already the next day in Sydney.
  auto sydney = mcp::FixedTimeZone("Australia/Sydney", hours(11));
  auto s = mcp::SumTimeEntries(events, *sydney);
  REQUIRE(s.days.size() == 3);
  CHECK(s.days[1].date == "2026-12-01");
  CHECK(s.days[1].hours == Approx(0.25));
  CHECK(s.days[2].date == "2026-12-02");
  CHECK(s.days[2].hours == Approx(1.5));

  json j = mcp::TotalsJson(t);
  CHECK(j["by_day"].size() == 3);
  CHECK(j["non_billable_hours"] == Approx(0.75));
}

TEST_CASE("WeekStart, AddDays and FormatHours", "[time]") {
  CHECK(*mcp::WeekStart("2026-12-03") == "2026-11-30");  // Thursday -> Monday
  CHECK(*mcp::WeekStart("2026-11-30") == "2026-11-30");
  CHECK(*mcp::WeekStart("2026-12-06") == "2026-11-30");  // Sunday belongs to the week before
  CHECK(*mcp::AddDays("2026-12-31", 1) == "2027-01-01");
  CHECK(*mcp::AddDays("2026-03-01", -1) == "2026-02-28");
  CHECK_FALSE(mcp::WeekStart("2026-13-01").ok());
  CHECK_FALSE(mcp::WeekStart("yesterday").ok());
  CHECK(mcp::FormatHours(7.5) == "7.5");
  CHECK(mcp::FormatHours(12) == "12");
  CHECK(mcp::FormatHours(0.254) == "0.25");
  CHECK(mcp::FormatHours(0) == "0");
}
