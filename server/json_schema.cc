#include "server/json_schema.h"

#include <nlohmann/json.hpp>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <exception>
#include <memory>
#include <mutex>
#include <optional>
#include <regex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

namespace mcp {
namespace {

using nlohmann::json;

constexpr std::size_t kShownValueChars = 40;
constexpr std::size_t kShownListChars = 200;
constexpr std::size_t kMaxPatternSubjectBytes = 8192;
constexpr std::size_t kMaxCachedPatterns = 1024;

constexpr std::string_view kAnnotationKeywords[] = {
    "title",   "description", "default",  "examples",  "$comment",
    "$schema", "deprecated",  "readOnly", "writeOnly",
};

// ---------------------------------------------------------------------------------------------
// Text helpers

bool IsContinuationByte(char c) { return (static_cast<unsigned char>(c) & 0xC0) == 0x80; }

std::size_t CountCodePoints(std::string const& s) {
  std::size_t n = 0;
  for (char c : s) {
    if (!IsContinuationByte(c)) ++n;
  }
  return n;
}

// Cuts `s` to at most `max_bytes` bytes without splitting a UTF-8 sequence.
std::string_view CutUtf8(std::string_view s, std::size_t max_bytes) {
  if (s.size() <= max_bytes) return s;
  std::size_t end = max_bytes;
  while (end > 0 && IsContinuationByte(s[end])) --end;
  return s.substr(0, end);
}

std::string Quote(std::string_view s) {
  return json(std::string(s)).dump(-1, ' ', false, json::error_handler_t::replace);
}

std::string EscapePointerToken(std::string_view token) {
  std::string out;
  out.reserve(token.size());
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

std::string ChildPath(std::string const& base, std::string_view token) {
  return base + "/" + EscapePointerToken(token);
}

std::string ChildPath(std::string const& base, std::size_t index) {
  return base + "/" + std::to_string(index);
}

std::string JoinNames(std::vector<std::string> const& names, std::string_view last_sep) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i) {
    if (i > 0) out += (i + 1 == names.size()) ? last_sep : std::string_view(", ");
    out += names[i];
  }
  return out;
}

// Compact JSON for messages, stopping once `limit` characters are written. The early stop also
// bounds the recursion: every nesting level writes at least one character.
void AppendShort(json const& v, std::string& out, std::size_t limit) {
  if (out.size() > limit) return;
  switch (v.type()) {
    case json::value_t::array: {
      out += '[';
      bool first = true;
      for (auto const& e : v) {
        if (out.size() > limit) return;
        if (!first) out += ',';
        first = false;
        AppendShort(e, out, limit);
      }
      out += ']';
      return;
    }
    case json::value_t::object: {
      out += '{';
      bool first = true;
      for (auto const& [key, value] : v.items()) {
        if (out.size() > limit) return;
        if (!first) out += ',';
        first = false;
        out += Quote(CutUtf8(key, limit));
        out += ':';
        AppendShort(value, out, limit);
      }
      out += '}';
      return;
    }
    case json::value_t::string: {
      auto const& s = v.get_ref<std::string const&>();
      out += Quote(CutUtf8(s, limit + 1));
      return;
    }
    default:
      out += v.dump(-1, ' ', false, json::error_handler_t::replace);
      return;
  }
}

// The value as compact JSON, abbreviated to about `limit` characters.
std::string Abbreviate(json const& v, std::size_t limit = kShownValueChars) {
  if (v.is_string()) {
    auto const& s = v.get_ref<std::string const&>();
    if (s.size() <= limit) return Quote(s);
    return Quote(CutUtf8(s, limit - 3)) + "...";
  }
  std::string out;
  AppendShort(v, out, limit);
  if (out.size() <= limit) return out;
  return std::string(CutUtf8(out, limit - 3)) + "...";
}

std::string TypeName(json const& v) {
  switch (v.type()) {
    case json::value_t::null:
      return "null";
    case json::value_t::boolean:
      return "boolean";
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
      return "integer";
    case json::value_t::number_float:
      return "number";
    case json::value_t::string:
      return "string";
    case json::value_t::array:
      return "array";
    case json::value_t::object:
      return "object";
    default:
      return "value";
  }
}

// "string \"abc\"", "integer 5", "null".
std::string DescribeValue(json const& v) {
  if (v.is_null()) return "null";
  return TypeName(v) + " " + Abbreviate(v);
}

std::string Plural(std::size_t n, std::string_view singular, std::string_view plural) {
  return std::to_string(n) + " " + std::string(n == 1 ? singular : plural);
}

// ---------------------------------------------------------------------------------------------
// Numbers and equality

bool IsIntegral(json const& v) {
  if (v.is_number_integer()) return true;
  if (!v.is_number_float()) return false;
  double d = v.get<double>();
  return std::isfinite(d) && std::floor(d) == d;
}

// Three-way comparison of two JSON numbers; exact when both are integers.
int CompareNumbers(json const& a, json const& b) {
  if (a.is_number_integer() && b.is_number_integer()) {
    bool a_neg = !a.is_number_unsigned() && a.get<std::int64_t>() < 0;
    bool b_neg = !b.is_number_unsigned() && b.get<std::int64_t>() < 0;
    if (a_neg != b_neg) return a_neg ? -1 : 1;
    if (a_neg) {
      auto x = a.get<std::int64_t>();
      auto y = b.get<std::int64_t>();
      return x < y ? -1 : (x > y ? 1 : 0);
    }
    auto x = a.get<std::uint64_t>();
    auto y = b.get<std::uint64_t>();
    return x < y ? -1 : (x > y ? 1 : 0);
  }
  double x = a.get<double>();
  double y = b.get<double>();
  return x < y ? -1 : (x > y ? 1 : 0);
}

bool IsMultipleOf(json const& value, json const& divisor) {
  if (value.is_number_integer() && divisor.is_number_integer()) {
    auto d = divisor.get<std::uint64_t>();  // divisor > 0 is checked by the caller
    if (value.is_number_unsigned()) return value.get<std::uint64_t>() % d == 0;
    auto v = value.get<std::int64_t>();
    std::uint64_t magnitude =
        v < 0 ? 0 - static_cast<std::uint64_t>(v) : static_cast<std::uint64_t>(v);
    return magnitude % d == 0;
  }
  double q = value.get<double>() / divisor.get<double>();
  if (!std::isfinite(q)) return false;
  // Tolerate the rounding of decimal fractions such as 0.0075 / 0.0001 = 75.00000000000001.
  return std::fabs(q - std::nearbyint(q)) <= 1e-9 * std::max(1.0, std::fabs(q));
}

void AppendNumberKey(json const& v, std::string& out) {
  if (v.is_number_unsigned()) {
    out += std::to_string(v.get<std::uint64_t>());
    return;
  }
  if (v.is_number_integer()) {
    out += std::to_string(v.get<std::int64_t>());
    return;
  }
  double d = v.get<double>();
  // Integral floats get the same key as the equal integer (JSON Schema: 1 == 1.0).
  if (std::isfinite(d) && std::floor(d) == d) {
    if (d >= -9223372036854775808.0 && d < 9223372036854775808.0) {
      out += std::to_string(static_cast<std::int64_t>(d));
      return;
    }
    if (d >= 0 && d < 18446744073709551616.0) {
      out += std::to_string(static_cast<std::uint64_t>(d));
      return;
    }
  }
  char buf[40];
  std::snprintf(buf, sizeof buf, "%.17g", d);
  out += buf;
}

// Appends an unambiguous canonical form of `v` such that two values are equal in the JSON
// Schema sense exactly when their keys are equal. Returns false if `v` nests too deeply.
bool AppendCanonicalKey(json const& v, std::string& out, std::size_t depth) {
  if (depth > kMaxSchemaDepth) return false;
  switch (v.type()) {
    case json::value_t::null:
      out += 'n';
      return true;
    case json::value_t::boolean:
      out += v.get<bool>() ? 't' : 'f';
      return true;
    case json::value_t::number_integer:
    case json::value_t::number_unsigned:
    case json::value_t::number_float:
      out += 'd';
      AppendNumberKey(v, out);
      out += ';';
      return true;
    case json::value_t::string: {
      auto const& s = v.get_ref<std::string const&>();
      out += 's';
      out += std::to_string(s.size());
      out += ':';
      out += s;
      return true;
    }
    case json::value_t::array:
      out += '[';
      for (auto const& e : v) {
        if (!AppendCanonicalKey(e, out, depth + 1)) return false;
      }
      out += ']';
      return true;
    case json::value_t::object:
      out += '{';
      for (auto const& [key, value] : v.items()) {  // nlohmann::json keeps keys sorted
        out += std::to_string(key.size());
        out += ':';
        out += key;
        if (!AppendCanonicalKey(value, out, depth + 1)) return false;
      }
      out += '}';
      return true;
    default:
      out += '?';
      return true;
  }
}

std::optional<std::string> CanonicalKey(json const& v) {
  std::string key;
  if (!AppendCanonicalKey(v, key, 0)) return std::nullopt;
  return key;
}

// ---------------------------------------------------------------------------------------------
// Regular expressions, compiled once per pattern string.

struct CompiledPattern {
  std::optional<std::regex> regex;
  std::string error;  // set when the pattern does not compile
};

std::shared_ptr<CompiledPattern const> GetPattern(std::string const& pattern) {
  static std::mutex mu;
  static auto* cache =
      new std::unordered_map<std::string, std::shared_ptr<CompiledPattern const>>();
  {
    std::lock_guard<std::mutex> lock(mu);
    auto it = cache->find(pattern);
    if (it != cache->end()) return it->second;
  }
  // Compile outside the lock; if two threads race, both results are equivalent.
  auto compiled = std::make_shared<CompiledPattern>();
  try {
    compiled->regex.emplace(pattern, std::regex::ECMAScript);
  } catch (std::regex_error const& e) {
    compiled->error = e.what();
  }
  std::lock_guard<std::mutex> lock(mu);
  if (cache->size() >= kMaxCachedPatterns) return compiled;
  return cache->emplace(pattern, std::move(compiled)).first->second;
}

// ---------------------------------------------------------------------------------------------
// Formats

bool ReadDigits(std::string_view s, std::size_t pos, std::size_t count, int& value) {
  if (pos + count > s.size()) return false;
  value = 0;
  for (std::size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9') return false;
    value = value * 10 + (s[i] - '0');
  }
  return true;
}

int DaysInMonth(int year, int month) {
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
  return month == 2 && leap ? 29 : kDays[month - 1];
}

// YYYY-MM-DD, a real calendar date.
bool IsFullDate(std::string_view s) {
  int year = 0;
  int month = 0;
  int day = 0;
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return false;
  if (!ReadDigits(s, 0, 4, year) || !ReadDigits(s, 5, 2, month) || !ReadDigits(s, 8, 2, day)) {
    return false;
  }
  return month >= 1 && month <= 12 && day >= 1 && day <= DaysInMonth(year, month);
}

// RFC 3339 date-time; the offset may be omitted (HaloPSA's UTC timestamps have none).
bool IsDateTime(std::string_view s) {
  if (s.size() < 19 || !IsFullDate(s.substr(0, 10))) return false;
  if (s[10] != 'T' && s[10] != 't') return false;
  int hour = 0;
  int minute = 0;
  int second = 0;
  if (!ReadDigits(s, 11, 2, hour) || s[13] != ':' || !ReadDigits(s, 14, 2, minute) ||
      s[16] != ':' || !ReadDigits(s, 17, 2, second)) {
    return false;
  }
  if (hour > 23 || minute > 59 || second > 60) return false;
  std::size_t pos = 19;
  if (pos < s.size() && s[pos] == '.') {
    std::size_t digits_start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9') ++pos;
    if (pos == digits_start) return false;
  }
  int offset_minutes = 0;
  if (pos == s.size()) {
    // No offset: UTC by HaloPSA convention.
  } else if ((s[pos] == 'Z' || s[pos] == 'z') && pos + 1 == s.size()) {
    // UTC.
  } else if ((s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size()) {
    int off_hour = 0;
    int off_minute = 0;
    if (!ReadDigits(s, pos + 1, 2, off_hour) || s[pos + 3] != ':' ||
        !ReadDigits(s, pos + 4, 2, off_minute) || off_hour > 23 || off_minute > 59) {
      return false;
    }
    offset_minutes = (off_hour * 60 + off_minute) * (s[pos] == '+' ? 1 : -1);
  } else {
    return false;
  }
  if (second == 60) {
    // A leap second is inserted only at the end of a UTC day.
    int utc_minutes = ((hour * 60 + minute - offset_minutes) % 1440 + 1440) % 1440;
    if (utc_minutes != 23 * 60 + 59) return false;
  }
  return true;
}

// ---------------------------------------------------------------------------------------------
// Keyword value checks shared by validation and UnsupportedKeywords().

bool IsKnownTypeName(json const& v) {
  if (!v.is_string()) return false;
  auto const& s = v.get_ref<std::string const&>();
  return s == "null" || s == "boolean" || s == "object" || s == "array" || s == "string" ||
         s == "number" || s == "integer";
}

bool IsNonNegativeInteger(json const& v) { return IsIntegral(v) && v.get<double>() >= 0; }

std::size_t ToSize(json const& v) {
  if (v.is_number_unsigned()) return static_cast<std::size_t>(v.get<std::uint64_t>());
  if (v.is_number_integer()) return static_cast<std::size_t>(v.get<std::int64_t>());
  double d = v.get<double>();
  return d >= 1.8e19 ? SIZE_MAX : static_cast<std::size_t>(d);
}

bool IsSchema(json const& v) { return v.is_object() || v.is_boolean(); }

// Returns a reason when the value of a supported keyword is malformed, otherwise "".
std::string MalformedReason(std::string const& keyword, json const& value) {
  if (keyword == "type") {
    if (IsKnownTypeName(value)) return "";
    if (value.is_array() && !value.empty() &&
        std::all_of(value.begin(), value.end(), IsKnownTypeName)) {
      return "";
    }
    return "must be a type name or a non-empty array of type names";
  }
  if (keyword == "enum") return value.is_array() ? "" : "must be an array";
  if (keyword == "minimum" || keyword == "maximum") {
    return value.is_number() ? "" : "must be a number";
  }
  if (keyword == "exclusiveMinimum" || keyword == "exclusiveMaximum") {
    return value.is_number() ? "" : "must be a number (the draft-4 boolean form is not supported)";
  }
  if (keyword == "multipleOf") {
    return value.is_number() && value.get<double>() > 0 ? "" : "must be a number > 0";
  }
  if (keyword == "minLength" || keyword == "maxLength" || keyword == "minItems" ||
      keyword == "maxItems" || keyword == "minProperties" || keyword == "maxProperties") {
    return IsNonNegativeInteger(value) ? "" : "must be a non-negative integer";
  }
  if (keyword == "pattern") {
    if (!value.is_string()) return "must be a string";
    auto compiled = GetPattern(value.get_ref<std::string const&>());
    if (compiled->regex) return "";
    return "must be a valid ECMAScript regular expression (" +
           Abbreviate(value, 2 * kShownValueChars) + ": " + compiled->error + ")";
  }
  if (keyword == "format") {
    if (!value.is_string()) return "must be a string";
    auto const& f = value.get_ref<std::string const&>();
    return f == "date" || f == "date-time" ? "" : "unsupported format " + Quote(f);
  }
  if (keyword == "uniqueItems") return value.is_boolean() ? "" : "must be a boolean";
  if (keyword == "required") {
    return value.is_array() && std::all_of(value.begin(), value.end(),
                                           [](json const& e) { return e.is_string(); })
               ? ""
               : "must be an array of strings";
  }
  if (keyword == "properties") {
    if (!value.is_object()) return "must be an object";
    return "";
  }
  if (keyword == "items") {
    if (IsSchema(value)) return "";
    if (value.is_array() && std::all_of(value.begin(), value.end(), IsSchema)) return "";
    return "must be a schema or an array of schemas";
  }
  if (keyword == "additionalItems" || keyword == "additionalProperties") {
    return IsSchema(value) ? "" : "must be a schema (object or boolean)";
  }
  return "";  // const: any value
}

bool IsSupportedKeyword(std::string const& keyword) {
  static constexpr std::string_view kSupported[] = {
      "type",
      "enum",
      "const",
      "minimum",
      "maximum",
      "exclusiveMinimum",
      "exclusiveMaximum",
      "multipleOf",
      "minLength",
      "maxLength",
      "pattern",
      "format",
      "items",
      "additionalItems",
      "minItems",
      "maxItems",
      "uniqueItems",
      "properties",
      "required",
      "additionalProperties",
      "minProperties",
      "maxProperties",
  };
  return std::find(std::begin(kSupported), std::end(kSupported), keyword) != std::end(kSupported);
}

bool IsAnnotationKeyword(std::string const& keyword) {
  return std::find(std::begin(kAnnotationKeywords), std::end(kAnnotationKeywords), keyword) !=
         std::end(kAnnotationKeywords);
}

// ---------------------------------------------------------------------------------------------
// The validator

class Validator {
 public:
  explicit Validator(std::size_t max_errors) : max_errors_(std::max<std::size_t>(max_errors, 1)) {}

  bool full() const { return errors_.size() >= max_errors_; }
  std::vector<SchemaError>& errors() { return errors_; }

  // Rejects an instance nested deeper than kMaxSchemaDepth, without recursion.
  bool CheckInstanceDepth(json const& instance) {
    struct Frame {
      json const* value;
      std::size_t depth;
      std::string path;
    };
    std::vector<Frame> stack;
    if (instance.is_structured()) stack.push_back({&instance, 0, ""});
    while (!stack.empty()) {
      Frame frame = std::move(stack.back());
      stack.pop_back();
      auto visit = [&](json const& child, std::string child_path) {
        if (frame.depth + 1 > kMaxSchemaDepth) {
          Add(child_path,
              "nested too deeply (more than " + std::to_string(kMaxSchemaDepth) + " levels)");
          return false;
        }
        if (child.is_structured())
          stack.push_back({&child, frame.depth + 1, std::move(child_path)});
        return true;
      };
      if (frame.value->is_array()) {
        std::size_t index = 0;
        for (auto const& e : *frame.value) {
          if (!visit(e, ChildPath(frame.path, index++))) return false;
        }
      } else {
        for (auto const& [key, value] : frame.value->items()) {
          if (!visit(value, ChildPath(frame.path, key))) return false;
        }
      }
    }
    return true;
  }

  void Validate(json const& schema, json const& instance, std::string const& path,
                std::size_t depth) {
    if (full()) return;
    if (depth > kMaxSchemaDepth) {
      Add(path, "nested too deeply (more than " + std::to_string(kMaxSchemaDepth) + " levels)");
      return;
    }
    if (schema.is_boolean()) {
      if (!schema.get<bool>())
        Add(path, "no value is allowed here, got " + DescribeValue(instance));
      return;
    }
    if (!schema.is_object()) {
      Add(path, "schema error: a schema must be an object or a boolean");
      return;
    }
    // Malformed keyword values fail closed, in a fixed keyword order.
    for (auto const& [keyword, value] : schema.items()) {
      if (!IsSupportedKeyword(keyword) || keyword == "format") continue;
      std::string reason = MalformedReason(keyword, value);
      if (!reason.empty()) {
        Add(path, "schema error: '" + keyword + "' " + reason);
        return;
      }
    }
    if (auto it = schema.find("type"); it != schema.end() && !CheckType(*it, instance, path)) {
      return;
    }
    if (auto it = schema.find("enum"); it != schema.end()) CheckEnum(*it, instance, path);
    if (auto it = schema.find("const"); it != schema.end()) CheckConst(*it, instance, path);
    if (instance.is_number()) {
      CheckNumber(schema, instance, path);
    } else if (instance.is_string()) {
      CheckString(schema, instance, path);
    } else if (instance.is_array()) {
      CheckArray(schema, instance, path, depth);
    } else if (instance.is_object()) {
      CheckObject(schema, instance, path, depth);
    }
  }

  void Add(std::string path, std::string message) {
    if (full()) return;
    errors_.push_back(SchemaError{std::move(path), std::move(message)});
  }

 private:
  static bool MatchesType(std::string const& name, json const& instance) {
    if (name == "integer") return IsIntegral(instance);
    if (name == "number") return instance.is_number();
    if (name == "string") return instance.is_string();
    if (name == "object") return instance.is_object();
    if (name == "array") return instance.is_array();
    if (name == "boolean") return instance.is_boolean();
    if (name == "null") return instance.is_null();
    return false;
  }

  bool CheckType(json const& type, json const& instance, std::string const& path) {
    std::vector<std::string> names;
    if (type.is_string()) {
      names.push_back(type.get<std::string>());
    } else {
      for (auto const& t : type) names.push_back(t.get<std::string>());
    }
    for (auto const& name : names) {
      if (MatchesType(name, instance)) return true;
    }
    Add(path, "expected " + JoinNames(names, " or ") + ", got " + DescribeValue(instance));
    return false;
  }

  bool SameValue(json const& a, std::string const& instance_key) {
    auto key = CanonicalKey(a);
    return key && *key == instance_key;
  }

  void CheckEnum(json const& options, json const& instance, std::string const& path) {
    auto key = CanonicalKey(instance);
    if (!key) {
      Add(path, "nested too deeply to compare");
      return;
    }
    for (auto const& option : options) {
      if (SameValue(option, *key)) return;
    }
    std::string list;
    for (auto const& option : options) {
      if (!list.empty()) list += ", ";
      if (list.size() > kShownListChars) {
        list += "...";
        break;
      }
      list += Abbreviate(option);
    }
    Add(path, "must be one of " + list + "; got " + Abbreviate(instance));
  }

  void CheckConst(json const& expected, json const& instance, std::string const& path) {
    auto key = CanonicalKey(instance);
    if (!key) {
      Add(path, "nested too deeply to compare");
      return;
    }
    if (!SameValue(expected, *key)) {
      Add(path, "must be " + Abbreviate(expected) + ", got " + Abbreviate(instance));
    }
  }

  void CheckNumber(json const& schema, json const& instance, std::string const& path) {
    struct Bound {
      char const* keyword;
      char const* op;
      bool (*violated)(int);
    };
    static constexpr Bound kBounds[] = {
        {"minimum", ">=", [](int c) { return c < 0; }},
        {"exclusiveMinimum", ">", [](int c) { return c <= 0; }},
        {"maximum", "<=", [](int c) { return c > 0; }},
        {"exclusiveMaximum", "<", [](int c) { return c >= 0; }},
    };
    for (auto const& bound : kBounds) {
      auto it = schema.find(bound.keyword);
      if (it == schema.end()) continue;
      if (bound.violated(CompareNumbers(instance, *it))) {
        Add(path, std::string("must be ") + bound.op + " " + Abbreviate(*it) + ", got " +
                      Abbreviate(instance));
      }
    }
    if (auto it = schema.find("multipleOf"); it != schema.end() && !IsMultipleOf(instance, *it)) {
      Add(path, "must be a multiple of " + Abbreviate(*it) + ", got " + Abbreviate(instance));
    }
  }

  void CheckString(json const& schema, json const& instance, std::string const& path) {
    auto const& s = instance.get_ref<std::string const&>();
    auto min_it = schema.find("minLength");
    auto max_it = schema.find("maxLength");
    if (min_it != schema.end() || max_it != schema.end()) {
      std::size_t length = CountCodePoints(s);
      if (min_it != schema.end() && length < ToSize(*min_it)) {
        Add(path, "must be at least " + Plural(ToSize(*min_it), "character", "characters") +
                      ", got " + std::to_string(length) + " (" + Abbreviate(instance) + ")");
      }
      if (max_it != schema.end() && length > ToSize(*max_it)) {
        Add(path, "must be at most " + Plural(ToSize(*max_it), "character", "characters") +
                      ", got " + std::to_string(length) + " (" + Abbreviate(instance) + ")");
      }
    }
    if (auto it = schema.find("pattern"); it != schema.end()) {
      CheckPattern(it->get_ref<std::string const&>(), instance, path);
    }
    if (auto it = schema.find("format"); it != schema.end() && it->is_string()) {
      auto const& format = it->get_ref<std::string const&>();
      if (format == "date" && !IsFullDate(s)) {
        Add(path, "must be a date (YYYY-MM-DD), got " + Abbreviate(instance));
      } else if (format == "date-time" && !IsDateTime(s)) {
        Add(path, "must be a date-time (YYYY-MM-DDThh:mm:ss, optional fraction and offset), got " +
                      Abbreviate(instance));
      }
    }
  }

  void CheckPattern(std::string const& pattern, json const& instance, std::string const& path) {
    auto compiled = GetPattern(pattern);
    std::string shown = Abbreviate(json(pattern), 2 * kShownValueChars);
    if (!compiled->regex) {
      Add(path, "schema error: invalid pattern " + shown + ": " + compiled->error);
      return;
    }
    auto const& s = instance.get_ref<std::string const&>();
    if (s.size() > kMaxPatternSubjectBytes) {
      Add(path, "too long to check against pattern " + shown + " (" + std::to_string(s.size()) +
                    " bytes, limit " + std::to_string(kMaxPatternSubjectBytes) + ")");
      return;
    }
    bool matched = false;
    try {
      matched = std::regex_search(s, *compiled->regex);
    } catch (std::regex_error const& e) {
      Add(path, "could not be checked against pattern " + shown + ": " + e.what());
      return;
    }
    if (!matched) Add(path, "must match pattern " + shown + ", got " + Abbreviate(instance));
  }

  void CheckArray(json const& schema, json const& instance, std::string const& path,
                  std::size_t depth) {
    std::size_t size = instance.size();
    if (auto it = schema.find("minItems"); it != schema.end() && size < ToSize(*it)) {
      Add(path, "must have at least " + Plural(ToSize(*it), "item", "items") + ", got " +
                    std::to_string(size));
    }
    if (auto it = schema.find("maxItems"); it != schema.end() && size > ToSize(*it)) {
      Add(path, "must have at most " + Plural(ToSize(*it), "item", "items") + ", got " +
                    std::to_string(size));
    }
    if (auto it = schema.find("uniqueItems"); it != schema.end() && it->get<bool>()) {
      CheckUnique(instance, path);
    }
    auto items = schema.find("items");
    if (items == schema.end()) return;
    if (!items->is_array()) {
      for (std::size_t i = 0; i < size && !full(); ++i) {
        Validate(*items, instance[i], ChildPath(path, i), depth + 1);
      }
      return;
    }
    std::size_t positional = std::min(size, items->size());
    for (std::size_t i = 0; i < positional && !full(); ++i) {
      Validate((*items)[i], instance[i], ChildPath(path, i), depth + 1);
    }
    auto additional = schema.find("additionalItems");
    if (additional == schema.end()) return;
    for (std::size_t i = positional; i < size && !full(); ++i) {
      if (additional->is_boolean() && !additional->get<bool>()) {
        Add(ChildPath(path, i), "unexpected item; at most " +
                                    Plural(items->size(), "item is", "items are") + " allowed");
        return;
      }
      Validate(*additional, instance[i], ChildPath(path, i), depth + 1);
    }
  }

  void CheckUnique(json const& instance, std::string const& path) {
    std::unordered_map<std::string, std::size_t> seen;
    std::size_t index = 0;
    for (auto const& e : instance) {
      auto key = CanonicalKey(e);
      if (!key) {
        Add(path, "items nested too deeply to check uniqueness");
        return;
      }
      auto [it, inserted] = seen.emplace(std::move(*key), index);
      if (!inserted) {
        Add(path, "must not contain duplicates; items " + std::to_string(it->second) + " and " +
                      std::to_string(index) + " are both " + Abbreviate(e));
        return;
      }
      ++index;
    }
  }

  void CheckObject(json const& schema, json const& instance, std::string const& path,
                   std::size_t depth) {
    std::size_t size = instance.size();
    if (auto it = schema.find("minProperties"); it != schema.end() && size < ToSize(*it)) {
      Add(path, "must have at least " + Plural(ToSize(*it), "property", "properties") + ", got " +
                    std::to_string(size));
    }
    if (auto it = schema.find("maxProperties"); it != schema.end() && size > ToSize(*it)) {
      Add(path, "must have at most " + Plural(ToSize(*it), "property", "properties") + ", got " +
                    std::to_string(size));
    }
    // The root object holds the tool's arguments.
    std::string_view noun = path.empty() ? "argument" : "property";
    if (auto it = schema.find("required"); it != schema.end()) {
      for (auto const& name : *it) {
        auto const& key = name.get_ref<std::string const&>();
        if (!instance.contains(key)) {
          Add(ChildPath(path, key), "required " + std::string(noun) + " missing");
        }
      }
    }
    auto properties = schema.find("properties");
    auto additional = schema.find("additionalProperties");
    for (auto const& [key, value] : instance.items()) {
      if (full()) return;
      if (properties != schema.end()) {
        if (auto p = properties->find(key); p != properties->end()) {
          Validate(*p, value, ChildPath(path, key), depth + 1);
          continue;
        }
      }
      if (additional == schema.end()) continue;
      if (additional->is_boolean() && !additional->get<bool>()) {
        Add(ChildPath(path, key), UnknownPropertyMessage(noun, properties, schema.end()));
        continue;
      }
      Validate(*additional, value, ChildPath(path, key), depth + 1);
    }
  }

  static std::string UnknownPropertyMessage(std::string_view noun, json::const_iterator properties,
                                            json::const_iterator end) {
    std::string message = "unknown " + std::string(noun);
    if (properties == end || properties->empty()) {
      return message +
             (noun == "argument" ? "; no arguments are allowed" : "; no properties are allowed");
    }
    std::string allowed;
    for (auto const& [name, unused] : properties->items()) {
      if (!allowed.empty()) allowed += ", ";
      if (allowed.size() > 2 * kShownListChars) {
        allowed += "...";
        break;
      }
      allowed += name;
    }
    return message + "; allowed: " + allowed;
  }

  std::size_t max_errors_;
  std::vector<SchemaError> errors_;
};

void FindUnsupported(json const& schema, std::string const& pointer, std::size_t depth,
                     std::vector<std::string>& out) {
  if (depth > kMaxSchemaDepth) {
    out.push_back(pointer + " (schema nested too deeply)");
    return;
  }
  if (schema.is_boolean()) return;
  if (!schema.is_object()) {
    out.push_back(pointer + " (a schema must be an object or a boolean)");
    return;
  }
  for (auto const& [keyword, value] : schema.items()) {
    std::string keyword_pointer = ChildPath(pointer, keyword);
    if (IsAnnotationKeyword(keyword)) continue;
    if (!IsSupportedKeyword(keyword)) {
      out.push_back(keyword_pointer);
      continue;
    }
    std::string reason = MalformedReason(keyword, value);
    if (!reason.empty()) {
      out.push_back(keyword_pointer + " (" + reason + ")");
      continue;
    }
    if (keyword == "properties") {
      for (auto const& [name, sub] : value.items()) {
        FindUnsupported(sub, ChildPath(keyword_pointer, name), depth + 1, out);
      }
    } else if (keyword == "items" && value.is_array()) {
      for (std::size_t i = 0; i < value.size(); ++i) {
        FindUnsupported(value[i], ChildPath(keyword_pointer, i), depth + 1, out);
      }
    } else if (keyword == "items" || keyword == "additionalItems" ||
               keyword == "additionalProperties") {
      FindUnsupported(value, keyword_pointer, depth + 1, out);
    }
  }
}

bool IsAllDigits(std::string_view s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
}

}  // namespace

std::vector<SchemaError> ValidateJson(nlohmann::json const& schema, nlohmann::json const& instance,
                                      std::size_t max_errors) {
  try {
    Validator validator(max_errors);
    if (validator.CheckInstanceDepth(instance)) validator.Validate(schema, instance, "", 0);
    return std::move(validator.errors());
  } catch (std::exception const& e) {
    return {SchemaError{"", std::string("internal validator error: ") + e.what()}};
  } catch (...) {
    return {SchemaError{"", "internal validator error"}};
  }
}

std::vector<std::string> UnsupportedKeywords(nlohmann::json const& schema) {
  std::vector<std::string> out;
  try {
    FindUnsupported(schema, "", 0, out);
  } catch (std::exception const& e) {
    out.push_back(std::string("(internal error: ") + e.what() + ")");
  }
  return out;
}

std::string DescribeArgumentError(SchemaError const& e) {
  if (e.path.empty()) return "arguments: " + e.message;
  std::string name;
  std::size_t pos = 1;  // skip the leading '/'
  bool first = true;
  while (pos <= e.path.size()) {
    std::size_t next = e.path.find('/', pos);
    if (next == std::string::npos) next = e.path.size();
    std::string token;
    for (std::size_t i = pos; i < next; ++i) {
      if (e.path[i] == '~' && i + 1 < next && (e.path[i + 1] == '0' || e.path[i + 1] == '1')) {
        token += e.path[i + 1] == '0' ? '~' : '/';
        ++i;
      } else {
        token += e.path[i];
      }
    }
    if (first) {
      name = token;
    } else if (IsAllDigits(token)) {
      name += "[" + token + "]";
    } else {
      name += "." + token;
    }
    first = false;
    pos = next + 1;
  }
  return "argument '" + name + "': " + e.message;
}

}  // namespace mcp
