#include "sim/api_routes.h"

#include "sim/tenant_generator.h"

#include <algorithm>
#include <cctype>
#include <functional>
#include <map>
#include <set>
#include <string_view>

namespace halo_sim {
namespace {

using Row = Json const*;
using Predicate = std::function<bool(Json const&)>;

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool Contains(std::string_view haystack, std::string const& lower_needle) {
  return Lower(haystack).find(lower_needle) != std::string::npos;
}

std::optional<std::int64_t> ToInt(std::string_view s) {
  if (s.empty()) return std::nullopt;
  std::size_t i = 0;
  bool negative = false;
  if (s[0] == '-') {
    negative = true;
    i = 1;
  }
  if (i >= s.size()) return std::nullopt;
  std::int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return negative ? -v : v;
}

/// Integer from a JSON value the way a lenient .NET binder reads it: numbers and numeric strings.
std::optional<std::int64_t> JsonInt(Json const& v) {
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (v.is_number_float()) return static_cast<std::int64_t>(v.get<double>());
  if (v.is_string()) return ToInt(v.get<std::string>());
  return std::nullopt;
}

std::optional<double> JsonNumber(Json const& v) {
  if (v.is_number()) return v.get<double>();
  if (v.is_string()) {
    try {
      std::size_t used = 0;
      auto s = v.get<std::string>();
      double d = std::stod(s, &used);
      if (used == s.size()) return d;
    } catch (std::exception const&) {
    }
  }
  return std::nullopt;
}

bool JsonBool(Json const& v) {
  if (v.is_boolean()) return v.get<bool>();
  if (v.is_number()) return v.get<double>() != 0;
  if (v.is_string()) {
    auto s = Lower(v.get<std::string>());
    return s == "true" || s == "1" || s == "yes";
  }
  return false;
}

std::int64_t FieldInt(Json const& row, char const* field) {
  auto it = row.find(field);
  if (it == row.end()) return 0;
  return JsonInt(*it).value_or(0);
}

std::string FieldStr(Json const& row, char const* field) {
  auto it = row.find(field);
  return it != row.end() && it->is_string() ? it->get<std::string>() : std::string();
}

/// Query parameters; names are already lower-cased by the router.
class Params {
 public:
  explicit Params(std::multimap<std::string, std::string> const& m) : m_(m) {}

  std::optional<std::string> Get(std::string const& name) const {
    auto it = m_.find(name);
    if (it == m_.end()) return std::nullopt;
    return it->second;
  }
  bool Has(std::string const& name) const { return m_.count(name) > 0; }
  bool Flag(std::string const& name) const {
    auto v = Get(name);
    if (!v) return false;
    auto s = Lower(*v);
    return s == "true" || s == "1" || s == "yes";
  }
  /// false only when the parameter is present and false; default otherwise.
  bool FlagOr(std::string const& name, bool fallback) const {
    return Has(name) ? Flag(name) : fallback;
  }
  std::optional<std::int64_t> Int(std::string const& name) const {
    auto v = Get(name);
    return v ? ToInt(*v) : std::nullopt;
  }
  /// Comma lists and repeated parameters ("1,2" or "x=1&x=2"); non-numbers are skipped.
  std::optional<std::set<std::int64_t>> IntSet(std::string const& name) const {
    if (!Has(name)) return std::nullopt;
    std::set<std::int64_t> out;
    auto [first, last] = m_.equal_range(name);
    for (auto it = first; it != last; ++it) {
      std::string_view s = it->second;
      while (!s.empty()) {
        auto comma = s.find(',');
        auto part = s.substr(0, comma);
        while (!part.empty() && part.front() == ' ') part.remove_prefix(1);
        while (!part.empty() && part.back() == ' ') part.remove_suffix(1);
        if (auto v = ToInt(part)) out.insert(*v);
        if (comma == std::string_view::npos) break;
        s.remove_prefix(comma + 1);
      }
    }
    if (out.empty()) return std::nullopt;  // "status_id=" filters nothing
    return out;
  }

