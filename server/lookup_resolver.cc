#include "server/lookup_resolver.h"

#include <algorithm>
#include <cctype>
#include <set>

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
  std::vector<std::string> parts;
  auto add = [&](std::string const& field) {
    auto it = record.find(field);
    if (it == record.end() || !it->is_string() || it->get<std::string>().empty()) return;
    std::string const v = it->get<std::string>();
    // Skip values that repeat one already shown ("Acme / Head Office" after "Head Office").
    for (auto const& p : parts) {
      if (Lower(p).find(Lower(v)) != std::string::npos ||
          Lower(v).find(Lower(p)) != std::string::npos) {
        return;
      }
    }
    parts.push_back(v);
  };
  // The name, then what tells namesakes apart: other names (an email) and context fields
  // such as the client a site or user belongs to.
  for (auto const& f : NameFields(spec)) add(f);
  for (auto const& c : spec.value("context", json::array())) add(c.get<std::string>());
  std::string label;
  for (auto const& p : parts) label += (label.empty() ? "" : ", ") + p;
  std::string flag;
  if (json const& f = spec.value("flag", json::object());
      f.is_object() && record.value(f.value("field", ""), false) == true) {
    flag = ", " + f.value("label", "flagged");
  }
  return label + " (" + record.value(id_field, json()).dump() + flag + ")";
}

std::string Render(json const& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

std::vector<std::string> Words(std::string const& text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text + " ") {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '@' || c == '.' || c == '-') {
      word.push_back(c);
    } else {
      if (word.size() >= 3 && out.size() < 3) out.push_back(word);
      word.clear();
    }
  }
  return out;
}

std::string Labels(std::vector<json const*> const& candidates, json const& spec) {
  std::string out;
  for (std::size_t i = 0; i < candidates.size() && i < 5; ++i) {
    out += (i ? ", " : "") + Label(*candidates[i], spec);
  }
  if (candidates.size() > 5) out += ", ...";
  return out;
}

/// An unknown name: the error offers the closest candidates by edit distance.
halo::Status Unknown(std::string const& kind, json const& spec, std::string const& text,
                     std::vector<json const*> candidates) {
  std::string const noun = spec.value("noun", kind);
  std::string const wanted = Lower(text);
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
  std::vector<std::pair<std::size_t, json const*>> ranked;
  for (auto const* c : candidates) ranked.emplace_back(distance(c), c);
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](auto const& a, auto const& b) { return a.first < b.first; });
  candidates.clear();
  for (auto const& [d, c] : ranked) {
    if (candidates.size() < 5) candidates.push_back(c);
  }
  std::string message = "no " + noun + " named \"" + text + "\"";
  if (candidates.empty()) {
    message += "; list them with the " + noun + " list tool";
  } else {
    message += "; closest: ";
    for (std::size_t i = 0; i < candidates.size(); ++i) {
      message += (i ? ", " : "") + Label(*candidates[i], spec);
    }
  }
  return halo::InvalidArgumentError(message);
}

}  // namespace

LookupResolver::LookupResolver(std::shared_ptr<halo::HaloClient> client, json lookups,
                               std::shared_ptr<halo::Clock const> clock, std::chrono::seconds ttl,
                               std::size_t max_search_entries,
                               std::shared_ptr<SharedLookupCache> shared)
    : client_(std::move(client)),
      lookups_(std::move(lookups)),
      clock_(std::move(clock)),
      ttl_(ttl),
      max_search_entries_(std::max<std::size_t>(1, max_search_entries)),
      shared_(std::move(shared)) {}

std::size_t LookupResolver::cached_entries() const {
  std::lock_guard lock(mu_);
  return cache_.size();
}

StatusOr<LookupResolver::Entry> LookupResolver::Fetch(std::string const& kind,
                                                      std::string const& search, Query const& scope,
                                                      halo::CallContext const& ctx) {
  std::string key = kind;
  for (auto const& [k, v] : scope) key += "&" + k + "=" + v;
  if (!search.empty()) key += "?" + Lower(search);
  std::shared_ptr<Flight> flight;
  {
    std::unique_lock lock(mu_);
    for (;;) {
      if (auto it = cache_.find(key);
          it != cache_.end() && clock_->Now() - it->second.entry.fetched < ttl_) {
        if (it->second.lru) lru_.splice(lru_.begin(), lru_, *it->second.lru);
        return it->second.entry;
      }
      auto f = flights_.find(key);
      if (f == flights_.end()) break;
      // Someone is already asking HaloPSA for this: wait for that answer.
      std::shared_ptr<Flight> const other = f->second;
      while (!other->done) {
        if (ctx.cancelled()) return halo::CancelledError("the call was cancelled");
        // A bounded wait, only so that cancellation is noticed.
        cv_.wait_for(lock, std::chrono::milliseconds(20));
      }
      // The asker's own cancellation says nothing about this caller: go round and ask again.
      if (other->result.ok() || other->result.status().code() != halo::StatusCode::kCancelled) {
        return other->result;
      }
    }
    flight = std::make_shared<Flight>();
    flights_[key] = flight;
  }
  StatusOr<Entry> result = halo::InternalError("lookup failed");
  try {
    result = Obtain(key, kind, search, scope, ctx);
  } catch (std::exception const& e) {
    result = halo::InternalError(std::string("lookup failed: ") + e.what());
  } catch (...) {
    result = halo::InternalError("lookup failed");
  }
  {
    std::lock_guard lock(mu_);
    flight->result = result;
    flight->done = true;
    flights_.erase(key);
    if (result.ok()) StoreLocked(key, !search.empty() || !scope.empty(), *result);
  }
  cv_.notify_all();
  return result;
}

