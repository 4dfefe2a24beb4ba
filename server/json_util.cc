#include "server/json_util.h"

#include "halo/query.h"

#include <cmath>

namespace mcp {

using nlohmann::json;

json const& Member(json const& object, std::string const& key) {
  static json const kNull;
  if (!object.is_object()) return kNull;
  auto it = object.find(key);
  return it == object.end() ? kNull : *it;
}

std::string Render(json const& v) {
  if (v.is_string()) return v.get<std::string>();
  if (v.is_boolean()) return v.get<bool>() ? "true" : "false";
  if (v.is_number_float()) {
    double d = v.get<double>();
    if (std::floor(d) == d && std::fabs(d) < 1e15) return std::to_string(static_cast<long long>(d));
  }
  return v.dump();
}

std::string Substitute(std::string path, json const& values) {
  for (auto const& [k, v] : values.items()) {
    std::string token = "{" + k + "}";
    for (auto pos = path.find(token); pos != std::string::npos; pos = path.find(token)) {
      path.replace(pos, token.size(), halo::PercentEncode(Render(v)));
    }
  }
  return path;
}

json FirstRecord(json const& body) {
  if (body.is_array()) return body.empty() ? json::object() : body[0];
  return body;
}

json RecordId(json const& record) {
  return record.is_object() ? record.value("id", json()) : json();
}

}  // namespace mcp
