#include "sim/timesheets.h"

#include "sim/tenant_generator.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace halo_sim {
namespace {

constexpr std::int64_t kDay = 86400;
constexpr int kMaxDays = 62;
constexpr int kBreakEvent = 2;  // event_type of a break; not worked time

std::int64_t DayOf(std::int64_t t) { return t - ((t % kDay) + kDay) % kDay; }

double Round2(double v) { return std::round(v * 100.0) / 100.0; }

/// Timesheet ids encode the agent and the day, so a listed row can be fetched again.
std::int64_t TimesheetId(std::int64_t agent_id, std::int64_t day) {
  return agent_id * 100000 + day / kDay;
}

Json BuildDay(Json const& agent, std::int64_t day, std::vector<Json const*> const& events,
              bool with_events) {
  double actual = 0, chargeable = 0, breaks = 0;
  Json listed = Json::array();
  for (auto const* e : events) {
    double const hours = FieldNum(*e, "timetaken");
    if (FieldInt(*e, "event_type") == kBreakEvent) {
      breaks += hours;
    } else {
      actual += hours;
      if (FieldInt(*e, "charge_rate") != 0) chargeable += hours;
    }
    if (with_events) listed.push_back(*e);
  }
  auto const agent_id = FieldInt(agent, "id");
  double const target = TargetHours(agent, day);
  double const start = FieldNum(agent, "workhour_start");
  double const end = FieldNum(agent, "workhour_end");
  Json row{{"id", TimesheetId(agent_id, day)},
           {"agent_id", agent_id},
           {"agent_name", FieldStr(agent, "name")},
           {"colour", FieldStr(agent, "colour")},
           {"date", FormatTime(day)},
           {"start_time", FormatTime(day + static_cast<std::int64_t>(start * 3600))},
           {"end_time", FormatTime(day + static_cast<std::int64_t>(end * 3600))},
           {"target_hours", Round2(target)},
           {"actual_hours", Round2(actual)},
           {"chargeable_hours", Round2(chargeable)},
           {"break_hours", Round2(breaks)},
           {"allowed_break_hours", FieldNum(agent, "lunchbreak")},
           {"unlogged_hours", Round2(std::max(0.0, target - actual))},
           {"work_hours", Round2(target)},
           {"percentage", target > 0 ? Round2(actual / target * 100.0) : 0.0},
           {"workdayid", 1}};
  if (with_events) row["events"] = std::move(listed);
  return row;
}

std::optional<std::int64_t> DayParam(Params const& p, std::string const& name) {
  auto v = p.Get(name);
  auto t = v ? ParseTime(*v) : std::nullopt;
  return t ? std::optional<std::int64_t>(DayOf(*t)) : std::nullopt;
}

}  // namespace

Json ActionTimeEvent(std::int64_t id, Json const& ticket, Json const& action, std::int64_t agent_id,
                     std::int64_t start, double hours) {
  return Json{
      {"id", id},
      {"event_type", 0},
      {"subject", "#" + std::to_string(FieldInt(ticket, "id")) + " " + FieldStr(ticket, "summary")},
      {"start_date", FormatTime(start)},
      {"end_date", FormatTime(start + static_cast<std::int64_t>(hours * 3600))},
      {"timetaken", hours},
      {"agent_id", agent_id},
      {"ticket_id", FieldInt(ticket, "id")},
      {"action_number", FieldInt(action, "id")},
      {"note", FieldStr(action, "note")},
      {"client_id", FieldInt(ticket, "client_id")},
      {"customer", FieldStr(ticket, "client_name")},
      {"site_id", FieldInt(ticket, "site_id")},
      {"tickettype_id", FieldInt(ticket, "tickettype_id")},
      {"charge_rate", FieldInt(action, "chargerate")},
      {"traveltime", 0.0}};
}

double TargetHours(Json const& agent, std::int64_t day) {
  auto const weekday = (day / kDay + 4) % 7;  // 1970-01-01 was a Thursday; 0 = Sunday
  if (weekday == 0 || weekday == 6) return 0;
  return std::max(0.0, FieldNum(agent, "workhour_end") - FieldNum(agent, "workhour_start") -
                           FieldNum(agent, "lunchbreak"));
}

Json TimesheetDay(Store const& store, Json const& agent, std::int64_t day, bool with_events) {
  std::vector<Json const*> events;
  auto const agent_id = FieldInt(agent, "id");
  if (auto const* t = store.find_table("TimesheetEvent")) {
    for (auto const& [id, e] : t->rows) {
      auto start = FieldTime(e, "start_date");
      if (FieldInt(e, "agent_id") == agent_id && start && DayOf(*start) == day) {
        events.push_back(&e);
      }
    }
  }
  return BuildDay(agent, day, events, with_events);
}

