#include "server/time_totals.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <map>

namespace mcp {

using nlohmann::json;

namespace {

double Round2(double v) { return std::round(v * 100.0) / 100.0; }

halo::StatusOr<std::chrono::sys_days> ParseDay(std::string const& date) {
  unsigned y = 0, m = 0, d = 0;
  char tail = 0;
  if (date.size() != 10 || std::sscanf(date.c_str(), "%4u-%2u-%2u%c", &y, &m, &d, &tail) != 3) {
    return halo::InvalidArgumentError("\"" + date + "\" is not a date (YYYY-MM-DD)");
  }
  std::chrono::year_month_day ymd{std::chrono::year(static_cast<int>(y)), std::chrono::month(m),
                                  std::chrono::day(d)};
  if (!ymd.ok()) return halo::InvalidArgumentError("\"" + date + "\" is not a calendar date");
  return std::chrono::sys_days(ymd);
}

std::string FormatDay(std::chrono::sys_days day) {
  std::chrono::year_month_day ymd(day);
  char buf[16];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02u", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()));
  return buf;
}

}  // namespace

TimeTotals SumTimeEntries(json const& events, TimeZone const& tz) {
  TimeTotals t;
  std::map<std::string, DayHours> days;
  for (auto const& e : events) {
    if (!e.is_object()) continue;
    auto const taken = e.find("timetaken");
    double const hours = taken != e.end() && taken->is_number() ? taken->get<double>() : 0.0;
    auto const rate = e.find("charge_rate");
    bool const billable = rate != e.end() && rate->is_number() && rate->get<double>() != 0;
    ++t.entries;
    t.hours += hours;
    (billable ? t.billable : t.non_billable) += hours;
    std::string date = "unknown";
    std::string const start = e.value("start_date", "");
    if (start.size() >= 19) {
      // HaloPSA writes UTC without a suffix; the day is the tenant's.
      auto at = ParseDate(start.substr(0, 19) + "Z", SysSeconds{}, tz);
      if (at.ok()) date = TenantDate(at->start, tz);
    }
    DayHours& day = days[date];
    day.date = date;
    day.hours += hours;
    if (billable) day.billable += hours;
  }
  t.hours = Round2(t.hours);
  t.billable = Round2(t.billable);
  t.non_billable = Round2(t.non_billable);
  for (auto& [date, day] : days) {
    day.hours = Round2(day.hours);
    day.billable = Round2(day.billable);
    t.days.push_back(day);
  }
  return t;
}

json TotalsJson(TimeTotals const& t) {
  json by_day = json::array();
  for (auto const& d : t.days) {
    by_day.push_back({{"date", d.date}, {"hours", d.hours}, {"billable_hours", d.billable}});
  }
  return {{"hours", t.hours},
          {"billable_hours", t.billable},
          {"non_billable_hours", t.non_billable},
          {"entries", t.entries},
          {"by_day", by_day}};
}

halo::StatusOr<std::string> WeekStart(std::string const& date) {
  auto day = ParseDay(date);
  if (!day.ok()) return day.status();
  std::chrono::weekday const wd(*day);
  // iso_encoding: Monday 1 ... Sunday 7.
  return FormatDay(*day - std::chrono::days(wd.iso_encoding() - 1));
}

halo::StatusOr<std::string> AddDays(std::string const& date, int days) {
  auto day = ParseDay(date);
  if (!day.ok()) return day.status();
  return FormatDay(*day + std::chrono::days(days));
}

std::string FormatHours(double hours) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", Round2(hours));
  std::string s = buf;
  while (!s.empty() && s.back() == '0') s.pop_back();
  if (!s.empty() && s.back() == '.') s.pop_back();
  return s;
}

}  // namespace mcp