void LookupResolver::StoreLocked(std::string const& key, bool searched, Entry const& entry) {
  auto& slot = cache_[key];
  slot.entry = entry;
  if (!searched) return;
  if (slot.lru) {
    lru_.splice(lru_.begin(), lru_, *slot.lru);
  } else {
    lru_.push_front(key);
    slot.lru = lru_.begin();
  }
  while (lru_.size() > max_search_entries_) {
    cache_.erase(lru_.back());
    lru_.pop_back();
  }
}

StatusOr<LookupResolver::Entry> LookupResolver::Load(std::string const& kind,
                                                     std::string const& search, Query const& scope,
                                                     halo::CallContext const& ctx) {
  json const& spec = lookups_.at(kind);
  halo::ListRequest req;
  req.path = spec.value("path", "");
  req.list_key = spec.value("list_key", "");
  req.paginate = spec.value("paginate", false);
  req.limit = spec.value("limit", 0);
  json const fixed_query = spec.value("query", json::object());
  for (auto const& [k, v] : fixed_query.items()) {
    req.query.emplace_back(k, v.is_string() ? v.get<std::string>() : v.dump());
  }
  req.query.insert(req.query.end(), scope.begin(), scope.end());
  if (!search.empty()) req.query.emplace_back(spec.value("search", "search"), search);
  auto result = client_->List(req, ctx);
  if (!result.ok()) return result.status();
  return Index(kind, std::move(result->records), clock_->Now());
}

StatusOr<LookupResolver::Entry> LookupResolver::Obtain(std::string const& key,
                                                       std::string const& kind,
                                                       std::string const& search,
                                                       Query const& scope,
                                                       halo::CallContext const& ctx) {
  if (!shared_) return Load(kind, search, scope, ctx);
  if (auto hit = shared_->Get(key)) {
    // Fetched by another replica: it expires here when it expires there.
    auto const left = std::min<std::chrono::milliseconds>(hit->ttl, ttl_);
    return Index(kind, std::move(hit->records), clock_->Now() - (ttl_ - left));
  }
  auto entry = Load(kind, search, scope, ctx);
  if (entry.ok()) shared_->Put(key, *entry->records, ttl_);
  return entry;
}

LookupResolver::Entry LookupResolver::Index(std::string const& kind, json records,
                                            halo::Clock::time_point fetched) const {
  json const& spec = lookups_.at(kind);
  auto shared_records = std::make_shared<json const>(std::move(records));
  auto names = std::make_shared<Names>();
  std::string const id_field = spec.value("id", "id");
  for (auto const& r : *shared_records) {
    auto id = r.find(id_field);
    if (id == r.end()) continue;
    std::string const key_id = id->is_string() ? id->get<std::string>() : id->dump();
    for (auto const& f : NameFields(spec)) {
      auto n = r.find(f);
      if (n != r.end() && n->is_string() && !n->get<std::string>().empty()) {
        names->emplace(key_id, n->get<std::string>());
        break;
      }
    }
  }
  return Entry{fetched, std::move(shared_records), std::move(names)};
}

StatusOr<std::shared_ptr<json const>> LookupResolver::Records(std::string const& kind,
                                                              std::string const& search,
                                                              Query const& scope,
                                                              halo::CallContext const& ctx) {
  auto entry = Fetch(kind, search, scope, ctx);
  if (!entry.ok()) return entry.status();
  return entry->records;
}

