// Time kinds: time entries with totals per day and billable/non-billable, and an agent's
// timesheet against the hours they should work. Both default to the acting agent ("me").
#include "halo/safe_int.h"
#include "server/json_util.h"
#include "server/output_format.h"
#include "server/time_totals.h"
#include "server/tool_executor.h"

#include <algorithm>

namespace mcp {

using halo::StatusOr;
using nlohmann::json;

namespace {

/// The tenant date an argument names ("today", "-7d", "2026-12-01"), or `fallback` when absent.
StatusOr<std::string> DateArg(json const& args, char const* name, std::string fallback,
                              SysSeconds now, TimeZone const& tz) {
  auto it = args.find(name);
  if (it == args.end() || !it->is_string()) return fallback;
  auto range = ParseDate(it->get<std::string>(), now, tz);
  if (!range.ok()) {
    return halo::InvalidArgumentError(std::string("argument '") + name +
                                      "': " + range.status().message());
  }
  return TenantDate(range->start, tz);
}

/// Whose time: the caller's agent argument, else the acting agent.
bool DefaultToMe(json& a, CallScope& scope) {
  if (a.contains("agent")) return true;
  if (scope.principal().agent.empty()) return false;
  a["agent"] = "me";
  return true;
}

constexpr char kWhose[] =
    "Say whose time: give agent (name, email or id). Starting halo-mcp with --agent (or "
    "HALOPSA_AGENT) makes the technician's own time the default.";

std::string TotalsLine(TimeTotals const& t) {
  return FormatHours(t.hours) + " h in " + CountOf(t.entries, "entry") + " (billable " +
         FormatHours(t.billable) + " h, non-billable " + FormatHours(t.non_billable) + " h)";
}

}  // namespace

json ToolExecutor::TimeEntries(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  auto const now = std::chrono::floor<std::chrono::seconds>(options_.wall_clock());
  auto const& tz = *options_.time_zone;
  // "How many hours did I log this week" is this call without arguments.
  json a = args;
  if (!DefaultToMe(a, scope)) return ToolErrorResult(kWhose);
  auto monday = WeekStart(TenantDate(now, tz));
  if (!monday.ok()) return ToolErrorResult(monday.status().message());
  auto from = DateArg(args, "from", *monday, now, tz);
  auto to = DateArg(args, "to", TenantDate(now, tz), now, tz);
  if (!from.ok() || !to.ok()) {
    return ToolErrorResult(
        DescribeFailure(from.ok() ? to.status() : from.status(), "listing time entries"));
  }
  // Whole tenant days, named in the result as dates rather than the caller's words.
  a["from"] = *from;
  a["to"] = *to;
  auto built = Build(tool, a, scope, /*include_body=*/false);
  if (!built.ok()) return ToolErrorResult(DescribeFailure(built.status(), "listing time entries"));
  halo::ListRequest req;
  req.path = built->path;
  req.query = built->query;
  req.paginate = false;
  req.limit = 0;  // every entry of the range: the totals need them all
  auto result = client_->List(req, ctx);
  if (!result.ok()) {
    return ToolErrorResult(DescribeFailure(result.status(), "listing time entries"));
  }
  json records = std::move(result->records);
  std::stable_sort(records.begin(), records.end(), [](json const& x, json const& y) {
    return x.value("start_date", "") < y.value("start_date", "");
  });
  TimeTotals const totals = SumTimeEntries(records, tz);

  std::int64_t const limit = args.value("limit", std::int64_t{25});
  std::int64_t offset = 0;
  if (auto c = args.find("cursor"); c != args.end()) {
    auto parsed = halo::ParseInt64(c->get<std::string>(), 0, 1'000'000'000);
    if (!parsed) {
      return ToolErrorResult(
          "Invalid cursor: pass the next_cursor value from the previous "
          "result as it is.");
    }
    offset = *parsed;
  }
  auto const total = static_cast<std::int64_t>(records.size());
  json items = json::array();
  for (std::int64_t i = offset; i < total && i < offset + limit; ++i) {
    items.push_back(Project(records[static_cast<std::size_t>(i)], tool, args, true, ctx));
  }
  bool const more = offset + limit < total;
  json structured{{"items", items},
                  {"returned", items.size()},
                  {"has_more", more},
                  {"record_count", total},
                  {"totals", TotalsJson(totals)},
                  {"dates", DateBasis()},
                  {"from", *from},
                  {"to", *to}};
  if (more) structured["next_cursor"] = std::to_string(offset + limit);

  std::string text =
      DateBasis() + "\nTime " + *from + " to " + *to + ": " + TotalsLine(totals) + ".\nPer day:";
  for (auto const& d : totals.days) {
    text += " " + d.date + " " + FormatHours(d.hours) + " h (billable " + FormatHours(d.billable) +
            ");";
  }
  if (totals.days.empty()) text += " none;";
  text.back() = '\n';
  text += CountOf(items.size(), "entry") + " of " + std::to_string(total);
  if (more) text += "; more: call again with cursor \"" + std::to_string(offset + limit) + "\"";
  text += "\n";
  if (!items.empty()) {
    TableOptions table;
    table.separator = "|";
    table.wide_chars = 0;
    table.narrow_chars = 0;
    text += RenderTable(items, Columns(tool, args, true), table);
  }
  return ToolTextResult(text, structured);
}

json ToolExecutor::Timesheet(ToolSpec const& tool, json const& args, CallScope& scope) {
  auto ctx = scope.halo_context();
  auto const now = std::chrono::floor<std::chrono::seconds>(options_.wall_clock());
  auto const& tz = *options_.time_zone;
  json a = args;
  if (!DefaultToMe(a, scope)) return ToolErrorResult(kWhose);
  auto day = DateArg(args, "date", TenantDate(now, tz), now, tz);
  if (!day.ok()) return ToolErrorResult(DescribeFailure(day.status(), "reading the timesheet"));
  std::string first = *day, last = *day;
  if (args.value("week", false)) {
    auto monday = WeekStart(*day);
    auto sunday = monday.ok() ? AddDays(*monday, 6) : monday;
    if (!sunday.ok()) return ToolErrorResult(sunday.status().message());
    first = *monday;
    last = *sunday;
  }
  auto built = Build(tool, a, scope, /*include_body=*/false);
  if (!built.ok()) return ToolErrorResult(DescribeFailure(built.status(), "reading the timesheet"));
  halo::ListRequest req;
  req.path = built->path;
  req.query = built->query;
  req.query.emplace_back("start_date", first);
  req.query.emplace_back("end_date", last);
  req.list_key = tool.halo.list_key;
  req.paginate = false;
  req.limit = 0;
  auto result = client_->List(req, ctx);
  if (!result.ok()) {
    return ToolErrorResult(DescribeFailure(result.status(), "reading the timesheet"));
  }
  double target = 0, actual = 0, chargeable = 0, unlogged = 0;
  json days = json::array();
  std::string agent;
  for (auto const& r : result->records) {
    target += r.value("target_hours", 0.0);
    actual += r.value("actual_hours", 0.0);
    chargeable += r.value("chargeable_hours", 0.0);
    // Per day: a long Monday does not fill an empty Friday.
    unlogged += r.value("unlogged_hours", 0.0);
    if (agent.empty()) agent = r.value("agent_name", "");
    days.push_back(Project(r, tool, args, true, ctx));
  }
  json totals{{"target_hours", std::stod(FormatHours(target))},
              {"actual_hours", std::stod(FormatHours(actual))},
              {"chargeable_hours", std::stod(FormatHours(chargeable))},
              {"unlogged_hours", std::stod(FormatHours(unlogged))},
              {"percentage", target > 0 ? std::stod(FormatHours(actual / target * 100)) : 0.0}};
  json structured{{"items", days},       {"returned", days.size()}, {"has_more", false},
                  {"totals", totals},    {"from", first},           {"to", last},
                  {"dates", DateBasis()}};
  std::string text = DateBasis() + "\nTimesheet" + (agent.empty() ? "" : " of " + agent) + ", " +
                     (first == last ? first : first + " to " + last) + ": " + FormatHours(actual) +
                     " h logged of " + FormatHours(target) + " h target (chargeable " +
                     FormatHours(chargeable) + " h, unlogged " + FormatHours(unlogged) + " h).\n";
  if (first != last && !days.empty()) {
    TableOptions table;
    table.separator = "|";
    text += RenderTable(days, Columns(tool, args, true), table);
  }
  return ToolTextResult(text, structured);
}

}  // namespace mcp