 private:
  std::multimap<std::string, std::string> const& m_;
};

Json FieldError(std::string const& field, std::string const& message) {
  return Json{{field, message}};
}

ApiResponse Error(int status, std::string const& message) {
  return ApiResponse{status, Json{{"error", message}}, false};
}

ApiResponse NotFound(std::string_view resource, std::string const& id) {
  return Error(404, "No " + std::string(resource) + " record found with id " + id);
}

bool IsClosedStatus(Store const& store, std::int64_t status_id) {
  auto const* s = store.Find("Status", status_id);
  return s != nullptr && FieldInt(*s, "type") == 1;
}

// --- Filters
// --------------------------------------------------------------------------------------

void AddIntEq(std::vector<Predicate>& preds, Params const& p, std::string const& param,
              char const* field) {
  if (auto v = p.Int(param)) {
    preds.push_back([v = *v, field](Json const& r) { return FieldInt(r, field) == v; });
  }
}

void AddIntIn(std::vector<Predicate>& preds, Params const& p, std::string const& param,
              char const* field) {
  if (auto v = p.IntSet(param)) {
    preds.push_back([v = *v, field](Json const& r) { return v.count(FieldInt(r, field)) > 0; });
  }
}

void AddSearch(std::vector<Predicate>& preds, Params const& p, std::vector<char const*> fields) {
  auto s = p.Get("search");
  if (!s || s->empty()) return;
  preds.push_back([needle = Lower(*s), fields = std::move(fields)](Json const& r) {
    for (auto const* f : fields) {
      auto it = r.find(f);
      if (it == r.end()) continue;
      if (it->is_string() && Contains(it->get<std::string>(), needle)) return true;
      if (it->is_number_integer() && std::to_string(it->get<std::int64_t>()) == needle) return true;
    }
    return false;
  });
}

/// Halo hides inactive records unless `includeinactive=true`; `includeactive=false` hides
/// active ones.
void AddActiveFilter(std::vector<Predicate>& preds, Params const& p, char const* field) {
  bool const inactive = p.Flag("includeinactive");
  bool const active = p.FlagOr("includeactive", true);
  preds.push_back([=](Json const& r) {
    auto it = r.find(field);
    bool const is_inactive = it != r.end() && JsonBool(*it);
    return is_inactive ? inactive : active;
  });
}

/// Date range on a "YYYY-MM-DDTHH:MM:SS" field; a date-only end includes the whole day.
void AddDateRange(std::vector<Predicate>& preds, std::optional<std::string> const& start,
                  std::optional<std::string> const& end, char const* field) {
  auto from = start ? ParseTime(*start) : std::nullopt;
  auto to = end ? ParseTime(*end) : std::nullopt;
  if (to && end->size() <= 10) *to += 86399;
  if (!from && !to) return;
  preds.push_back([=](Json const& r) {
    auto it = r.find(field);
    if (it == r.end() || !it->is_string()) return false;
    auto t = ParseTime(it->get<std::string>());
    if (!t) return false;
    return (!from || *t >= *from) && (!to || *t <= *to);
  });
}

std::vector<Predicate> TicketFilters(Store const& store, Params const& p) {
  std::vector<Predicate> preds;
  // The list filter is requesttype_id / requesttype; `tickettype_id` is NOT a list filter and is
  // ignored, exactly like HaloPSA does.
  AddIntEq(preds, p, "requesttype_id", "tickettype_id");
  AddIntIn(preds, p, "requesttype", "tickettype_id");
  AddIntEq(preds, p, "client_id", "client_id");
  AddIntIn(preds, p, "client_ids", "client_id");
  AddIntEq(preds, p, "site_id", "site_id");
  AddIntEq(preds, p, "user_id", "user_id");
  AddIntEq(preds, p, "agent_id", "agent_id");
  AddIntIn(preds, p, "status_id", "status_id");
  AddIntIn(preds, p, "status", "status_id");      // the spec's array filter (ids, comma-joined)
  AddIntIn(preds, p, "priority", "priority_id");  // the spec's name; `priority_id` is ignored
  AddIntIn(preds, p, "ticketids", "id");
  if (auto teams = p.IntSet("team")) {
    std::set<std::string> names;
    for (auto id : *teams) {
      if (auto const* t = store.Find("Team", id)) names.insert(FieldStr(*t, "name"));
    }
    preds.push_back([names](Json const& r) { return names.count(FieldStr(r, "team")) > 0; });
  }
  if (auto name = p.Get("team_name")) {
    preds.push_back([n = Lower(*name)](Json const& r) { return Lower(FieldStr(r, "team")) == n; });
  }
  if (p.Flag("open_only")) {
    preds.push_back(
        [&store](Json const& r) { return !IsClosedStatus(store, FieldInt(r, "status_id")); });
  }
  if (p.Flag("closed_only")) {
    preds.push_back(
        [&store](Json const& r) { return IsClosedStatus(store, FieldInt(r, "status_id")); });
  }
  AddSearch(preds, p, {"summary", "details", "id", "user_name", "client_name"});
  if (auto which = p.Get("datesearch")) {
    auto w = Lower(*which);
    // Halo spells the opened date "dateoccured" (sic) in datesearch.
    char const* field = w == "dateoccured" || w == "dateoccurred" ? "dateoccurred"
                        : w == "datecleared" || w == "dateclosed" ? "dateclosed"
                        : w == "lastactiondate"                   ? "lastactiondate"
                                                                  : nullptr;
    if (field != nullptr) AddDateRange(preds, p.Get("startdate"), p.Get("enddate"), field);
  }
  AddDateRange(preds, p.Get("lastupdatefromdate"), p.Get("lastupdatetodate"), "last_update");
  return preds;
}

std::vector<Predicate> FiltersFor(Store const& store, std::string const& resource,
                                  Params const& p) {
  std::vector<Predicate> preds;
  if (resource == "Tickets") return TicketFilters(store, p);
  if (resource == "Actions") {
    AddIntEq(preds, p, "ticket_id", "ticket_id");
    if (p.Flag("excludesys")) {
      preds.push_back([&store](Json const& r) {
        auto const* o = store.Find("Outcome", FieldInt(r, "outcome_id"));
        return o == nullptr || FieldInt(*o, "systemid") == 0;
      });
    }
    if (p.Flag("excludeprivate") || p.Flag("conversationonly")) {
      preds.push_back([](Json const& r) { return !r.value("hiddenfromuser", false); });
    }
    if (p.Flag("agentonly")) {
      preds.push_back([](Json const& r) { return FieldInt(r, "who_type") == 1; });
    }
    if (p.Flag("timeentriesonly")) {
      preds.push_back([](Json const& r) { return r.value("timetaken", 0.0) > 0; });
    }
    AddDateRange(preds, p.Get("startdate"), p.Get("enddate"), "datetime");
  } else if (resource == "Client") {
    AddActiveFilter(preds, p, "inactive");
    AddIntEq(preds, p, "toplevel_id", "toplevel_id");
    AddSearch(preds, p, {"name", "ref"});
  } else if (resource == "Site") {
    AddActiveFilter(preds, p, "inactive");
    AddIntEq(preds, p, "client_id", "client_id");
    AddSearch(preds, p, {"name", "client_name"});
  } else if (resource == "Users") {
    AddActiveFilter(preds, p, "inactive");
    AddIntEq(preds, p, "site_id", "site_id");
    if (auto client = p.Int("client_id")) {
      // Users carry no client_id field; the filter goes through the site.
      preds.push_back([&store, c = *client](Json const& r) {
        auto const* site = store.Find("Site", FieldInt(r, "site_id"));
        return site != nullptr && FieldInt(*site, "client_id") == c;
      });
    }
    AddSearch(preds, p, {"name", "emailaddress", "phonenumber"});
  } else if (resource == "Asset") {
    AddActiveFilter(preds, p, "inactive");
    AddIntEq(preds, p, "client_id", "client_id");
    AddIntEq(preds, p, "site_id", "site_id");  // `siteid` (HaloAPI's spelling) is ignored
    AddIntEq(preds, p, "assettype_id", "assettype_id");
    AddIntEq(preds, p, "user_id", "user_id");
    AddSearch(preds, p, {"inventory_number", "key_field", "key_field2", "key_field3", "username"});
  } else if (resource == "Agent") {
    bool const disabled = p.Flag("includedisabled");
    bool const enabled = p.FlagOr("includeenabled", true);
    bool const api = p.Flag("includeapiagents");
    preds.push_back([=](Json const& r) {
      if (r.value("isapiagent", false) && !api) return false;
      return r.value("isdisabled", false) ? disabled : enabled;
    });
    if (auto team_id = p.Int("team_id")) {
      preds.push_back([t = *team_id](Json const& r) {
        for (auto const& team : r.value("teams", Json::array())) {
          if (FieldInt(team, "team_id") == t) return true;
        }
        return false;
      });
    }
    if (auto team = p.Get("team")) {
      preds.push_back(
          [n = Lower(*team)](Json const& r) { return Lower(FieldStr(r, "team")) == n; });
    }
    AddSearch(preds, p, {"name", "email", "phonenumber"});
  } else if (resource == "KBArticle") {
    AddActiveFilter(preds, p, "inactive");
    AddSearch(preds, p, {"name", "description", "tags", "resolution"});
  } else if (resource == "ClientContract" || resource == "Invoice" || resource == "Quotation") {
    AddIntEq(preds, p, "client_id", "client_id");
    AddIntEq(preds, p, "site_id", "site_id");
    if (resource == "Quotation") AddIntEq(preds, p, "ticket_id", "ticket_id");
    AddSearch(preds, p, {"ref", "invoicenumber", "title", "client_name"});
  } else if (resource == "TimesheetEvent") {
    AddIntEq(preds, p, "agent_id", "agent_id");
    AddIntIn(preds, p, "agents", "agent_id");
    AddDateRange(preds, p.Get("start_date"), p.Get("end_date"), "start_date");
  } else if (resource == "Appointment") {
    AddIntIn(preds, p, "agents", "agent_id");
    AddIntEq(preds, p, "client_id", "client_id");
    AddIntEq(preds, p, "ticket_id", "ticket_id");
    AddDateRange(preds, p.Get("start_date"), p.Get("end_date"), "start_date");
    AddSearch(preds, p, {"subject"});
  } else if (resource == "Category") {
    AddIntEq(preds, p, "type_id", "type_id");
  } else if (resource == "Priority") {
    AddIntEq(preds, p, "slaid", "slaid");
  } else if (resource == "Status") {
    if (p.Flag("excludeclosed")) {
      preds.push_back([](Json const& r) { return FieldInt(r, "type") != 1; });
    }
  } else if (resource == "Team") {
    AddActiveFilter(preds, p, "inactive");
  }
  return preds;
}

// --- Lists
// ----------------------------------------------------------------------------------------

Json ProjectRow(std::string const& resource, Json const& row, Params const& p) {
  if (resource == "Tickets" && p.Flag("ticketidonly")) {
    return Json{{"id", row.at("id")},
                {"sla_id", row.value("sla_id", 0)},
                {"status_id", row.value("status_id", 0)},
                {"client_id", row.value("client_id", 0)},
                {"client_name", row.value("client_name", "")},
                {"lastincomingemail", row.value("lastincomingemail", Json())}};
  }
  if ((resource == "Invoice" || resource == "Quotation") && !p.Flag("includelines")) {
    Json copy = row;
    copy.erase("lines");
    return copy;
  }
  return row;
}

ApiResponse ListResource(Store& store, ApiOptions const& options, EntityInfo const& info,
                         Params const& p) {
  std::string const resource(info.name);
  std::vector<Row> rows;
  if (resource == "Actions") {
    for (auto const& [key, row] : store.actions()) rows.push_back(&row);
  } else if (auto const* t = store.find_table(resource)) {
    for (auto const& [id, row] : t->rows) rows.push_back(&row);
  }
  auto const preds = FiltersFor(store, resource, p);
  std::vector<Row> matches;
  for (auto const* r : rows) {
    if (std::all_of(preds.begin(), preds.end(), [r](Predicate const& f) { return f(*r); })) {
      matches.push_back(r);
    }
  }
  if (auto order = p.Get("order"); order && !order->empty()) {
    auto field = Lower(*order);
    bool const desc = p.Flag("orderdesc");
    std::stable_sort(matches.begin(), matches.end(), [&](Row a, Row b) {
      auto ia = a->find(field);
      auto ib = b->find(field);
      Json const va = ia == a->end() ? Json() : *ia;
      Json const vb = ib == b->end() ? Json() : *ib;
      return desc ? vb < va : va < vb;
    });
  } else if (p.Flag("orderdesc")) {
    std::reverse(matches.begin(), matches.end());
  }

  auto const total = static_cast<std::int64_t>(matches.size());
  std::int64_t offset = 0;
  std::int64_t limit = total;
  bool paged = false;
  std::int64_t page_size = 0, page_no = 0;
  // Paging happens only with pageinate=true AND page_no; otherwise page_size is ignored.
  if (p.Flag("pageinate") && p.Int("page_no")) {
    paged = true;
    page_no = std::max<std::int64_t>(1, *p.Int("page_no"));
    page_size = p.Int("page_size").value_or(options.default_page_size);
    if (page_size <= 0) page_size = options.default_page_size;
    page_size = std::min<std::int64_t>(page_size, info.max_page_size);
    offset = (page_no - 1) * page_size;
    limit = page_size;
  } else if (auto count = p.Int("count"); count && *count > 0) {
    limit = *count;
  } else if (info.default_limit) {
    limit = options.default_page_size;
  }
  // HaloPSA reports a live open_ticket_count on clients and sites; count it as it is now.
  std::map<std::int64_t, std::int64_t> open_counts;
  std::string const count_key = resource == "Client" ? "client_id" : "site_id";
  bool const counts = resource == "Client" || resource == "Site";
  if (counts) {
    if (auto const* tickets = store.find_table("Tickets")) {
      for (auto const& [id, t] : tickets->rows) {
        if (!IsClosedStatus(store, FieldInt(t, "status_id"))) {
          ++open_counts[FieldInt(t, count_key.c_str())];
        }
      }
    }
  }
  Json out = Json::array();
  for (auto i = offset; i < total && i < offset + limit; ++i) {
    out.push_back(ProjectRow(resource, *matches[static_cast<std::size_t>(i)], p));
    if (counts) out.back()["open_ticket_count"] = open_counts[FieldInt(out.back(), "id")];
  }
  if (info.list_key.empty()) return ApiResponse{200, std::move(out), false};
  Json body = Json::object();
  if (paged && options.echo_paging) {
    body["page_no"] = page_no;
    body["page_size"] = page_size;
  }
  body["record_count"] = total;
  body[std::string(info.list_key)] = std::move(out);
  return ApiResponse{200, std::move(body), false};
}

// --- Single records
// -------------------------------------------------------------------------------

Json const* FindPriority(Store const& store, std::string const& id) {
  auto const* t = store.find_table("Priority");
  if (t == nullptr) return nullptr;
  auto numeric = ToInt(id);
  for (auto const& [key, row] : t->rows) {
    if (FieldStr(row, "id") == id) return &row;
  }
  for (auto const& [key, row] : t->rows) {
    if (numeric && FieldInt(row, "priorityid") == *numeric) return &row;
  }
  return nullptr;
}

bool PriorityExists(Store const& store, std::int64_t priorityid) {
  auto const* t = store.find_table("Priority");
  if (t == nullptr) return false;
  return std::any_of(t->rows.begin(), t->rows.end(), [&](auto const& kv) {
    return FieldInt(kv.second, "priorityid") == priorityid;
  });
}

std::string PriorityName(Store const& store, std::int64_t priorityid, std::int64_t sla_id) {
  auto const* t = store.find_table("Priority");
  if (t == nullptr) return "";
  std::string fallback;
  for (auto const& [key, row] : t->rows) {
    if (FieldInt(row, "priorityid") != priorityid) continue;
    if (FieldInt(row, "slaid") == sla_id) return FieldStr(row, "name");
    if (fallback.empty()) fallback = FieldStr(row, "name");
  }
  return fallback;
}

ApiResponse GetOne(Store& store, ApiRequest const& req, Params const& p) {
  if (req.resource == "Agent" && Lower(req.id) == "me") {
    auto const id = store.meta().value("api_agent_id", std::int64_t{0});
    if (auto const* a = store.Find("Agent", id)) return ApiResponse{200, *a, false};
    return Error(404, "The API agent does not exist");
  }
  if (req.resource == "Priority") {
    if (auto const* row = FindPriority(store, req.id)) return ApiResponse{200, *row, false};
    return NotFound(req.resource, req.id);
  }
  auto id = ToInt(req.id);
  if (!id) return NotFound(req.resource, req.id);
  if (req.resource == "Actions") {
    auto ticket = p.Int("ticket_id");
    if (!ticket) return ApiResponse{400, FieldError("ticket_id", "ticket_id must be specified")};
    auto it = store.actions().find({*ticket, *id});
    if (it == store.actions().end()) {
      return Error(404, "No action " + req.id + " on ticket " + std::to_string(*ticket));
    }
    return ApiResponse{200, it->second, false};
  }
  auto const* row = store.Find(req.resource, *id);
  if (row == nullptr) return NotFound(req.resource, req.id);
  if ((req.resource == "Invoice" || req.resource == "Quotation")) {
    Json copy = *row;  // single records carry their lines
    return ApiResponse{200, std::move(copy), false};
  }
  return ApiResponse{200, *row, false};
}

// --- Writes
// ---------------------------------------------------------------------------------------

/// A staged change: validated fully before anything is committed.
struct Staged {
  std::string resource;
  bool create = false;
  std::int64_t id = 0;         // assigned on commit for creates
  std::int64_t ticket_id = 0;  // actions
  Json row;
  std::function<void(Store&, Json&)> commit;  // side effects (status changes, time, ...)
};

class Validator {
 public:
  explicit Validator(std::string prefix) : prefix_(std::move(prefix)) {}
  void Fail(std::string const& field, std::string const& message) {
    errors_[prefix_ + field] = message;
  }
  /// An update named an id that does not exist (answered with 404 for a single element).
  void FailNotFound(std::string const& field, std::string const& message) {
    Fail(field, message);
    not_found_ = true;
  }
  bool ok() const { return errors_.empty(); }
  bool not_found() const { return not_found_; }
  Json const& errors() const { return errors_; }

