#include "sim/store.h"

#include <algorithm>
#include <cctype>
#include <chrono>
#include <cstdio>
#include <ctime>
#include <fstream>
#include <sstream>
#include <unistd.h>

namespace halo_sim {
namespace {

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

}  // namespace

std::vector<EntityInfo> const& Entities() {
  // HaloPSA answers reference lists (Agent, Team, Status, ...) with a bare array and the big
  // resources with {"record_count": N, "<key>": [...]}. Asset pages hold at most 50 rows.
  static std::vector<EntityInfo> const kEntities = {
      // name, list key, scope area, page size cap, 50-row default, pageinate honoured
      {"Tickets", "tickets", "tickets", 100, true, true},
      {"Actions", "actions", "tickets", 100, true, false},  // only `count` (no paging)
      {"Projects", "tickets", "projects", 100, true, true},
      {"Opportunities", "tickets", "crm", 100, true, true},
      {"Attachment", "attachments", "tickets", 100, false, false},
      {"TicketApproval", "", "tickets", 100, false, false},
      {"Client", "clients", "customers", 100, true, true},
      {"Site", "sites", "customers", 100, true, true},
      {"Users", "users", "customers", 100, true, true},
      {"Asset", "assets", "assets", 50, true, true},
      {"KBArticle", "articles", "kb", 100, true, true},
      {"ClientContract", "contracts", "contracts", 100, true, true},
      {"ClientPrepay", "prepays", "invoices", 100, true, true},
      {"Invoice", "invoices", "invoices", 100, true, true},
      {"RecurringInvoice", "invoices", "invoices", 100, true, true},
      {"Quotation", "quotes", "sales", 100, true, true},
      {"PurchaseOrder", "purchaseorders", "suppliers", 100, true, true},
      {"Supplier", "suppliers", "suppliers", 100, true, true},
      {"Item", "items", "items", 100, true, true},
      {"Appointment", "appointments", "calendar", 100, true, true},
      {"Timesheet", "timesheets", "timesheets", 100, false, false},
      {"TimesheetEvent", "", "timesheets", 100, false, false},
      {"Report", "reports", "reporting", 100, true, true},
      {"Search", "", "", 0, false, false},
      {"Outcome", "outcomes", "", 100, false, false},
      {"Agent", "", "", 100, false, false},
      {"Team", "", "", 100, false, false},
      {"Status", "", "", 100, false, false},
      {"Priority", "", "", 100, false, false},
      {"TicketType", "", "", 100, false, false},
      {"Category", "", "", 100, false, false},
      {"AssetType", "", "", 100, false, false},
      {"SLA", "", "", 100, false, false},
      {"ApprovalProcess", "", "", 100, false, false},
      {"CannedText", "", "", 100, false, false},
  };
  return kEntities;
}

EntityInfo const* FindEntity(std::string_view name) {
  for (auto const& e : Entities()) {
    if (EqualsIgnoreCase(e.name, name)) return &e;
  }
  return nullptr;
}

Table& Store::table(std::string_view entity) {
  auto it = tables_.find(entity);
  if (it == tables_.end()) it = tables_.emplace(std::string(entity), Table{}).first;
  return it->second;
}

Table const& Store::table(std::string_view entity) const {
  static Table const kEmpty;
  auto const* t = find_table(entity);
  return t == nullptr ? kEmpty : *t;
}

Table const* Store::find_table(std::string_view entity) const {
  auto it = tables_.find(entity);
  return it == tables_.end() ? nullptr : &it->second;
}

Json* Store::Find(std::string_view entity, std::int64_t id) {
  auto it = tables_.find(entity);
  if (it == tables_.end()) return nullptr;
  auto row = it->second.rows.find(id);
  return row == it->second.rows.end() ? nullptr : &row->second;
}

Json const* Store::Find(std::string_view entity, std::int64_t id) const {
  auto const* t = find_table(entity);
  if (t == nullptr) return nullptr;
  auto row = t->rows.find(id);
  return row == t->rows.end() ? nullptr : &row->second;
}

void Store::Put(std::string_view entity, std::int64_t id, Json row) {
  auto& t = table(entity);
  t.rows[id] = std::move(row);
  t.next_id = std::max(t.next_id, id + 1);
}

std::int64_t Store::AllocateId(std::string_view entity) { return table(entity).next_id++; }

std::int64_t Store::AllocateActionId(std::int64_t ticket_id) {
  auto& next = next_action_id_[ticket_id];
  if (next < 1) next = 1;
  return next++;
}

void Store::PutAction(std::int64_t ticket_id, std::int64_t action_id, Json row) {
  actions_[{ticket_id, action_id}] = std::move(row);
  auto& next = next_action_id_[ticket_id];
  next = std::max(next, action_id + 1);
}

void Store::EraseActions(std::int64_t ticket_id) {
  auto first = actions_.lower_bound({ticket_id, INT64_MIN});
  auto last = actions_.lower_bound({ticket_id + 1, INT64_MIN});
  actions_.erase(first, last);
}

Json Store::ToJson() const {
  Json tables = Json::object();
  for (auto const& [name, t] : tables_) {
    Json rows = Json::array();
    for (auto const& [id, row] : t.rows) rows.push_back(Json{{"key", id}, {"row", row}});
    tables[name] = Json{{"next_id", t.next_id}, {"rows", std::move(rows)}};
  }
  Json actions = Json::array();
  for (auto const& [key, row] : actions_) actions.push_back(row);
  Json next_actions = Json::object();
  for (auto const& [ticket, next] : next_action_id_) next_actions[std::to_string(ticket)] = next;
  return Json{{"format", "halo-sim/1"},
              {"meta", meta_},
              {"tables", std::move(tables)},
              {"actions", std::move(actions)},
              {"next_action_ids", std::move(next_actions)}};
}

std::optional<std::string> Store::FromJson(Json const& data) {
  tables_.clear();
  actions_.clear();
  next_action_id_.clear();
  meta_ = Json::object();
  try {
    if (!data.is_object() || data.value("format", "") != "halo-sim/1") {
      return "not a halo-sim data file (missing \"format\": \"halo-sim/1\")";
    }
    meta_ = data.value("meta", Json::object());
    for (auto const& [name, t] : data.at("tables").items()) {
      auto& table = this->table(name);
      for (auto const& entry : t.at("rows")) {
        table.rows[entry.at("key").get<std::int64_t>()] = entry.at("row");
      }
      table.next_id = t.at("next_id").get<std::int64_t>();
    }
    for (auto const& row : data.at("actions")) {
      PutAction(row.at("ticket_id").get<std::int64_t>(), row.at("id").get<std::int64_t>(), row);
    }
    auto const next_ids = data.value("next_action_ids", Json::object());
    for (auto const& [ticket, next] : next_ids.items()) {
      auto& slot = next_action_id_[std::stoll(ticket)];
      slot = std::max(slot, next.get<std::int64_t>());
    }
  } catch (std::exception const& e) {
    tables_.clear();
    actions_.clear();
    next_action_id_.clear();
    return std::string("malformed data file: ") + e.what();
  }
  return std::nullopt;
}

std::optional<std::string> Store::SaveToFile(std::string const& path) const {
  return WriteFileAtomic(path, ToJson().dump());
}

std::optional<std::string> Store::WriteFileAtomic(std::string const& path,
                                                  std::string const& content) {
  auto const tmp = path + ".tmp." + std::to_string(::getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    if (!out) return "cannot write " + tmp;
    out << content;
    out.flush();
    if (!out) {
      std::remove(tmp.c_str());
      return "write failed for " + tmp;
    }
  }
  if (std::rename(tmp.c_str(), path.c_str()) != 0) {
    std::remove(tmp.c_str());
    return "cannot rename " + tmp + " to " + path;
  }
  return std::nullopt;
}

std::optional<std::string> Store::LoadFromFile(std::string const& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return "cannot read " + path;
  std::stringstream buffer;
  buffer << in.rdbuf();
  auto data = Json::parse(buffer.str(), nullptr, /*allow_exceptions=*/false);
  if (data.is_discarded()) return path + " is not valid JSON";
  return FromJson(data);
}

std::string FormatTime(std::int64_t epoch_seconds) {
  auto t = static_cast<std::time_t>(epoch_seconds);
  std::tm tm{};
  ::gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S", &tm);
  return buf;
}

std::optional<std::int64_t> ParseTime(std::string_view text) {
  int y = 0, mo = 0, d = 0, h = 0, mi = 0, s = 0;
  std::string str(text);
  int n = std::sscanf(str.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s);
  if (n < 3) n = std::sscanf(str.c_str(), "%4d-%2d-%2d %2d:%2d:%2d", &y, &mo, &d, &h, &mi, &s);
  if (n < 3 || mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) {
    return std::nullopt;
  }
  std::tm tm{};
  tm.tm_year = y - 1900;
  tm.tm_mon = mo - 1;
  tm.tm_mday = d;
  tm.tm_hour = h;
  tm.tm_min = mi;
  tm.tm_sec = s;
  return static_cast<std::int64_t>(::timegm(&tm));
}

std::int64_t NowSeconds() {
  return std::chrono::duration_cast<std::chrono::seconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

}  // namespace halo_sim