std::vector<Json> TimesheetRows(Store const& store, Params const& p, std::int64_t now) {
  std::int64_t const first = DayParam(p, "start_date").value_or(DayOf(now));
  std::int64_t last = DayParam(p, "end_date").value_or(first);
  last = std::min(last, first + (kMaxDays - 1) * kDay);
  auto const wanted = p.IntSet("agents");
  std::vector<Json const*> agents;
  if (auto const* t = store.find_table("Agent")) {
    for (auto const& [id, a] : t->rows) {
      bool const listed = wanted && wanted->count(id) > 0;
      bool const by_default =
          !wanted && !a.value("isdisabled", false) && !a.value("isapiagent", false);
      if (listed || by_default) agents.push_back(&a);
    }
  }
  // One pass over the events, grouped by (agent, day).
  std::map<std::pair<std::int64_t, std::int64_t>, std::vector<Json const*>> grouped;
  if (auto const* t = store.find_table("TimesheetEvent")) {
    for (auto const& [id, e] : t->rows) {
      auto start = FieldTime(e, "start_date");
      if (!start || *start < first || *start >= last + kDay) continue;
      grouped[{FieldInt(e, "agent_id"), DayOf(*start)}].push_back(&e);
    }
  }
  std::vector<Json> rows;
  static std::vector<Json const*> const kNone;
  for (auto day = first; day <= last; day += kDay) {
    for (auto const* a : agents) {
      auto it = grouped.find({FieldInt(*a, "id"), day});
      rows.push_back(BuildDay(*a, day, it == grouped.end() ? kNone : it->second, false));
    }
  }
  return rows;
}

ApiResponse GetTimesheet(Store const& store, ApiRequest const& req, Params const& p,
                         std::int64_t now) {
  std::int64_t agent_id = ApiAgentId(store);
  std::int64_t day = DayOf(now);
  if (Lower(req.id) != "mine") {
    auto id = ToInt(req.id);
    if (!id || *id < 0) return NotFound(req.resource, req.id);
    if (*id > 0) {
      agent_id = *id / 100000;
      day = (*id % 100000) * kDay;
    }
  }
  if (auto a = p.Int("agent_id")) agent_id = *a;
  if (auto d = DayParam(p, "date")) day = *d;
  auto const* agent = store.Find("Agent", agent_id);
  if (agent == nullptr)
    return Error(404, "No Agent record found with id " + std::to_string(agent_id));
  return ApiResponse{200, TimesheetDay(store, *agent, day, true)};
}

void StageTimesheetEvent(WriteContext const& ctx, Json const& in, Validator& v,
                         std::vector<Staged>& staged) {
  Store& store = ctx.store;
  auto target = LoadForWrite(store, "TimesheetEvent", in, v);
  if (!target) return;
  auto& [row, id] = *target;
  bool const create = target->create();
  MergeKnown(row, in, {"id", "agent_id", "ticket_id", "timetaken", "customer"});
  auto const agent_in = InputId(in, "agent_id", v);
  auto const ticket_in = InputId(in, "ticket_id", v);
  auto const client_in = InputId(in, "client_id", v);
  if (!v.ok()) return;
  std::int64_t const agent_id =
      agent_in.value_or(create ? ApiAgentId(store) : FieldInt(row, "agent_id"));
  auto const* agent = store.Find("Agent", agent_id);
  if (agent == nullptr) {
    v.Fail("agent_id", "Agent " + std::to_string(agent_id) + " does not exist");
  } else if (agent_in && agent->value("isdisabled", false)) {
    v.Fail("agent_id", "Agent " + std::to_string(agent_id) + " is inactive");
  }
  std::int64_t start = 0, end = 0;
  bool const dates = InputTime(row, "start_date", v, start) && InputTime(row, "end_date", v, end);
  if (dates && end <= start) v.Fail("end_date", "end_date must be after start_date");
  std::int64_t const ticket_id = ticket_in.value_or(FieldInt(row, "ticket_id"));
  Json const* ticket = ticket_id > 0 ? store.Find("Tickets", ticket_id) : nullptr;
  if (ticket_id > 0 && ticket == nullptr) {
    v.Fail("ticket_id", "Ticket " + std::to_string(ticket_id) + " does not exist");
  }
  Json const* client = client_in && *client_in > 0 ? store.Find("Client", *client_in) : nullptr;
  if (client_in && *client_in > 0 && client == nullptr) {
    v.Fail("client_id", "Client " + std::to_string(*client_in) + " does not exist");
  }
  if (ticket == nullptr && FieldStr(row, "subject").empty()) {
    v.Fail("subject", "A subject must be entered for time not logged against a ticket");
  }
  double hours = dates ? static_cast<double>(end - start) / 3600.0 : 0;
  if (auto it = in.find("timetaken"); it != in.end() && !it->is_null()) {
    auto given = JsonNumber(*it);
    if (!given || *given < 0) {
      v.Fail("timetaken", "timetaken must be a number of hours");
    } else {
      hours = *given;
    }
  }
  if (!v.ok()) return;
  row["agent_id"] = agent_id;
  row["ticket_id"] = ticket_id;
  row["timetaken"] = hours;
  if (ticket != nullptr) {
    row["client_id"] = FieldInt(*ticket, "client_id");
    row["customer"] = FieldStr(*ticket, "client_name");
    row["site_id"] = FieldInt(*ticket, "site_id");
    if (FieldStr(row, "subject").empty()) {
      row["subject"] = "#" + std::to_string(ticket_id) + " " + FieldStr(*ticket, "summary");
    }
  } else if (client != nullptr) {
    row["client_id"] = *client_in;
    row["customer"] = FieldStr(*client, "name");
  }
  if (create) {
    if (!in.contains("event_type")) row["event_type"] = ticket != nullptr ? 0 : 1;
    if (!in.contains("charge_rate")) row["charge_rate"] = ticket != nullptr ? 1 : 0;
  }
  Stage(staged, "TimesheetEvent", id, std::move(row));
}

}  // namespace halo_sim