 private:
  std::string prefix_;
  bool not_found_ = false;
  Json errors_ = Json::object();
};

/// Copies known fields from `in` into `row`; fields the record does not have are ignored, like
/// HaloPSA ignores unknown properties. `skip` lists fields handled by the caller.
void MergeKnown(Json& row, Json const& in, std::set<std::string> const& skip) {
  for (auto const& [key, value] : in.items()) {
    if (skip.count(key) || !row.contains(key)) continue;
    row[key] = value;
  }
}

/// Integer id field from input; records a validation error for non-numbers.
std::optional<std::int64_t> InputId(Json const& in, char const* field, Validator& v) {
  auto it = in.find(field);
  if (it == in.end() || it->is_null()) return std::nullopt;
  auto value = JsonInt(*it);
  if (!value) {
    v.Fail(field, std::string("The value for ") + field + " is not a valid integer");
    return std::nullopt;
  }
  return value;
}

std::string StripTags(std::string const& html) {
  std::string out;
  bool in_tag = false;
  for (std::size_t i = 0; i < html.size(); ++i) {
    char c = html[i];
    if (c == '<') {
      in_tag = true;
      if (html.compare(i, 3, "<br") == 0 || html.compare(i, 3, "</p") == 0) out.push_back('\n');
    } else if (c == '>') {
      in_tag = false;
    } else if (!in_tag) {
      out.push_back(c);
    }
  }
  while (!out.empty() && (out.back() == '\n' || out.back() == ' ')) out.pop_back();
  return out;
}

/// Applies a status change to a ticket row: names, closed date, on-hold flag.
void ApplyStatus(Store const& store, Json& ticket, std::int64_t status_id, std::int64_t now) {
  auto const* s = store.Find("Status", status_id);
  bool const was_closed = IsClosedStatus(store, FieldInt(ticket, "status_id"));
  ticket["status_id"] = status_id;
  ticket["status_name"] = s ? FieldStr(*s, "name") : "";
  bool const closed = s && FieldInt(*s, "type") == 1;
  if (closed && !was_closed) {
    ticket["dateclosed"] = FormatTime(now);
    ticket["hasbeenclosed"] = true;
  } else if (!closed && was_closed) {
    ticket["dateclosed"] = nullptr;
  }
  ticket["onhold"] = s && !closed && FieldStr(*s, "slaaction") == "Hold";
}

void StageTicket(Store& store, ApiOptions const& options, Json const& in, std::int64_t now,
                 Validator& v, std::vector<Staged>& staged) {
  auto id = InputId(in, "id", v);
  bool const create = !id || *id <= 0;
  Json row;
  if (!create) {
    auto const* existing = store.Find("Tickets", *id);
    if (existing == nullptr) {
      v.FailNotFound("id", "Ticket " + std::to_string(*id) + " does not exist");
      return;
    }
    row = *existing;
  } else {
    row = NewRecord("Tickets");
  }
  auto const old_row = row;
  MergeKnown(row, in,
             {"id", "client_name", "site_name", "user_name", "status_name", "tickettype_name",
              "agent_name", "sla_name", "priority_name", "status_id", "timetaken", "datecreated",
              "hasbeenclosed", "api_url", "web_url"});
  if (auto it = in.find("summary"); it != in.end() && !it->is_string()) {
    v.Fail("summary", "The value for summary must be a string");
  }
  if (create && FieldStr(row, "summary").empty()) {
    v.Fail("summary", "A summary must be entered for this ticket");
  }
  auto const type_id = InputId(in, "tickettype_id", v);
  auto const client_in = InputId(in, "client_id", v);
  auto const site_in = InputId(in, "site_id", v);
  auto const user_in = InputId(in, "user_id", v);
  auto const agent_in = InputId(in, "agent_id", v);
  auto const status_in = InputId(in, "status_id", v);
  auto const priority_in = InputId(in, "priority_id", v);
  auto const sla_in = InputId(in, "sla_id", v);
  if (!v.ok()) return;

  Json const* type = nullptr;
  if (create && !type_id) {
    v.Fail("tickettype_id", "A ticket type must be selected (tickettype_id)");
  } else if (type_id) {
    type = store.Find("TicketType", *type_id);
    if (type == nullptr) {
      v.Fail("tickettype_id", "Ticket type " + std::to_string(*type_id) + " does not exist");
    } else if (create && type->value("requires_cab_approval", false)) {
      v.Fail("approval", "CODE:APP03/2 Please select the CAB members to approve");
    }
  } else {
    type = store.Find("TicketType", FieldInt(row, "tickettype_id"));
  }

  // Client, site and user must agree with each other.
  std::int64_t client_id = FieldInt(row, "client_id");
  std::int64_t site_id = FieldInt(row, "site_id");
  std::int64_t user_id = FieldInt(row, "user_id");
  if (client_in) client_id = *client_in;
  if (site_in) site_id = *site_in;
  if (user_in) user_id = *user_in;
  Json const* client = client_id > 0 ? store.Find("Client", client_id) : nullptr;
  if (client_in && *client_in > 0 && client == nullptr) {
    v.Fail("client_id", "Client " + std::to_string(*client_in) + " does not exist");
  }
  Json const* user = user_id > 0 ? store.Find("Users", user_id) : nullptr;
  if (user_in && *user_in > 0 && user == nullptr) {
    v.Fail("user_id", "User " + std::to_string(*user_in) + " does not exist");
  }
  if (create && user_in && *user_in > 0 && !site_in && options.require_site_for_user) {
    v.Fail("site_id", "A site_id must be entered when a user is selected");
  }
  Json const* site = site_id > 0 ? store.Find("Site", site_id) : nullptr;
  if (site_in && *site_in > 0 && site == nullptr) {
    v.Fail("site_id", "Site " + std::to_string(*site_in) + " does not exist");
  }
  if (!v.ok()) return;
  if (client == nullptr && site != nullptr) {
    client_id = FieldInt(*site, "client_id");
    client = store.Find("Client", client_id);
  }
  if (site != nullptr && client != nullptr && FieldInt(*site, "client_id") != client_id) {
    v.Fail("site_id", "Site " + std::to_string(site_id) + " does not belong to client " +
                          std::to_string(client_id));
  }
  if (user != nullptr && site != nullptr && FieldInt(*user, "site_id") != site_id) {
    auto const* user_site = store.Find("Site", FieldInt(*user, "site_id"));
    if (user_site == nullptr || FieldInt(*user_site, "client_id") != client_id) {
      v.Fail("user_id", "User " + std::to_string(user_id) + " does not belong to client " +
                            std::to_string(client_id));
    }
  }
  if (client != nullptr && site == nullptr) {
    site_id = FieldInt(*client, "main_site_id");
    site = store.Find("Site", site_id);
  }

  Json const* agent = nullptr;
  std::int64_t agent_id = agent_in ? *agent_in : FieldInt(row, "agent_id");
  if (agent_id > 0) {
    agent = store.Find("Agent", agent_id);
    if (agent == nullptr)
      v.Fail("agent_id", "Agent " + std::to_string(agent_id) + " does not exist");
  }
  std::int64_t status_id = status_in        ? *status_in
                           : create && type ? FieldInt(*type, "initial_status")
                                            : FieldInt(row, "status_id");
  if (store.Find("Status", status_id) == nullptr) {
    v.Fail("status_id", "Status " + std::to_string(status_id) + " does not exist");
  }
  std::int64_t priority_id = priority_in      ? *priority_in
                             : create && type ? FieldInt(*type, "default_priority")
                                              : FieldInt(row, "priority_id");
  if (!PriorityExists(store, priority_id)) {
    v.Fail("priority_id", "Priority " + std::to_string(priority_id) + " does not exist");
  }
  std::int64_t sla_id = sla_in                      ? *sla_in
                        : create && site != nullptr ? FieldInt(*site, "sla_id")
                        : create && type != nullptr ? FieldInt(*type, "default_sla")
                                                    : FieldInt(row, "sla_id");
  Json const* sla = store.Find("SLA", sla_id);
  if (sla_in && sla == nullptr)
    v.Fail("sla_id", "SLA " + std::to_string(*sla_in) + " does not exist");
  if (in.contains("team")) {
    auto team = FieldStr(in, "team");
    auto const* teams = store.find_table("Team");
    bool found = team.empty();
    if (teams != nullptr) {
      for (auto const& [tid, t] : teams->rows) found = found || FieldStr(t, "name") == team;
    }
    if (!found) v.Fail("team", "Team '" + team + "' does not exist");
  }
  for (int n = 1; n <= 4; ++n) {
    auto key = "categoryid_" + std::to_string(n);
    if (auto it = in.find(key); it != in.end() && !it->is_null()) {
      auto cid = JsonInt(*it);
      auto const* cat = cid ? store.Find("Category", *cid) : nullptr;
      if (cid && *cid == 0) {
        row["category_" + std::to_string(n)] = "";
      } else if (cat == nullptr) {
        v.Fail(key, "Category " + it->dump() + " does not exist");
      } else {
        row["category_" + std::to_string(n)] = FieldStr(*cat, "value");
      }
    }
  }
  if (!v.ok()) return;

  row["client_id"] = client_id;
  row["client_name"] = client ? FieldStr(*client, "name") : "";
  row["site_id"] = site_id;
  row["site_name"] = site ? FieldStr(*site, "name") : "";
  row["user_id"] = user_id;
  if (user != nullptr) {
    row["user_name"] = FieldStr(*user, "name");
  } else if (user_id == 0) {
    row["user_name"] = "";
  }
  if (user != nullptr && (create || user_in)) {
    row["user_email"] = FieldStr(*user, "emailaddress");
    if (!in.contains("reportedby")) row["reportedby"] = FieldStr(*user, "name");
  }
  row["tickettype_id"] = type ? FieldInt(*type, "id") : 0;
  row["tickettype_name"] = type ? FieldStr(*type, "name") : "";
  row["agent_id"] = agent_id;
  row["agent_name"] = agent ? FieldStr(*agent, "name") : "";
  if (agent_in && agent_id != FieldInt(old_row, "agent_id")) {
    row["dateassigned"] = agent_id > 0 ? Json(FormatTime(now)) : Json();
  }
  if (create && !in.contains("team") && type != nullptr)
    row["team"] = type->value("default_team", "");
  row["priority_id"] = priority_id;
  row["priority_name"] = PriorityName(store, priority_id, sla_id);
  row["sla_id"] = sla_id;
  row["sla_name"] = sla ? FieldStr(*sla, "name") : "";
  if (in.contains("details_html") && !in.contains("details")) {
    row["details"] = StripTags(FieldStr(row, "details_html"));
  } else if (in.contains("details") && !in.contains("details_html")) {
    row["details_html"] = HtmlEscape(FieldStr(row, "details"));
  }
  if (create) {
    if (row["dateoccurred"].is_null()) row["dateoccurred"] = FormatTime(now);
    row["datecreated"] = FormatTime(now);
    row["source"] = in.contains("source") ? row["source"] : Json(0);
    row["status_id"] = 0;  // so ApplyStatus sees a fresh ticket
  }
  if (create || status_id != FieldInt(old_row, "status_id")) {
    ApplyStatus(store, row, status_id, now);
  }
  row["last_update"] = FormatTime(now);
  if (create) row["lastactiondate"] = FormatTime(now);

  Staged s;
  s.resource = "Tickets";
  s.create = create;
  s.id = create ? 0 : *id;
  s.row = std::move(row);
  staged.push_back(std::move(s));
}

/// HaloPSA's action outcomes: by name (outcome or button name) or id.
Json const* FindOutcome(Store const& store, Json const& in) {
  auto const* t = store.find_table("Outcome");
  if (t == nullptr) return nullptr;
  if (auto it = in.find("outcome_id"); it != in.end() && !it->is_null()) {
    if (auto id = JsonInt(*it)) return store.Find("Outcome", *id);
  }
  auto name = Lower(FieldStr(in, "outcome"));
  for (auto const& [id, o] : t->rows) {
    if (Lower(FieldStr(o, "outcome")) == name || Lower(FieldStr(o, "buttonname")) == name) {
      return &o;
    }
  }
  return nullptr;
}

bool HasOutcome(Json const& in) {
  auto id = in.find("outcome_id");
  if (id != in.end() && !id->is_null() && JsonInt(*id).value_or(0) > 0) return true;
  return !FieldStr(in, "outcome").empty();
}

void StageAction(Store& store, Json const& in, std::int64_t now, Validator& v,
                 std::vector<Staged>& staged) {
  auto id = InputId(in, "id", v);
  auto ticket_id = InputId(in, "ticket_id", v);
  if (!v.ok()) return;
  bool const create = !id || *id <= 0;
  if (!ticket_id || *ticket_id <= 0) {
    v.Fail("ticket_id", "An Action must be associated with a ticket_id");
    return;
  }
  auto const* ticket = store.Find("Tickets", *ticket_id);
  if (ticket == nullptr) {
    v.Fail("ticket_id", "Ticket " + std::to_string(*ticket_id) + " does not exist");
    return;
  }
  Json row;
  if (!create) {
    auto it = store.actions().find({*ticket_id, *id});
    if (it == store.actions().end()) {
      v.FailNotFound("id", "Action " + std::to_string(*id) + " does not exist on ticket " +
                               std::to_string(*ticket_id));
      return;
    }
    row = it->second;
  } else {
    row = NewRecord("Actions");
  }
  Json const* outcome = nullptr;
  if (create || HasOutcome(in)) {
    if (!HasOutcome(in)) {
      v.Fail("outcome", "An Outcome must be entered for this Action");
      return;
    }
    outcome = FindOutcome(store, in);
    if (outcome == nullptr || outcome->value("api_restricted", false)) {
      v.Fail("outcome", "You do not have access to this Action at the moment");
      return;
    }
  }
  double const old_time = row.value("timetaken", 0.0);
  MergeKnown(row, in,
             {"id", "ticket_id", "outcome", "outcome_id", "who", "who_agentid", "who_type",
              "timetaken", "new_status", "new_status_name", "actiondatecreated"});
  double time = old_time;
  if (auto it = in.find("timetaken"); it != in.end() && !it->is_null()) {
    auto hours = JsonNumber(*it);
    if (!hours || *hours < 0) {
      v.Fail("timetaken", "timetaken must be a number of hours");
      return;
    }
    time = *hours;
  }
  std::int64_t new_status = 0;
  if (auto it = in.find("new_status"); it != in.end() && !it->is_null()) {
    auto s = JsonInt(*it);
    if (!s || (*s != 0 && store.Find("Status", *s) == nullptr)) {
      v.Fail("new_status", "Status " + it->dump() + " does not exist");
      return;
    }
    new_status = *s;
  } else if (create && outcome != nullptr) {
    new_status = FieldInt(*outcome, "newstatus");
  }
  if (outcome != nullptr) {
    row["outcome"] = FieldStr(*outcome, "outcome");
    row["outcome_id"] = FieldInt(*outcome, "id");
    if (create && !in.contains("hiddenfromuser")) {
      row["hiddenfromuser"] = outcome->value("hidefromuser", false);
    }
  }
  if (in.contains("note_html") && !in.contains("note")) {
    row["note"] = StripTags(FieldStr(row, "note_html"));
  } else if (in.contains("note") && !in.contains("note_html")) {
    row["note_html"] = HtmlEscape(FieldStr(row, "note"));
  }
  row["ticket_id"] = *ticket_id;
  row["timetaken"] = time;
  row["timetakendays"] = time / 8.0;
  auto const api_agent = store.meta().value("api_agent_id", std::int64_t{0});
  if (create) {
    auto const* agent = store.Find("Agent", api_agent);
    row["who"] = agent ? FieldStr(*agent, "name") : "API";
    row["who_type"] = 1;
    row["who_agentid"] = api_agent;
    row["actionby_agent_id"] = api_agent;
    if (row["datetime"].is_null()) row["datetime"] = FormatTime(now);
    row["actiondatecreated"] = FormatTime(now);
  }
  if (new_status != 0) {
    row["new_status"] = new_status;
    row["new_status_name"] = FieldStr(*store.Find("Status", new_status), "name");
  }
  Staged s;
  s.resource = "Actions";
  s.create = create;
  s.id = create ? 0 : *id;
  s.ticket_id = *ticket_id;
  s.row = std::move(row);
  double const delta = time - old_time;
  s.commit = [delta, new_status, now, api_agent, create](Store& st, Json& action) {
    auto* t = st.Find("Tickets", action["ticket_id"].get<std::int64_t>());
    if (t == nullptr) return;
    // timetaken is in hours and accumulates on the ticket.
    (*t)["timetaken"] = t->value("timetaken", 0.0) + delta;
    (*t)["chargeabletime"] = t->value("chargeabletime", 0.0) + delta;
    (*t)["lastactiondate"] = FormatTime(now);
    (*t)["last_update"] = FormatTime(now);
    if (new_status != 0 && new_status != FieldInt(*t, "status_id")) {
      ApplyStatus(st, *t, new_status, now);
    }
    if (create && delta > 0) {
      auto const event_id = st.AllocateId("TimesheetEvent");
      auto const end = now;
      auto const start = end - static_cast<std::int64_t>(delta * 3600);
      st.Put("TimesheetEvent", event_id,
             Json{{"id", event_id},
                  {"event_type", 0},
                  {"subject",
                   "#" + std::to_string(FieldInt(*t, "id")) + " " + FieldStr(*t, "summary")},
                  {"start_date", FormatTime(start)},
                  {"end_date", FormatTime(end)},
                  {"timetaken", delta},
                  {"agent_id", api_agent},
                  {"ticket_id", FieldInt(*t, "id")},
                  {"action_number", action["id"]},
                  {"note", action.value("note", "")},
                  {"client_id", FieldInt(*t, "client_id")},
                  {"client_name", FieldStr(*t, "client_name")},
                  {"site_id", FieldInt(*t, "site_id")},
                  {"charge_rate", 1},
                  {"traveltime", 0.0}});
    }
  };
  staged.push_back(std::move(s));
}

/// Client, Site, Users, Asset and the generic resources.
void StageRecord(Store& store, std::string const& resource, Json const& in, Validator& v,
                 std::vector<Staged>& staged) {
  auto id = InputId(in, "id", v);
  if (!v.ok()) return;
  bool const create = !id || *id <= 0;
  Json row;
  if (!create) {
    auto const* existing = store.Find(resource, *id);
    if (existing == nullptr) {
      v.FailNotFound("id", "No " + resource + " record with id " + std::to_string(*id));
      return;
    }
    row = *existing;
  } else {
    row = NewRecord(resource);
  }
  bool const generic = row.size() <= 1;  // no template: keep every field sent
  if (generic) {
    for (auto const& [key, value] : in.items()) {
      if (key != "id") row[key] = value;
    }
  } else {
    MergeKnown(row, in, {"id", "client_name", "site_name", "assettype_name", "main_site_name"});
  }
  auto const client_in = InputId(in, "client_id", v);
  auto const site_in = InputId(in, "site_id", v);
  if (!v.ok()) return;

  if (resource == "Client") {
    if (create && FieldStr(row, "name").empty()) v.Fail("name", "A name must be entered");
  } else if (resource == "Site") {
    if (create && FieldStr(row, "name").empty()) v.Fail("name", "A name must be entered");
    auto cid = client_in.value_or(FieldInt(row, "client_id"));
    auto const* client = store.Find("Client", cid);
    if (client == nullptr) {
      v.Fail("client_id", cid ? "Client " + std::to_string(cid) + " does not exist"
                              : "A client_id must be entered for a site");
    } else {
      row["client_id"] = cid;
      row["client_name"] = FieldStr(*client, "name");
      row["clientsite_name"] = FieldStr(*client, "name") + " / " + FieldStr(row, "name");
    }
  } else if (resource == "Users") {
    if (create && FieldStr(row, "name").empty()) {
      auto full = FieldStr(row, "firstname") + " " + FieldStr(row, "surname");
      if (full.size() > 1) row["name"] = full.front() == ' ' ? full.substr(1) : full;
    }
    if (create && FieldStr(row, "name").empty()) v.Fail("name", "A name must be entered");
    std::int64_t sid = site_in.value_or(FieldInt(row, "site_id"));
    if (sid <= 0 && client_in) {
      if (auto const* c = store.Find("Client", *client_in)) sid = FieldInt(*c, "main_site_id");
    }
    auto const* site = store.Find("Site", sid);
    if (site == nullptr) {
      v.Fail("site_id", sid ? "Site " + std::to_string(sid) + " does not exist"
                            : "A site_id must be entered for a user");
    } else {
      row["site_id"] = sid;
      row["site_name"] = FieldStr(*site, "name");
      row["client_name"] = FieldStr(*site, "client_name");
    }
  } else if (resource == "Asset") {
    auto cid = client_in.value_or(FieldInt(row, "client_id"));
    auto const* client = store.Find("Client", cid);
    if (client == nullptr) {
      v.Fail("client_id", cid ? "Client " + std::to_string(cid) + " does not exist"
                              : "A client_id must be entered for an asset");
      return;
    }
    auto tid = InputId(in, "assettype_id", v).value_or(FieldInt(row, "assettype_id"));
    auto const* type = store.Find("AssetType", tid);
    if (type == nullptr) {
      v.Fail("assettype_id", tid ? "Asset type " + std::to_string(tid) + " does not exist"
                                 : "An assettype_id must be entered for an asset");
      return;
    }
    std::int64_t sid = site_in.value_or(FieldInt(row, "site_id"));
    if (sid <= 0) sid = FieldInt(*client, "main_site_id");
    auto const* site = store.Find("Site", sid);
    if (site == nullptr || FieldInt(*site, "client_id") != cid) {
      v.Fail("site_id",
             "Site " + std::to_string(sid) + " does not belong to client " + std::to_string(cid));
      return;
    }
    row["client_id"] = cid;
    row["client_name"] = FieldStr(*client, "name");
    row["site_id"] = sid;
    row["site_name"] = FieldStr(*site, "name");
    row["assettype_id"] = tid;
    row["assettype_name"] = FieldStr(*type, "name");
  }
  if (!v.ok()) return;
  Staged s;
  s.resource = resource;
  s.create = create;
  s.id = create ? 0 : *id;
  s.row = std::move(row);
  if (resource == "Client" && create) {
    // HaloPSA gives every new client a "Main" site.
    s.commit = [](Store& st, Json& client) {
      auto const site_id = st.AllocateId("Site");
      Json site = NewRecord("Site");
      site["id"] = site_id;
      site["name"] = "Main";
      site["client_id"] = client["id"];
      site["client_name"] = client["name"];
      site["clientsite_name"] = client["name"].get<std::string>() + " / Main";
      site["sla_id"] = 1;
      st.Put("Site", site_id, site);
      client["main_site_id"] = site_id;
      client["main_site_name"] = "Main";
    };
  }
  staged.push_back(std::move(s));
}

Json ProblemDetails(std::string const& message) {
  return Json{{"type", "https://tools.ietf.org/html/rfc7231#section-6.5.1"},
              {"title", "One or more validation errors occurred."},
              {"status", 400},
              {"errors", Json{{"$", Json::array({message})}}}};
}

ApiResponse Post(Store& store, ApiOptions const& options, ApiRequest const& req, std::int64_t now) {
  if (!req.id.empty())
    return Error(404, "POST is not supported on /api/" + req.resource + "/" + req.id);
  auto body = Json::parse(req.body, nullptr, /*allow_exceptions=*/false);
  if (body.is_discarded()) {
    return ApiResponse{400, ProblemDetails("The request body is not valid JSON."), false};
  }
  if (body.is_object() && options.accept_bare_object) body = Json::array({body});
  if (!body.is_array()) {
    // Halo binds the body to a list; anything else fails model binding with a message that does
    // not mention the array.
    return ApiResponse{
        400, ProblemDetails("The JSON value could not be converted to the request model."), false};
  }
  if (body.empty()) return ApiResponse{400, ProblemDetails("The request body is empty."), false};
  std::vector<Staged> staged;
  Json errors = Json::object();
  bool not_found = false;
  for (std::size_t i = 0; i < body.size(); ++i) {
    Validator v(body.size() > 1 ? "[" + std::to_string(i) + "]." : "");
    auto const& in = body[i];
    if (!in.is_object()) {
      v.Fail("", "Each element must be a JSON object");
    } else if (req.resource == "Tickets") {
      StageTicket(store, options, in, now, v, staged);
    } else if (req.resource == "Actions") {
      StageAction(store, in, now, v, staged);
    } else {
      StageRecord(store, req.resource, in, v, staged);
    }
    errors.update(v.errors());
    not_found = not_found || v.not_found();
  }
  if (!errors.empty()) {
    // An unknown id on a single-element update is a 404, everything else a validation failure.
    return ApiResponse{body.size() == 1 && not_found ? 404 : 400, errors, false};
  }
  // Commit in order; actions get the ticket's next number.
  Json saved = Json::array();
  for (auto& s : staged) {
    if (s.resource == "Actions") {
      auto const action_id = s.create ? store.AllocateActionId(s.ticket_id) : s.id;
      s.row["id"] = action_id;
      if (s.commit) s.commit(store, s.row);
      store.PutAction(s.ticket_id, action_id, s.row);
    } else {
      auto const id = s.create ? store.AllocateId(s.resource) : s.id;
      s.row["id"] = id;
      if (s.resource == "Tickets") {
        s.row["web_url"] = "/tickets?id=" + std::to_string(id);
        s.row["api_url"] = "/api/Tickets/" + std::to_string(id);
      }
      if (s.commit) s.commit(store, s.row);
      store.Put(s.resource, id, s.row);
    }
    saved.push_back(s.row);
  }
  if (saved.size() == 1) return ApiResponse{200, saved[0], true};
  return ApiResponse{200, std::move(saved), true};
}

ApiResponse Delete(Store& store, ApiRequest const& req, Params const& p) {
  auto id = ToInt(req.id);
  if (req.id.empty()) return Error(404, "DELETE needs an id: /api/" + req.resource + "/{id}");
  if (req.resource == "Actions") {
    auto ticket = p.Int("ticket_id");
    if (!ticket) {
      return ApiResponse{
          400, FieldError("ticket_id", "ticket_id must be included when deleting an Action"),
          false};
    }
    auto it = id ? store.actions().find({*ticket, *id}) : store.actions().end();
    if (it == store.actions().end()) {
      return Error(404, "No action " + req.id + " on ticket " + std::to_string(*ticket));
    }
    Json row = std::move(it->second);
    store.actions().erase(it);
    return ApiResponse{200, std::move(row), true};
  }
  if (req.resource == "Priority") return Error(400, "Priorities cannot be deleted through the API");
  if (!id) return NotFound(req.resource, req.id);
  auto& table = store.table(req.resource);
  auto it = table.rows.find(*id);
  if (it == table.rows.end()) return NotFound(req.resource, req.id);
  Json row = std::move(it->second);
  table.rows.erase(it);
  if (req.resource == "Tickets") store.EraseActions(*id);
  return ApiResponse{200, std::move(row), true};
}

}  // namespace

ApiResponse HandleApi(Store& store, ApiOptions const& options, ApiRequest const& request,
                      std::int64_t now) {
  auto const* info = FindEntity(request.resource);
  if (info == nullptr) return Error(404, "Unknown resource " + request.resource);
  Params const params(request.params);
  try {
    if (request.method == "GET") {
      if (request.id.empty()) return ListResource(store, options, *info, params);
      return GetOne(store, request, params);
    }
    if (request.method == "POST") return Post(store, options, request, now);
    if (request.method == "DELETE") return Delete(store, request, params);
  } catch (std::exception const& e) {
    // Malformed client data must never take the simulator down.
    return Error(500, std::string("Internal error: ") + e.what());
  }
  return Error(405, "Method not allowed");
}

}  // namespace halo_sim
