#include "server/doctor.h"

#include <catch2/catch.hpp>

using mcp::DoctorLine;
using Level = DoctorLine::Level;
using std::chrono::seconds;

namespace {

std::chrono::system_clock::time_point At(std::time_t t) {
  return std::chrono::system_clock::from_time_t(t);
}

}  // namespace

TEST_CASE("ParseHttpDate reads IMF-fixdate and refuses anything else", "[doctor]") {
  auto t = mcp::ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT");
  REQUIRE(t);
  CHECK(std::chrono::system_clock::to_time_t(*t) == 784111777);
  CHECK(mcp::ParseHttpDate("Thu, 03 Dec 2026 16:45:00 GMT"));
  CHECK_FALSE(mcp::ParseHttpDate(""));
  CHECK_FALSE(mcp::ParseHttpDate("Sun, 06 Nov 1994 08:49:37 PST"));
  CHECK_FALSE(mcp::ParseHttpDate("Sun, 06 Foo 1994 08:49:37 GMT"));
  CHECK_FALSE(mcp::ParseHttpDate("Sun, 06 Nov 1994 25:49:37 GMT"));
  CHECK_FALSE(mcp::ParseHttpDate("Sun, 06 Nov 1994 08:49:37 GMT trailing"));
  CHECK_FALSE(mcp::ParseHttpDate("Sunday, 06-Nov-94 08:49:37 GMT"));
}

TEST_CASE("ClockLine: agreement, small skew, large skew, no header", "[doctor]") {
  std::string const header = "Sun, 06 Nov 1994 08:49:37 GMT";
  std::time_t const theirs = 784111777;

  auto same = mcp::ClockLine(header, At(theirs + 1));
  CHECK(same.level == Level::kOk);
  CHECK(same.text == "this machine's clock agrees with HaloPSA's");

  auto small = mcp::ClockLine(header, At(theirs - 30));
  CHECK(small.level == Level::kOk);
  CHECK(small.text == "this machine's clock is 30 s behind HaloPSA's");

  auto large = mcp::ClockLine(header, At(theirs + 600));
  CHECK(large.level == Level::kWarn);
  CHECK_THAT(large.text, Catch::Matchers::StartsWith("this machine's clock is 600 s ahead of"));
  CHECK_THAT(large.text, Catch::Matchers::Contains("NTP"));

  CHECK(mcp::ClockLine("", At(theirs)).level == Level::kWarn);
  auto garbage = mcp::ClockLine("yesterday", At(theirs));
  CHECK(garbage.level == Level::kWarn);
  CHECK_THAT(garbage.text, Catch::Matchers::Contains("\"yesterday\" is not an HTTP date"));
}

TEST_CASE("A report is ok unless a line failed, Render says which", "[doctor]") {
  mcp::DoctorReport report;
  report.lines.push_back({Level::kOk, "token", "obtained"});
  report.lines.push_back({Level::kWarn, "clock", "off by a lot"});
  report.lines.push_back({Level::kSkip, "toolset x", "nothing to try"});
  CHECK(report.ok());
  CHECK(report.Render() ==
        "ok    token: obtained\n"
        "warn  clock: off by a lot\n"
        "skip  toolset x: nothing to try\n"
        "halo-mcp doctor: everything needed works\n");
  report.lines.push_back({Level::kFail, "API agent", "refused"});
  CHECK_FALSE(report.ok());
  CHECK_THAT(report.Render(),
             Catch::Matchers::EndsWith("FAIL  API agent: refused\n"
                                       "halo-mcp doctor: 1 problem to fix (the FAIL lines)\n"));
}

TEST_CASE("Settings that do not load fail the configuration line", "[doctor]") {
  auto report = mcp::ConfigurationFailure("HALOPSA_BASE_URL is not set");
  CHECK_FALSE(report.ok());
  REQUIRE(report.lines.size() == 1);
  CHECK(report.lines[0].check == "configuration");
  CHECK_THAT(report.lines[0].text, Catch::Matchers::Contains("halo-mcp --help"));
}
