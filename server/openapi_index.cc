#include "server/openapi_index.h"

#include "halo/safe_int.h"
#include "halo/text.h"

#include <algorithm>
#include <fstream>
#include <sstream>

namespace mcp {

using nlohmann::json;

namespace {

std::vector<std::string> Segments(std::string_view path) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < path.size()) {
    auto end = path.find('/', start);
    if (end == std::string_view::npos) end = path.size();
    if (end > start) out.emplace_back(path.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

bool IsPlaceholder(std::string const& segment) {
  return segment.size() > 2 && segment.front() == '{' && segment.back() == '}';
}

std::vector<std::string> Words(std::string_view text) {
  std::vector<std::string> out;
  std::string word;
  for (char c : text) {
    if (std::isalnum(static_cast<unsigned char>(c)) || c == '_') {
      word.push_back(halo::AsciiLower(c));
    } else if (!word.empty()) {
      out.push_back(std::move(word));
      word.clear();
    }
  }
  if (!word.empty()) out.push_back(std::move(word));
  return out;
}

/// Whether a value fits a documented type; text stands for numbers and flags in a query.
bool FitsType(json const& v, std::string const& type) {
  if (v.is_null()) return false;
  if (type == "int")
    return v.is_number_integer() || (v.is_string() && halo::ParseInt64(v.get<std::string>()));
  if (type == "number") {
    if (v.is_number()) return true;
    if (!v.is_string()) return false;
    auto const& s = v.get_ref<std::string const&>();
    char* end = nullptr;
    std::strtod(s.c_str(), &end);
    return !s.empty() && end == s.c_str() + s.size();
  }
  if (type == "bool") {
    return v.is_boolean() || (v.is_string() && (v == "true" || v == "false"));
  }
  if (type == "int[]") {
    if (v.is_array()) {
      return std::all_of(v.begin(), v.end(), [](json const& e) { return FitsType(e, "int"); });
    }
    if (!v.is_string() && !v.is_number_integer()) return false;
    if (v.is_number_integer()) return true;
    std::stringstream ss(v.get<std::string>());
    for (std::string item; std::getline(ss, item, ',');) {
      if (!halo::ParseInt64(item)) return false;
    }
    return true;
  }
  return !v.is_object() && !v.is_array();
}

/// Edit distance, for suggesting the name that was probably meant.
std::size_t Distance(std::string const& a, std::string const& b) {
  std::vector<std::size_t> row(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) row[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    std::size_t diagonal = row[0];
    row[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      std::size_t const above = row[j];
      row[j] = std::min({row[j] + 1, row[j - 1] + 1, diagonal + (a[i - 1] == b[j - 1] ? 0 : 1)});
      diagonal = above;
    }
  }
  return row[b.size()];
}

/// Up to `most` names from `names`, the likeliest meant by `wanted` first: those containing it
/// (or contained in it), then by edit distance.
std::string Suggest(std::vector<std::string> names, std::string const& wanted, std::size_t most) {
  std::string const lower = halo::AsciiLower(wanted);
  auto score = [&lower](std::string const& n) -> std::size_t {
    std::string const l = halo::AsciiLower(n);
    if (l.find(lower) != std::string::npos || lower.find(l) != std::string::npos) return 0;
    return 1 + Distance(l, lower);
  };
  std::vector<std::pair<std::size_t, std::string>> ranked;
  for (auto& n : names) ranked.emplace_back(score(n), std::move(n));
  std::stable_sort(ranked.begin(), ranked.end(),
                   [](auto const& a, auto const& b) { return a.first < b.first; });
  std::string out;
  for (std::size_t i = 0; i < ranked.size() && i < most; ++i) {
    out += (out.empty() ? "" : ", ") + ranked[i].second;
  }
  if (ranked.size() > most) out += " (" + std::to_string(ranked.size() - most) + " more)";
  return out.empty() ? "none" : out;
}

}  // namespace

ApiParam const* ApiOperation::Param(std::string_view name, std::string_view in) const {
  for (auto const& p : params) {
    if (p.in == in && p.name == name) return &p;
  }
  return nullptr;
}

halo::StatusOr<ApiCatalogue> ApiCatalogue::FromJson(json const& index) {
  auto const& ops = index.contains("operations") ? index["operations"] : json();
  if (!ops.is_object()) return halo::InternalError("the OpenAPI index has no operations");
  ApiCatalogue c;
  for (auto const& [key, op] : ops.items()) {
    auto const space = key.find(' ');
    if (space == std::string::npos || !op.is_object()) continue;
    ApiOperation o;
    o.method = key.substr(0, space);
    o.path = key.substr(space + 1);
    o.tag = op.value("tag", "");
    o.summary = op.value("summary", "");
    json const params = op.value("params", json::array());
    for (auto const& p : params) {
      if (!p.is_array() || p.size() < 3) continue;
      o.params.push_back(ApiParam{p[0].get<std::string>(), p[1].get<std::string>(),
                                  p[p.size() > 3 ? 3 : 2].get<std::string>()});
    }
    std::string body;
    if (auto b = op.find("body"); b != op.end() && b->is_object()) {
      o.form_body = true;
      for (auto const& [part, type] : b->items()) body += (body.empty() ? "form: " : ", ") + part;
    } else if (b != op.end() && b->is_string()) {
      body = b->get<std::string>();
    }
    if (body.size() > 2 && body.front() == '[' && body.back() == ']') {
      o.body_array = true;
      body = body.substr(1, body.size() - 2);
    }
    o.body = body;
    c.operations_.push_back(std::move(o));
  }
  json const schemas = index.value("schemas", json::object());
  for (auto const& [name, fields] : schemas.items()) {
    auto& set = c.fields_[name];
    for (auto const& [field, type] : fields.items()) set.insert(field);
  }
  return c;
}

std::vector<ApiOperation const*> ApiCatalogue::Search(std::string_view words,
                                                      std::string_view method) const {
  auto const wanted = Words(words);
  struct Hit {
    int score;
    ApiOperation const* op;
  };
  std::vector<Hit> hits;
  for (auto const& op : operations_) {
    if (!method.empty() && !halo::EqualsIgnoreCase(op.method, method)) continue;
    std::string const path = halo::AsciiLower(op.path);
    std::string const rest = halo::AsciiLower(op.tag + " " + op.summary);
    int score = 0;
    bool all = true;
    for (auto const& w : wanted) {
      if (path.find(w) != std::string::npos) {
        score += 10;
      } else if (rest.find(w) != std::string::npos) {
        score += 4;
      } else if (std::any_of(op.params.begin(), op.params.end(), [&w](ApiParam const& p) {
                   return halo::AsciiLower(p.name).find(w) != std::string::npos;
                 })) {
        score += 1;
      } else {
        all = false;
        break;
      }
    }
    if (all) hits.push_back({score * 1000 - static_cast<int>(op.path.size()), &op});
  }
  std::stable_sort(hits.begin(), hits.end(),
                   [](Hit const& a, Hit const& b) { return a.score > b.score; });
  std::vector<ApiOperation const*> out;
  for (auto const& h : hits) out.push_back(h.op);
  return out;
}

ApiOperation const* ApiCatalogue::Match(std::string_view method, std::string_view path) const {
  auto const wanted = Segments(path);
  ApiOperation const* best = nullptr;
  int best_literals = -1;
  for (auto const& op : operations_) {
    if (!halo::EqualsIgnoreCase(op.method, method)) continue;
    auto const segments = Segments(op.path);
    if (segments.size() != wanted.size()) continue;
    int literals = 0;
    bool fits = true;
    for (std::size_t i = 0; fits && i < segments.size(); ++i) {
      if (IsPlaceholder(segments[i])) continue;
      fits = halo::EqualsIgnoreCase(segments[i], wanted[i]);
      ++literals;
    }
    if (fits && literals > best_literals) {
      best = &op;
      best_literals = literals;
    }
  }
  return best;
}

std::set<std::string> const* ApiCatalogue::Fields(std::string const& schema) const {
  auto it = fields_.find(schema);
  return it == fields_.end() ? nullptr : &it->second;
}

halo::Status ValidateApiCall(ApiCatalogue const& catalogue, ApiOperation const& op,
                             std::string_view path, json const& query, json const& body) {
  std::string const what = op.Key();
  if (!query.is_null() && !query.is_object()) {
    return halo::InvalidArgumentError("query must be an object of parameter names and values");
  }
  std::vector<std::string> documented;
  for (auto const& p : op.params) {
    if (p.in == "query") documented.push_back(p.name);
  }
  json const given = query.is_object() ? query : json::object();
  for (auto const& [name, value] : given.items()) {
    auto const* p = op.Param(name, "query");
    if (p == nullptr) {
      return halo::InvalidArgumentError("query parameter \"" + name + "\" is not documented for " +
                                        what + "; documented: " + Suggest(documented, name, 15));
    }
    if (!FitsType(value, p->type)) {
      return halo::InvalidArgumentError("query parameter \"" + name + "\" of " + what + " takes " +
                                        p->type + ", not " + value.dump());
    }
  }
  auto const template_segments = Segments(op.path);
  auto const segments = Segments(path);
  for (std::size_t i = 0; i < template_segments.size() && i < segments.size(); ++i) {
    if (!IsPlaceholder(template_segments[i])) continue;
    std::string const name = template_segments[i].substr(1, template_segments[i].size() - 2);
    auto const* p = op.Param(name, "path");
    if (p != nullptr && !FitsType(json(segments[i]), p->type)) {
      return halo::InvalidArgumentError("path value \"" + segments[i] + "\" for {" + name +
                                        "} of " + what + " must be " + p->type);
    }
  }
  if (op.form_body) {
    return halo::InvalidArgumentError(what + " takes a form upload (" + op.body +
                                      "), which this tool does not send");
  }
  if (op.body.empty()) {
    if (!body.is_null()) {
      return halo::InvalidArgumentError(what + " takes no body; leave body out");
    }
    return halo::Status();
  }
  if (body.is_null()) {
    return halo::InvalidArgumentError(
        what + " needs a body: " + (op.body_array ? "an array of " : "one ") + op.body + " object" +
        (op.body_array ? "s" : ""));
  }
  if (op.body_array != body.is_array()) {
    return halo::InvalidArgumentError(what + " takes " +
                                      (op.body_array
                                           ? "an array of " + op.body + " objects, e.g. [{...}]"
                                           : "one " + op.body + " object, not an array"));
  }
  auto const* fields = catalogue.Fields(op.body);
  json const elements = body.is_array() ? body : json::array({body});
  for (std::size_t i = 0; i < elements.size(); ++i) {
    if (!elements[i].is_object()) {
      return halo::InvalidArgumentError("body element " + std::to_string(i) + " of " + what +
                                        " must be a " + op.body + " object");
    }
    if (fields == nullptr) continue;
    for (auto const& [field, value] : elements[i].items()) {
      if (fields->count(field)) continue;
      return halo::InvalidArgumentError(
          "body field \"" + field + "\" is not a field of " + op.body + "; fields: " +
          Suggest(std::vector<std::string>(fields->begin(), fields->end()), field, 15));
    }
  }
  return halo::Status();
}

halo::StatusOr<std::shared_ptr<ApiCatalogue const>> LazyApiCatalogue::Get() {
  std::lock_guard lock(mutex_);
  if (loaded_) return loaded_;
  std::ifstream in(file_, std::ios::binary);
  if (!in) {
    return halo::UnavailableError("the HaloPSA operation index " + file_.string() +
                                  " cannot be read; reinstall halo-mcp or set --schema-dir");
  }
  json index = json::parse(in, nullptr, /*allow_exceptions=*/false);
  if (index.is_discarded()) {
    return halo::InternalError("the HaloPSA operation index " + file_.string() +
                               " is not valid JSON");
  }
  auto catalogue = ApiCatalogue::FromJson(index);
  if (!catalogue.ok()) return catalogue.status();
  loaded_ = std::make_shared<ApiCatalogue const>(*std::move(catalogue));
  return loaded_;
}

}  // namespace mcp
