#include "sim/api_util.h"

#include "sim/tenant_generator.h"

#include <algorithm>
#include <cctype>

namespace halo_sim {

std::string Lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

bool ContainsLower(std::string_view haystack, std::string const& lower_needle) {
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
  if (i >= s.size() || s.size() > 19) return std::nullopt;
  std::int64_t v = 0;
  for (; i < s.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return std::nullopt;
    v = v * 10 + (s[i] - '0');
  }
  return negative ? -v : v;
}

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

double FieldNum(Json const& row, char const* field) {
  auto it = row.find(field);
  if (it == row.end()) return 0;
  return JsonNumber(*it).value_or(0);
}

std::string FieldStr(Json const& row, char const* field) {
  auto it = row.find(field);
  return it != row.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<std::int64_t> FieldTime(Json const& row, char const* field) {
  auto it = row.find(field);
  if (it == row.end() || !it->is_string()) return std::nullopt;
  return ParseTime(it->get<std::string>());
}

std::optional<std::string> Params::Get(std::string const& name) const {
  auto it = m_.find(name);
  if (it == m_.end()) return std::nullopt;
  return it->second;
}

bool Params::Flag(std::string const& name) const {
  auto v = Get(name);
  if (!v) return false;
  auto s = Lower(*v);
  return s == "true" || s == "1" || s == "yes";
}

bool Params::FlagOr(std::string const& name, bool fallback) const {
  return Has(name) ? Flag(name) : fallback;
}

std::optional<std::int64_t> Params::Int(std::string const& name) const {
  auto v = Get(name);
  return v ? ToInt(*v) : std::nullopt;
}

std::optional<std::set<std::int64_t>> Params::IntSet(std::string const& name) const {
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
  if (out.empty()) return std::nullopt;
  return out;
}

ApiResponse Error(int status, std::string const& message) {
  return ApiResponse{status, Json{{"error", message}}};
}

ApiResponse NotFound(std::string_view resource, std::string const& id) {
  return Error(404, "No " + std::string(resource) + " record found with id " + id);
}

ApiResponse FieldError(std::string const& field, std::string const& message) {
  return ApiResponse{400, Json{{field, message}}};
}

Staged& Stage(std::vector<Staged>& staged, std::string resource, std::int64_t id, Json row) {
  Staged s;
  s.resource = std::move(resource);
  s.create = id == 0;
  s.id = id;
  s.row = std::move(row);
  staged.push_back(std::move(s));
  return staged.back();
}

void MergeKnown(Json& row, Json const& in, std::set<std::string> const& skip) {
  for (auto const& [key, value] : in.items()) {
    if (skip.count(key) || !row.contains(key)) continue;
    row[key] = value;
  }
}

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

Json const* FindReferenced(Store const& store, Validator& v, char const* field, std::int64_t id,
                           char const* table, char const* noun) {
  if (id <= 0) return nullptr;
  auto const* row = store.Find(table, id);
  if (row == nullptr)
    v.Fail(field, std::string(noun) + " " + std::to_string(id) + " does not exist");
  return row;
}

std::optional<WriteTarget> LoadForWrite(Store const& store, std::string const& resource,
                                        Json const& in, Validator& v) {
  auto given = InputId(in, "id", v);
  if (!v.ok()) return std::nullopt;
  auto const id = given.value_or(0);
  if (id <= 0) return WriteTarget{NewRecord(resource), 0};
  auto const* existing = store.Find(resource, id);
  if (existing == nullptr) {
    v.FailNotFound("id", "No " + resource + " record with id " + std::to_string(id));
    return std::nullopt;
  }
  return WriteTarget{*existing, id};
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

bool InputTime(Json const& row, char const* field, Validator& v, std::int64_t& out) {
  auto it = row.find(field);
  if (it == row.end() || it->is_null() || (it->is_string() && it->get<std::string>().empty())) {
    v.Fail(field, std::string("A ") + field + " must be entered");
    return false;
  }
  auto t = it->is_string() ? ParseTime(it->get<std::string>()) : std::nullopt;
  if (!t) {
    v.Fail(field, std::string("The value for ") + field +
                      " is not a valid date (use YYYY-MM-DDTHH:MM:SS, UTC)");
    return false;
  }
  out = *t;
  return true;
}

bool IsClosedStatus(Store const& store, std::int64_t status_id) {
  auto const* s = store.Find("Status", status_id);
  return s != nullptr && FieldInt(*s, "type") == 1;
}

std::int64_t ApiAgentId(Store const& store) {
  return store.meta().value("api_agent_id", std::int64_t{0});
}

std::string AgentName(Store const& store, std::int64_t agent_id) {
  auto const* a = agent_id > 0 ? store.Find("Agent", agent_id) : nullptr;
  return a ? FieldStr(*a, "name") : "";
}

bool ScopeAllows(std::set<std::string> const& scopes, std::string_view area, bool write) {
  if (scopes.count("all")) return true;
  if (area.empty()) return !write || scopes.count("admin") > 0;
  std::string const a(area);
  return scopes.count("edit:" + a) > 0 || (!write && scopes.count("read:" + a) > 0);
}

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
      if (it->is_string() && ContainsLower(it->get<std::string>(), needle)) return true;
      if (it->is_number_integer() && std::to_string(it->get<std::int64_t>()) == needle) return true;
    }
    return false;
  });
}

void ReadActiveInactive(Params const& p, bool& active, bool& inactive) {
  auto both = p.Get("activeinactive");
  if (!both) return;
  // "Takes two comma separated values, the first sets includeactive and the second sets
  // includeinactive."
  auto comma = both->find(',');
  active = Lower(both->substr(0, comma)) == "true";
  inactive = comma != std::string::npos && Lower(both->substr(comma + 1)) == "true";
}

void AddActiveFilter(std::vector<Predicate>& preds, Params const& p, char const* field) {
  bool active = p.FlagOr("includeactive", true);
  bool inactive = p.Flag("includeinactive");
  ReadActiveInactive(p, active, inactive);
  preds.push_back([=](Json const& r) {
    auto it = r.find(field);
    bool const is_inactive = it != r.end() && JsonBool(*it);
    return is_inactive ? inactive : active;
  });
}

void AddDateRange(std::vector<Predicate>& preds, std::optional<std::string> const& start,
                  std::optional<std::string> const& end, char const* field) {
  auto from = start ? ParseTime(*start) : std::nullopt;
  auto to = end ? ParseTime(*end) : std::nullopt;
  if (to && end->size() <= 10) *to += 86399;
  if (!from && !to) return;
  preds.push_back([=](Json const& r) {
    auto t = FieldTime(r, field);
    if (!t) return false;
    return (!from || *t >= *from) && (!to || *t <= *to);
  });
}

void AddFlagFilter(std::vector<Predicate>& preds, Params const& p, std::string const& param,
                   char const* field) {
  if (p.Flag(param)) {
    preds.push_back([field](Json const& r) {
      auto it = r.find(field);
      return it != r.end() && JsonBool(*it);
    });
  }
}

}  // namespace halo_sim