StatusOr<json> LookupResolver::Resolve(std::string const& kind, json const& value,
                                       halo::CallContext const& ctx, std::string* matched,
                                       Context const& context) {
  if (!lookups_.contains(kind)) return halo::InternalError("no lookup named " + kind);
  json const& spec = lookups_.at(kind);
  std::string noun = spec.value("noun", kind);
  // Within the records the call already named: "Main Office" at this client, not any client.
  Query scope;
  json const within = spec.value("within", json::object());
  for (auto const& [outer, param] : within.items()) {
    if (auto it = context.find(outer); it != context.end() && !it->second.is_null()) {
      scope.emplace_back(param.get<std::string>(), Render(it->second));
      noun += " of " + lookups_.at(outer).value("noun", outer) + " " + Render(it->second);
    }
  }
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
  auto records = Records(kind, searchable ? text : "", scope, ctx);
  if (!records.ok()) return records.status();
  if (searchable && (*records)->empty()) {
    // Nothing contains the whole text: find candidates to offer through its words, else from
    // the first page of the unfiltered list, so an unknown name still gets "closest" names.
    json found = json::array();
    std::set<std::string> seen;
    for (auto const& word : Words(text)) {
      if (Lower(word) == Lower(text)) continue;
      auto some = Records(kind, word, scope, ctx);
      if (!some.ok()) return some.status();
      for (auto const& r : **some) {
        if (seen.insert(r.value(id_field, json()).dump()).second) found.push_back(r);
      }
    }
    if (found.empty()) {
      auto any = Records(kind, "", scope, ctx);
      if (!any.ok()) return any.status();
      found = **any;
    }
    // No candidate matches the text (else the search would have found it): report unknown.
    std::vector<json const*> candidates;
    for (auto const& r : found) candidates.push_back(&r);
    json scoped = spec;
    scoped["noun"] = noun;
    return Unknown(kind, scoped, text, candidates);
  }
  std::string const wanted = Lower(text);
  std::vector<json const*> exact, partial;
  for (auto const& r : **records) {
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
  // One record per id: some lists repeat an id (HaloPSA's Priority has a row per SLA with the
  // same priorityid), and a name shared by rows of one id is not ambiguous.
  auto dedupe = [&](std::vector<json const*>& v) {
    std::set<std::string> ids;
    std::vector<json const*> out;
    for (auto const* r : v) {
      if (ids.insert(r->value(id_field, json()).dump()).second) out.push_back(r);
    }
    v = std::move(out);
  };
  dedupe(exact);
  dedupe(partial);
  auto const& pick = exact.size() == 1 ? exact : partial;
  if (pick.size() == 1) {
    if (matched && exact.size() != 1) {
      *matched = noun + " \"" + text + "\" matched " + Label(*pick.front(), spec);
    }
    return pick.front()->value(id_field, json());
  }
  if (exact.size() > 1 || (exact.empty() && partial.size() > 1)) {
    auto const& candidates = exact.size() > 1 ? exact : partial;
    std::string message = noun + " \"" + text + "\" is ambiguous (" +
                          std::to_string(candidates.size()) +
                          " match); use an id or the exact name: " + Labels(candidates, spec);
    return halo::InvalidArgumentError(message);
  }
  std::vector<json const*> candidates;
  for (auto const& r : **records) candidates.push_back(&r);
  json scoped = spec;
  scoped["noun"] = noun;
  return Unknown(kind, scoped, text, std::move(candidates));
}

bool LookupResolver::IsContext(std::string const& kind) const {
  for (auto const& [k, spec] : lookups_.items()) {
    if (spec.value("within", json::object()).contains(kind)) return true;
  }
  return false;
}

std::string LookupResolver::Flag(std::string const& kind, json const& id,
                                 halo::CallContext const& ctx) {
  if (!lookups_.contains(kind) || id.is_null()) return "";
  json const& spec = lookups_.at(kind);
  json const& flag = spec.value("flag", json::object());
  if (!flag.is_object() || flag.empty() || spec.contains("search")) return "";
  auto entry = Fetch(kind, "", {}, ctx);
  if (!entry.ok()) return "";
  std::string const id_field = spec.value("id", "id");
  for (auto const& r : *entry->records) {
    if (r.value(id_field, json()) == id && r.value(flag.value("field", ""), false) == true) {
      return flag.value("label", "flagged");
    }
  }
  return "";
}

StatusOr<json> LookupResolver::Record(std::string const& kind, json const& id,
                                      halo::CallContext const& ctx) {
  if (!lookups_.contains(kind)) return halo::InternalError("no lookup named " + kind);
  auto body = client_->Get(lookups_.at(kind).value("path", "") + "/" + Render(id), {}, ctx);
  if (!body.ok()) return body.status();
  if (body->is_array() && !body->empty()) return (*body)[0];
  return *body;
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
  if (lookups_.at(kind).contains("search")) return "";  // large lists are never loaded whole
  auto entry = Fetch(kind, "", {}, ctx);
  if (!entry.ok()) return "";
  auto it = entry->names->find(id.is_string() ? id.get<std::string>() : id.dump());
  return it == entry->names->end() ? "" : it->second;
}

StatusOr<std::vector<std::string>> LookupResolver::NamesStartingWith(std::string const& kind,
                                                                     std::string const& prefix,
                                                                     halo::CallContext const& ctx,
                                                                     std::size_t max, bool* more) {
  if (more != nullptr) *more = false;
  if (!lookups_.contains(kind)) return halo::InternalError("no lookup named " + kind);
  json const& spec = lookups_.at(kind);
  auto records = Records(kind, spec.contains("search") ? prefix : "", {}, ctx);
  if (!records.ok()) return records.status();
  std::string const wanted = Lower(prefix);
  std::set<std::string> found;
  for (auto const& r : **records) {
    for (auto const& f : NameFields(spec)) {
      auto n = r.find(f);
      if (n == r.end() || !n->is_string() || n->get<std::string>().empty()) continue;
      if (Lower(n->get<std::string>()).rfind(wanted, 0) == 0) found.insert(n->get<std::string>());
    }
  }
  std::vector<std::string> names(found.begin(), found.end());
  if (names.size() > max) {
    names.resize(max);
    if (more != nullptr) *more = true;
  }
  return names;
}

}  // namespace mcp
