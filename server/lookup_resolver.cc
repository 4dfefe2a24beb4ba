#include "server/lookup_resolver.h"

#include <algorithm>
#include <cctype>

namespace mcp {

using halo::StatusOr;
using nlohmann::json;

namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

bool AllDigits(std::string const& s) {
  return !s.empty() && s.size() < 12 &&
         std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::size_t EditDistance(std::string const& a, std::string const& b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] = std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] != b[j - 1])});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

std::vector<std::string> NameFields(json const& spec) {
  std::vector<std::string> out;
  for (auto const& n : spec.value("name", json::array({"name"})))
    out.push_back(n.get<std::string>());
  return out;
}

std::string Label(json const& record, json const& spec) {
  std::string id_field = spec.value("id", "id");
  std::string label;
  for (auto const& f : NameFields(spec)) {
    auto it = record.find(f);
    if (it != record.end() && it->is_string() && !it->get<std::string>().empty()) {
      label = it->get<std::string>();
      break;
    }
  }
  return label + " (" + record.value(id_field, json()).dump() + ")";
}

}  // namespace

LookupResolver::LookupResolver(std::shared_ptr<halo::HaloClient> client, json lookups,
                               std::shared_ptr<halo::Clock const> clock, std::chrono::seconds ttl)
    : client_(std::move(client)),
      lookups_(std::move(lookups)),
      clock_(std::move(clock)),
      ttl_(ttl) {}

StatusOr<json> LookupResolver::Records(std::string const& kind, std::string const& search,
                                       halo::CallContext const& ctx) {
  json const& spec = lookups_[kind];
  std::string key = search.empty() ? kind : kind + "?" + Lower(search);
  {
    std::lock_guard lock(mu_);
    auto it = cache_.find(key);
    if (it != cache_.end() && clock_->Now() - it->second.fetched < ttl_) return it->second.records;
  }
  halo::ListRequest req;
  req.path = spec.value("path", "");
  req.list_key = spec.value("list_key", "");
  req.paginate = spec.value("paginate", false);
  req.limit = spec.value("limit", 0);
  json const fixed_query = spec.value("query", json::object());
  for (auto const& [k, v] : fixed_query.items()) {
    req.query.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
  }
  if (!search.empty()) req.query.emplace_back(spec.value("search", "search"), search);
  auto result = client_->List(req, ctx);
  if (!result.ok()) return result.status();
  std::lock_guard lock(mu_);
  cache_[key] = Entry{clock_->Now(), result->records};
  return result->records;
}

StatusOr<json> LookupResolver::Resolve(std::string const& kind, json const& value,
                                       halo::CallContext const& ctx) {
  if (!lookups_.contains(kind)) return halo::InternalError("no lookup named " + kind);
  json const& spec = lookups_[kind];
  std::string const noun = spec.value("noun", kind);
  std::string const id_field = spec.value("id", "id");
  if (value.is_number_integer()) return value;
  if (!value.is_string()) {
    return halo::InvalidArgumentError(noun + " must be a name or an id, got " + value.dump());
  }
  std::string const text = value.get<std::string>();
  if (AllDigits(text)) {
    return spec.value("string_id", false) ? json(text) : json(std::stoll(text));
  }
  if (text.empty()) return halo::InvalidArgumentError(noun + " name must not be empty");
  bool searchable = spec.contains("search");
  auto records = Records(kind, searchable ? text : "", ctx);
  if (!records.ok()) return records.status();
  std::string const wanted = Lower(text);
  std::vector<json const*> exact, partial;
  for (auto const& r : *records) {
    bool is_exact = false, is_partial = false;
    for (auto const& f : NameFields(spec)) {
      auto it = r.find(f);
      if (it == r.end() || !it->is_string()) continue;
      std::string name = Lower(it->get<std::string>());
      is_exact |= name == wanted;
      is_partial |= name.find(wanted) != std::string::npos;
    }
    if (is_exact) exact.push_back(&r);
    if (is_partial) partial.push_back(&r);
  }
  auto const& pick = exact.size() == 1 ? exact : partial;
  if (pick.size() == 1) return pick.front()->value(id_field, json());
  std::string message;
  std::vector<json const*> candidates;
  if (exact.size() > 1 || (exact.empty() && partial.size() > 1)) {
    candidates = exact.size() > 1 ? exact : partial;
    message = noun + " \"" + text + "\" is ambiguous (" + std::to_string(candidates.size()) +
              " match); use an id or the exact name: ";
  } else {
    // Unknown: offer the closest names by edit distance.
    for (auto const& r : *records) candidates.push_back(&r);
    auto distance = [&](json const* r) {
      std::size_t best = SIZE_MAX;
      for (auto const& f : NameFields(spec)) {
        auto it = r->find(f);
        if (it != r->end() && it->is_string()) {
          best = std::min(best, EditDistance(Lower(it->get<std::string>()), wanted));
        }
      }
      return best;
    };
    std::stable_sort(candidates.begin(), candidates.end(),
                     [&](json const* a, json const* b) { return distance(a) < distance(b); });
    message = "no " + noun + " named \"" + text + "\"";
    message += candidates.empty() ? "" : "; closest: ";
    if (candidates.empty() && searchable) {
      message += "; try a shorter part of the name, or list them with the " + noun + " list tool";
    }
  }
  for (std::size_t i = 0; i < candidates.size() && i < 5; ++i) {
    message += (i ? ", " : "") + Label(*candidates[i], spec);
  }
  json fields{{kind, text}};
  return halo::InvalidArgumentError(message, halo::ErrorInfo{0, fields, std::nullopt, ""});
}

StatusOr<json> LookupResolver::ResolveFirst(std::string const& kind,
                                            std::vector<std::string> const& names,
                                            halo::CallContext const& ctx) {
  halo::Status last = halo::InvalidArgumentError("no default " + kind + " configured");
  for (auto const& n : names) {
    auto id = Resolve(kind, json(n), ctx);
    if (id.ok()) return id;
    last = id.status();
    if (last.code() != halo::StatusCode::kInvalidArgument) return last;
  }
  return last;
}

std::string LookupResolver::NameOf(std::string const& kind, json const& id,
                                   halo::CallContext const& ctx) {
  if (!lookups_.contains(kind) || id.is_null()) return "";
  json const& spec = lookups_[kind];
  if (spec.contains("search")) return "";  // large lists are never loaded whole for names
  auto records = Records(kind, "", ctx);
  if (!records.ok()) return "";
  std::string const id_field = spec.value("id", "id");
  for (auto const& r : *records) {
    auto it = r.find(id_field);
    if (it == r.end()) continue;
    if (*it == id || (it->is_number() && id.is_string() && it->dump() == id.get<std::string>())) {
      for (auto const& f : NameFields(spec)) {
        auto n = r.find(f);
        if (n != r.end() && n->is_string()) return n->get<std::string>();
      }
    }
  }
  return "";
}

}  // namespace mcp
