#include "halo/query.h"

#include "halo/safe_int.h"

#include <cctype>
#include <charconv>
#include <cstdio>
#include <ctime>

namespace halo {
namespace {

bool IsUnreserved(unsigned char c) {
  return std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~';
}

bool ParseFixed(std::string_view s, std::size_t pos, std::size_t len, int& out) {
  if (pos + len > s.size()) return false;
  int v = 0;
  for (std::size_t i = pos; i < pos + len; ++i) {
    if (!std::isdigit(static_cast<unsigned char>(s[i]))) return false;
    v = v * 10 + (s[i] - '0');
  }
  out = v;
  return true;
}

// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
std::int64_t DaysFromCivil(int y, unsigned m, unsigned d) {
  y -= m <= 2 ? 1 : 0;
  std::int64_t const era = (y >= 0 ? y : y - 399) / 400;
  auto const yoe = static_cast<unsigned>(y - era * 400);
  unsigned const doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
  unsigned const doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
  return era * 146097 + static_cast<std::int64_t>(doe) - 719468;
}

bool ValidDate(int y, int m, int d) {
  if (y < 1753 || y > 9999 || m < 1 || m > 12 || d < 1) return false;
  static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  int max = kDays[m - 1];
  bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
  if (m == 2 && leap) max = 29;
  return d <= max;
}

}  // namespace

std::string PercentEncode(std::string_view value) {
  static constexpr char kHex[] = "0123456789ABCDEF";
  std::string out;
  out.reserve(value.size());
  for (char ch : value) {
    auto c = static_cast<unsigned char>(ch);
    if (IsUnreserved(c)) {
      out += ch;
    } else {
      out += '%';
      out += kHex[c >> 4];
      out += kHex[c & 0xF];
    }
  }
  return out;
}

std::string EncodeQueryString(QueryParams const& query) {
  std::string out;
  for (auto const& [name, value] : query) {
    if (!out.empty()) out += '&';
    out += PercentEncode(name);
    out += '=';
    out += PercentEncode(value);
  }
  return out;
}

std::string EncodeBool(bool value) { return value ? "true" : "false"; }

std::string EncodeInt(std::int64_t value) { return std::to_string(value); }

std::string EncodeIdList(std::vector<std::int64_t> const& ids) {
  std::string out;
  for (auto id : ids) {
    if (!out.empty()) out += ',';
    out += std::to_string(id);
  }
  return out;
}

namespace {

// In whole seconds: a system_clock time_point counts nanoseconds and overflows after 2262, and
// people do type dates like 7495-09-01.
std::string FormatDateTime(std::chrono::sys_seconds secs, bool utc_suffix) {
  auto days = std::chrono::floor<std::chrono::days>(secs);
  std::chrono::year_month_day ymd{days};
  std::chrono::hh_mm_ss hms{secs - days};
  char buf[32];
  std::snprintf(buf, sizeof(buf), "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(hms.hours().count()), static_cast<int>(hms.minutes().count()),
                static_cast<int>(hms.seconds().count()));
  std::string out(buf);
  if (utc_suffix) out += 'Z';
  return out;
}

}  // namespace

std::string EncodeDateTime(std::chrono::system_clock::time_point t, bool utc_suffix) {
  return FormatDateTime(std::chrono::floor<std::chrono::seconds>(t), utc_suffix);
}

StatusOr<std::string> NormaliseIsoDate(std::string_view value, std::string_view param) {
  auto bad = [&]() {
    return InvalidArgumentError(std::string(param) +
                                " must be an ISO-8601 date or date-time, e.g. 2026-09-01 or "
                                "2026-09-01T08:00:00 (UTC)");
  };
  std::string_view s = value;
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  int y = 0, mo = 0, d = 0;
  if (s.size() < 10 || !ParseFixed(s, 0, 4, y) || s[4] != '-' || !ParseFixed(s, 5, 2, mo) ||
      s[7] != '-' || !ParseFixed(s, 8, 2, d) || !ValidDate(y, mo, d)) {
    return bad();
  }
  if (s.size() == 10) return std::string(s);
  if (s[10] != 'T' && s[10] != 't' && s[10] != ' ') return bad();
  int h = 0, mi = 0, sec = 0;
  std::size_t pos = 11;
  if (!ParseFixed(s, pos, 2, h) || pos + 2 >= s.size() + 0 || s[pos + 2] != ':' ||
      !ParseFixed(s, pos + 3, 2, mi)) {
    return bad();
  }
  pos += 5;
  if (pos < s.size() && s[pos] == ':') {
    if (!ParseFixed(s, pos + 1, 2, sec)) return bad();
    pos += 3;
    if (pos < s.size() && (s[pos] == '.' || s[pos] == ',')) {
      ++pos;
      std::size_t digits = 0;
      while (pos < s.size() && std::isdigit(static_cast<unsigned char>(s[pos]))) ++pos, ++digits;
      if (digits == 0) return bad();
    }
  }
  if (h > 23 || mi > 59 || sec > 60) return bad();
  if (sec == 60) sec = 59;  // leap second: Halo's DateTime cannot hold it
  int offset_minutes = 0;
  if (pos < s.size()) {
    char z = s[pos];
    if ((z == 'Z' || z == 'z') && pos + 1 == s.size()) {
      // UTC
    } else if (z == '+' || z == '-') {
      int oh = 0, om = 0;
      if (!ParseFixed(s, pos + 1, 2, oh)) return bad();
      std::size_t rest = pos + 3;
      if (rest < s.size() && s[rest] == ':') ++rest;
      if (rest < s.size()) {
        if (!ParseFixed(s, rest, 2, om) || rest + 2 != s.size()) return bad();
      }
      if (oh > 14 || om > 59) return bad();
      offset_minutes = (oh * 60 + om) * (z == '-' ? -1 : 1);
    } else {
      return bad();
    }
  }
  std::int64_t days = DaysFromCivil(y, static_cast<unsigned>(mo), static_cast<unsigned>(d));
  std::int64_t total = days * 86400 + h * 3600 + mi * 60 + sec - offset_minutes * 60;
  return FormatDateTime(std::chrono::sys_seconds{std::chrono::seconds(total)}, false);
}

StatusOr<std::string> EncodeQueryValue(nlohmann::json const& value, std::string_view param) {
  using nlohmann::json;
  switch (value.type()) {
    case json::value_t::boolean:
      return EncodeBool(value.get<bool>());
    case json::value_t::number_integer:
      return EncodeInt(value.get<std::int64_t>());
    case json::value_t::number_unsigned:
      return std::to_string(value.get<std::uint64_t>());
    case json::value_t::number_float: {
      if (auto whole = JsonToInt64(value)) return EncodeInt(*whole);
      // Halo has a few (double) parameters; keep the value as JSON renders it.
      return value.dump();
    }
    case json::value_t::string:
      return value.get<std::string>();
    case json::value_t::array: {
      std::vector<std::int64_t> ids;
      for (auto const& e : value) {
        if (e.is_number_integer()) {
          ids.push_back(e.get<std::int64_t>());
        } else if (e.is_string()) {
          auto const& s = e.get_ref<std::string const&>();
          std::int64_t id = 0;
          auto r = std::from_chars(s.data(), s.data() + s.size(), id);
          if (r.ec != std::errc() || r.ptr != s.data() + s.size()) {
            return InvalidArgumentError(std::string(param) + " must be a list of integer ids");
          }
          ids.push_back(id);
        } else {
          return InvalidArgumentError(std::string(param) + " must be a list of integer ids");
        }
      }
      return EncodeIdList(ids);
    }
    default:
      return InvalidArgumentError(std::string(param) +
                                  " must be a string, number, boolean or list of ids");
  }
}

QueryBuilder& QueryBuilder::Set(std::string name, std::string value) {
  for (auto& [n, v] : query_) {
    if (n == name) {
      v = std::move(value);
      return *this;
    }
  }
  query_.emplace_back(std::move(name), std::move(value));
  return *this;
}

QueryBuilder& QueryBuilder::String(std::string name, std::string value) {
  return Set(std::move(name), std::move(value));
}
QueryBuilder& QueryBuilder::Bool(std::string name, bool value) {
  return Set(std::move(name), EncodeBool(value));
}
QueryBuilder& QueryBuilder::Int(std::string name, std::int64_t value) {
  return Set(std::move(name), EncodeInt(value));
}
QueryBuilder& QueryBuilder::Ids(std::string name, std::vector<std::int64_t> const& ids) {
  return Set(std::move(name), EncodeIdList(ids));
}
QueryBuilder& QueryBuilder::DateTime(std::string name, std::chrono::system_clock::time_point t) {
  return Set(std::move(name), EncodeDateTime(t));
}

StatusOr<std::string> ExpandPath(std::string_view path_template,
                                 std::map<std::string, std::string> const& values) {
  std::string out;
  std::size_t i = 0;
  while (i < path_template.size()) {
    char c = path_template[i];
    if (c != '{') {
      out += c;
      ++i;
      continue;
    }
    auto close = path_template.find('}', i);
    if (close == std::string_view::npos) {
      return InvalidArgumentError("path template has an unclosed '{': " +
                                  std::string(path_template));
    }
    std::string name(path_template.substr(i + 1, close - i - 1));
    auto it = values.find(name);
    if (it == values.end() || it->second.empty()) {
      return InvalidArgumentError("missing value for path parameter '" + name + "'");
    }
    out += PercentEncode(it->second);
    i = close + 1;
  }
  return out;
}

}  // namespace halo
