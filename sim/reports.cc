#include "sim/reports.h"

#include "sim/billing.h"
#include "sim/list_filters.h"

#include <algorithm>
#include <cmath>
#include <map>

namespace halo_sim {
namespace {

constexpr std::int64_t kDay = 86400;

double Round2(double v) { return std::round(v * 100.0) / 100.0; }

struct Period {
  std::int64_t from;
  std::int64_t to;  ///< inclusive
};

/// The report's window: reportingperiodstartdate / enddate, else the last `default_days` days.
Period PeriodOf(Json const& options, std::int64_t now, int default_days) {
  auto const today = now - now % kDay;
  Period p{today - (default_days - 1) * kDay, today + kDay - 1};
  if (auto from = FieldTime(options, "reportingperiodstartdate")) p.from = *from;
  if (auto to = FieldTime(options, "reportingperiodenddate")) {
    p.to = *to;
    if (*to % kDay == 0) p.to += kDay - 1;  // a date includes its whole day
  }
  return p;
}

Json SortedRows(std::map<std::string, Json> const& by_key, char const* order_field) {
  Json rows = Json::array();
  for (auto const& [key, row] : by_key) rows.push_back(row);
  std::stable_sort(rows.begin(), rows.end(), [order_field](Json const& a, Json const& b) {
    return FieldNum(a, order_field) > FieldNum(b, order_field);
  });
  return rows;
}

Json OpenTicketsByClient(Store const& store, std::int64_t now, bool breached_only) {
  std::map<std::string, Json> by_client;
  for (auto const& [id, t] : store.table("Tickets").rows) {
    if (IsClosedStatus(store, FieldInt(t, "status_id"))) continue;
    bool const breached = SlaBreached(store, t, now);
    if (breached_only && !breached) continue;
    auto& row = by_client[FieldStr(t, "client_name")];
    if (row.is_null()) {
      row = Json{{"client_id", FieldInt(t, "client_id")},
                 {"client_name", FieldStr(t, "client_name")},
                 {"open_tickets", 0},
                 {"sla_breached", 0}};
    }
    row["open_tickets"] = FieldInt(row, "open_tickets") + 1;
    row["sla_breached"] = FieldInt(row, "sla_breached") + (breached ? 1 : 0);
  }
  return SortedRows(by_client, breached_only ? "sla_breached" : "open_tickets");
}

Json TimeByAgent(Store const& store, Period period) {
  std::map<std::string, Json> by_agent;
  for (auto const& [id, e] : store.table("TimesheetEvent").rows) {
    auto start = FieldTime(e, "start_date");
    if (!start || *start < period.from || *start > period.to || FieldInt(e, "event_type") == 2) {
      continue;
    }
    auto const agent = AgentName(store, FieldInt(e, "agent_id"));
    auto& row = by_agent[agent];
    if (row.is_null()) {
      row = Json{{"agent_id", FieldInt(e, "agent_id")},
                 {"agent_name", agent},
                 {"hours", 0.0},
                 {"chargeable_hours", 0.0},
                 {"non_chargeable_hours", 0.0}};
    }
    double const hours = FieldNum(e, "timetaken");
    row["hours"] = Round2(FieldNum(row, "hours") + hours);
    char const* bucket =
        FieldInt(e, "charge_rate") != 0 ? "chargeable_hours" : "non_chargeable_hours";
    row[bucket] = Round2(FieldNum(row, bucket) + hours);
  }
  return SortedRows(by_agent, "hours");
}

Json TicketsPerDay(Store const& store, Period period) {
  std::map<std::string, Json> by_day;
  for (auto d = period.from - period.from % kDay; d <= period.to; d += kDay) {
    auto const date = FormatTime(d).substr(0, 10);
    by_day[date] = Json{{"date", date}, {"opened", 0}, {"closed", 0}};
  }
  auto count = [&](Json const& t, char const* field, char const* column) {
    auto when = FieldTime(t, field);
    if (!when || *when < period.from || *when > period.to) return;
    auto& row = by_day[FormatTime(*when).substr(0, 10)];
    row[column] = FieldInt(row, column) + 1;
  };
  for (auto const& [id, t] : store.table("Tickets").rows) {
    count(t, "dateoccurred", "opened");
    count(t, "dateclosed", "closed");
  }
  Json rows = Json::array();
  for (auto const& [date, row] : by_day) rows.push_back(row);
  return rows;
}

Json PrepayBalances(Store const& store) {
  std::map<std::string, Json> by_client;
  std::set<std::int64_t> clients;
  for (auto const& [id, row] : store.table("ClientPrepay").rows) {
    clients.insert(FieldInt(row, "client_id"));
  }
  for (auto client_id : clients) {
    auto const* client = store.Find("Client", client_id);
    auto const prepay = PrepayFor(store, client_id);
    auto const name = client ? FieldStr(*client, "name") : std::to_string(client_id);
    by_client[name] = Json{{"client_id", client_id},
                           {"client_name", name},
                           {"prepay_hours", prepay.total},
                           {"used_hours", prepay.used},
                           {"balance_hours", prepay.balance}};
  }
  Json rows = SortedRows(by_client, "balance_hours");
  std::reverse(rows.begin(), rows.end());  // lowest balance first: who needs a top-up
  return rows;
}

Json TicketsByStatus(Store const& store) {
  std::map<std::string, Json> by_status;
  for (auto const& [id, t] : store.table("Tickets").rows) {
    auto const name = FieldStr(t, "status_name");
    auto& row = by_status[name];
    if (row.is_null())
      row = Json{{"status_id", FieldInt(t, "status_id")}, {"status_name", name}, {"tickets", 0}};
    row["tickets"] = FieldInt(row, "tickets") + 1;
  }
  return SortedRows(by_status, "tickets");
}

/// Runs a saved report: `report` (ReportContent) with rows whose keys are the report's columns.
Json RunReport(Store const& store, Json const& saved, Json const& options, std::int64_t now) {
  Json rows;
  switch (static_cast<SimReport>(FieldInt(saved, "systemreportid"))) {
    case SimReport::kOpenTicketsByClient:
      rows = OpenTicketsByClient(store, now, false);
      break;
    case SimReport::kTimeByAgent:
      rows = TimeByAgent(store, PeriodOf(options, now, 7));
      break;
    case SimReport::kTicketsPerDay:
      rows = TicketsPerDay(store, PeriodOf(options, now, 30));
      break;
    case SimReport::kSlaBreachesByClient:
      rows = OpenTicketsByClient(store, now, true);
      break;
    case SimReport::kPrepayBalances:
      rows = PrepayBalances(store);
      break;
    case SimReport::kTicketsByStatus:
      rows = TicketsByStatus(store);
      break;
    default:
      return Json{{"loaded", false},
                  {"load_error", "This report has no data source in the simulator"},
                  {"rows", Json::array()}};
  }
  return Json{{"loaded", true}, {"load_error", ""}, {"rows", std::move(rows)}};
}

Json SearchRow(Json const& row, std::vector<char const*> const& fields) {
  Json out = Json::object();
  for (auto const* f : fields) {
    if (auto it = row.find(f); it != row.end()) out[f] = *it;
  }
  return out;
}

}  // namespace

ApiResponse GetReport(Store const& store, ApiRequest const& req, Params const& p,
                      std::int64_t now) {
  auto id = ToInt(req.id);
  auto const* saved = id ? store.Find("Report", *id) : nullptr;
  if (saved == nullptr) return NotFound("Report", req.id);
  Json out = *saved;
  if (p.Flag("loadreport")) {
    Json options = Json::object();
    for (auto const* key : {"reportingperiodstartdate", "reportingperiodenddate"}) {
      if (auto v = p.Get(key)) options[key] = *v;
    }
    out["report"] = RunReport(store, *saved, options, now);
  }
  return ApiResponse{200, std::move(out)};
}

ApiResponse LoadReportOnly(Store const& store, Json const& element, std::int64_t now) {
  auto id = JsonInt(element.value("id", Json(0))).value_or(0);
  if (id <= 0) {
    return FieldError("sql",
                      "The simulator cannot run ad-hoc SQL; run a saved report by its id "
                      "(GET /Report lists them)");
  }
  auto const* saved = store.Find("Report", id);
  if (saved == nullptr) return NotFound("Report", std::to_string(id));
  Json out = *saved;
  out["report"] = RunReport(store, *saved, element, now);
  return ApiResponse{200, std::move(out)};
}

ApiResponse GlobalSearch(Store const& store, ApiRequest const& req, Params const& p) {
  auto const text = p.Get("search").value_or("");
  if (text.empty()) return FieldError("search", "search must be given: the text to look for");
  auto const needle = Lower(text);
  auto const per_entity = std::clamp<std::int64_t>(p.Int("count_per_entity").value_or(5), 1, 50);
  struct Kind {
    char const* key;
    char const* table;
    char const* area;
    std::vector<char const*> searched;
    std::vector<char const*> shown;
  };
  std::vector<Kind> const kinds = {
      {"tickets",
       "Tickets",
       "tickets",
       {"summary", "details"},
       {"id", "summary", "client_name", "status_name", "agent_name"}},
      {"clients", "Client", "customers", {"name", "ref"}, {"id", "name", "ref"}},
      {"users",
       "Users",
       "customers",
       {"name", "emailaddress"},
       {"id", "name", "emailaddress", "client_name", "site_name"}},
      {"assets",
       "Asset",
       "assets",
       {"inventory_number", "key_field", "key_field2", "username"},
       {"id", "inventory_number", "key_field", "assettype_name", "client_name", "username"}},
      {"kbarticles",
       "KBArticle",
       "kb",
       {"name", "description", "tag_string"},
       {"id", "name", "tag_string"}}};
  Json out = Json::object();
  std::int64_t total = 0;
  for (auto const& kind : kinds) {
    if (!ScopeAllows(req.scopes, kind.area, false)) continue;
    Json rows = Json::array();
    if (auto const* t = store.find_table(kind.table)) {
      for (auto const& entry : t->rows) {
        Json const& row = entry.second;  // not a structured binding: clang 14 cannot capture it
        bool const hit = std::any_of(kind.searched.begin(), kind.searched.end(), [&](auto f) {
          return ContainsLower(FieldStr(row, f), needle);
        });
        if (!hit) continue;
        ++total;
        if (static_cast<std::int64_t>(rows.size()) < per_entity) {
          rows.push_back(SearchRow(row, kind.shown));
        }
      }
    }
    out[kind.key] = std::move(rows);
  }
  out["record_count"] = total;
  return ApiResponse{200, std::move(out)};
}

}  // namespace halo_sim
