// Sums of logged time, kept apart from the tools so the arithmetic is tested without HaloPSA.
#pragma once

#include "halo/status.h"
#include "server/dates.h"

#include <nlohmann/json.hpp>

#include <string>
#include <vector>

namespace mcp {

struct DayHours {
  std::string date;  // tenant date, YYYY-MM-DD
  double hours = 0;
  double billable = 0;
};

struct TimeTotals {
  double hours = 0;
  double billable = 0;
  double non_billable = 0;
  std::size_t entries = 0;
  std::vector<DayHours> days;  // in date order, only days with time
};

/// Sums TimesheetEvent rows: `timetaken` hours, billable when `charge_rate` is not 0, each on
/// the tenant day its `start_date` (HaloPSA's UTC time) falls on.
TimeTotals SumTimeEntries(nlohmann::json const& events, TimeZone const& tz);

/// The totals as a result object: hours, billable_hours, non_billable_hours, entries, by_day.
nlohmann::json TotalsJson(TimeTotals const& totals);

/// Monday of the week that holds `date` (YYYY-MM-DD); kInvalidArgument for anything else.
halo::StatusOr<std::string> WeekStart(std::string const& date);

/// `date` (YYYY-MM-DD) moved by `days`.
halo::StatusOr<std::string> AddDays(std::string const& date, int days);

/// Hours for people: at most two decimals, no trailing zeros ("7.5", "0.25", "12").
std::string FormatHours(double hours);

}  // namespace mcp
