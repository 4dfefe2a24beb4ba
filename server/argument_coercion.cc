#include "server/argument_coercion.h"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>

namespace mcp {
namespace {

using nlohmann::json;

struct Types {
  bool any = true;  // no "type" keyword
  bool string = false, integer = false, number = false, boolean = false, array = false;
};

Types TypesOf(json const& schema) {
  Types t;
  if (!schema.is_object()) return t;
  auto it = schema.find("type");
  if (it == schema.end()) return t;
  t.any = false;
  auto add = [&t](json const& name) {
    if (!name.is_string()) return;
    auto const& n = name.get_ref<std::string const&>();
    t.string |= n == "string";
    t.integer |= n == "integer";
    t.number |= n == "number";
    t.boolean |= n == "boolean";
    t.array |= n == "array";
  };
  if (it->is_array()) {
    for (auto const& n : *it) add(n);
  } else {
    add(*it);
  }
  return t;
}

// 2^63 as a double is exact; every double below it converts to int64 without overflow.
constexpr double kTwo63 = 9223372036854775808.0;

/// What an integer argument may be, for a value outside 64 bits: the schema's own bounds where
/// it has them (what the caller can act on), else the 64-bit range.
std::string IntegerRange(json const& schema) {
  auto bound = [&](char const* name) -> std::optional<std::string> {
    auto b = schema.find(name);
    if (b == schema.end() || !b->is_number()) return std::nullopt;
    return b->dump();
  };
  auto const low = bound("minimum");
  auto const high = bound("maximum");
  if (!low && !high) {
    return "must be a 64-bit integer (-9223372036854775808 to 9223372036854775807)";
  }
  return "must be an integer from " + low.value_or("-9223372036854775808") + " to " +
         high.value_or("9223372036854775807");
}

/// The 64-bit integer a JSON number stands for exactly, if any; `out_of_range` tells why not.
std::optional<std::int64_t> ExactInt64(json const& v, bool& out_of_range) {
  out_of_range = false;
  if (v.is_number_unsigned()) {
    auto u = v.get<std::uint64_t>();
    if (u <= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return static_cast<std::int64_t>(u);
    }
    out_of_range = true;
    return std::nullopt;
  }
  if (v.is_number_integer()) return v.get<std::int64_t>();
  if (!v.is_number_float()) return std::nullopt;
  double d = v.get<double>();
  if (!std::isfinite(d) || std::floor(d) != d) return std::nullopt;
  if (d < -kTwo63 || d >= kTwo63) {
    out_of_range = true;
    return std::nullopt;
  }
  return static_cast<std::int64_t>(d);
}

std::optional<std::int64_t> ParseInt64(std::string const& s) {
  if (s.empty() || s.size() > 20) return std::nullopt;
  std::int64_t v = 0;
  char const* begin = s.data() + (s[0] == '+' ? 1 : 0);
  auto [end, ec] = std::from_chars(begin, s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || begin == end) return std::nullopt;
  return v;
}

std::optional<double> ParseNumber(std::string const& s) {
  if (s.empty() || s.size() > 64) return std::nullopt;
  // JSON's number grammar, which from_chars mostly shares; no hex, inf or nan.
  for (char c : s) {
    if (!(std::isdigit(static_cast<unsigned char>(c)) || c == '-' || c == '+' || c == '.' ||
          c == 'e' || c == 'E')) {
      return std::nullopt;
    }
  }
  double d = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), d);
  if (ec != std::errc() || end != s.data() + s.size() || !std::isfinite(d)) return std::nullopt;
  return d;
}

std::string Escape(std::string const& token) {
  std::string out;
  for (char c : token) {
    if (c == '~') {
      out += "~0";
    } else if (c == '/') {
      out += "~1";
    } else {
      out += c;
    }
  }
  return out;
}

void Coerce(json const& schema, json& value, std::string const& path,
            std::vector<SchemaError>& problems) {
  Types const t = TypesOf(schema);
  if (t.array && !value.is_array() && !value.is_null()) {
    json wrapped = json::array();
    wrapped.push_back(std::move(value));
    value = std::move(wrapped);
  }
  if (value.is_array()) {
    if (auto items = schema.find("items"); items != schema.end() && items->is_object()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        Coerce(*items, value[i], path + "/" + std::to_string(i), problems);
      }
    }
    return;
  }
  if (value.is_object()) {
    if (auto props = schema.find("properties"); props != schema.end() && props->is_object()) {
      for (auto& [key, member] : value.items()) {
        if (auto p = props->find(key); p != props->end()) {
          Coerce(*p, member, path + "/" + Escape(key), problems);
        }
      }
    }
    return;
  }
  if (t.any) return;
  if (value.is_string() && !t.string) {
    std::string const& s = value.get_ref<std::string const&>();
    if (t.integer) {
      if (auto i = ParseInt64(s)) {
        value = *i;
        return;
      }
    }
    if (t.number) {
      if (auto d = ParseNumber(s)) {
        value = *d;
        return;
      }
    }
    if (t.boolean && (s == "true" || s == "false")) {
      value = s == "true";
      return;
    }
    if (t.integer && !t.number) {
      // A number spelt in a string that is not an exact 64-bit integer: say so precisely.
      if (auto d = ParseNumber(s)) {
        bool out_of_range = false;
        json n = *d;
        if (!ExactInt64(n, out_of_range) && out_of_range) {
          problems.push_back({path, IntegerRange(schema) + ", got string \"" + s + "\""});
        }
      }
    }
    return;
  }
  if (value.is_number() && (t.integer || t.number)) {
    bool out_of_range = false;
    auto exact = ExactInt64(value, out_of_range);
    if (exact && (t.integer || value.is_number_unsigned())) {
      value = *exact;
    } else if (out_of_range && t.integer) {
      // Outside int64 there is no id or count HaloPSA would accept, and the value would be sent
      // rounded (2^64 as 1.8446744073709552e+19).
      problems.push_back({path, IntegerRange(schema) + ", got " + value.dump()});
    }
  }
}

}  // namespace

std::vector<SchemaError> CoerceArguments(json const& schema, json& arguments) {
  std::vector<SchemaError> problems;
  if (arguments.is_object()) Coerce(schema, arguments, "", problems);
  return problems;
}

}  // namespace mcp
