#include "server/dates.h"

#include "halo/text.h"

#include <charconv>
#include <ctime>
#include <optional>

namespace mcp {
namespace {

using std::chrono::days;
using std::chrono::hours;
using std::chrono::minutes;
using std::chrono::seconds;
using std::chrono::year_month_day;

class Fixed final : public TimeZone {
 public:
  Fixed(std::string name, seconds offset) : name_(std::move(name)), offset_(offset) {}
  seconds OffsetAt(SysSeconds) const override { return offset_; }
  std::string name() const override { return name_; }

 private:
  std::string name_;
  seconds offset_;
};

class Process final : public TimeZone {
 public:
  explicit Process(std::string name) : name_(std::move(name)) {}
  seconds OffsetAt(SysSeconds utc) const override {
    std::time_t t = utc.time_since_epoch().count();
    std::tm local{};
    if (localtime_r(&t, &local) == nullptr) return seconds(0);
    return seconds(local.tm_gmtoff);
  }
  std::string name() const override { return name_; }

 private:
  std::string name_;
};

std::optional<int> Digits(std::string_view s) {
  int v = 0;
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), v);
  if (ec != std::errc() || end != s.data() + s.size() || s.empty()) return std::nullopt;
  return v;
}

/// The UTC instant at which the tenant's local midnight of `day` falls. The offset is taken at
/// that local time (computed twice, so a day that starts in another offset still comes out
/// right).
SysSeconds LocalMidnight(std::chrono::sys_days day, TimeZone const& tz) {
  SysSeconds guess = SysSeconds(day) - tz.OffsetAt(SysSeconds(day));
  return SysSeconds(day) - tz.OffsetAt(guess);
}

DateRange WholeDay(std::chrono::sys_days day, TimeZone const& tz) {
  return {LocalMidnight(day, tz), LocalMidnight(day + days(1), tz) - seconds(1)};
}

std::chrono::sys_days TenantDay(SysSeconds now, TimeZone const& tz) {
  return std::chrono::floor<days>(now + tz.OffsetAt(now));
}

std::optional<std::chrono::sys_days> ParseDay(std::string_view s) {
  if (s.size() != 10 || s[4] != '-' || s[7] != '-') return std::nullopt;
  auto y = Digits(s.substr(0, 4));
  auto m = Digits(s.substr(5, 2));
  auto d = Digits(s.substr(8, 2));
  if (!y || !m || !d) return std::nullopt;
  year_month_day ymd{std::chrono::year(*y), std::chrono::month(static_cast<unsigned>(*m)),
                     std::chrono::day(static_cast<unsigned>(*d))};
  if (!ymd.ok()) return std::nullopt;
  return std::chrono::sys_days(ymd);
}

halo::Status Bad(std::string_view text) {
  return halo::InvalidArgumentError(
      "\"" + std::string(text) +
      "\" is not a date: use YYYY-MM-DD, an ISO timestamp (2026-12-03T09:00), today, "
      "yesterday, tomorrow, or a relative day such as -7d or -2w");
}

}  // namespace

std::shared_ptr<TimeZone const> FixedTimeZone(std::string name, seconds offset) {
  return std::make_shared<Fixed>(std::move(name), offset);
}

std::shared_ptr<TimeZone const> ProcessTimeZone(std::string name) {
  return std::make_shared<Process>(std::move(name));
}

halo::StatusOr<DateRange> ParseDate(std::string_view text, SysSeconds now, TimeZone const& tz) {
  std::string const word = halo::AsciiLower(text);
  auto const today = TenantDay(now, tz);
  if (word == "today") return WholeDay(today, tz);
  if (word == "yesterday") return WholeDay(today - days(1), tz);
  if (word == "tomorrow") return WholeDay(today + days(1), tz);
  if (word.size() >= 3 && (word[0] == '-' || word[0] == '+') &&
      (word.back() == 'd' || word.back() == 'w')) {
    auto n = Digits(std::string_view(word).substr(1, word.size() - 2));
    if (!n || *n > 36600) return Bad(text);
    int const count = (word[0] == '-' ? -*n : *n) * (word.back() == 'w' ? 7 : 1);
    return WholeDay(today + days(count), tz);
  }
  if (auto day = ParseDay(text)) return WholeDay(*day, tz);
  // A timestamp: date, 'T' or ' ', HH:MM[:SS[.fff]], optional Z or offset.
  if (text.size() < 16 || (text[10] != 'T' && text[10] != 't' && text[10] != ' ')) {
    return Bad(text);
  }
  auto day = ParseDay(text.substr(0, 10));
  if (!day) return Bad(text);
  std::string_view rest = text.substr(11);
  auto hh = Digits(rest.substr(0, 2));
  auto mm = rest.size() >= 5 && rest[2] == ':' ? Digits(rest.substr(3, 2)) : std::nullopt;
  if (!hh || !mm || *hh > 23 || *mm > 59) return Bad(text);
  rest.remove_prefix(5);
  int ss = 0;
  if (!rest.empty() && rest[0] == ':') {
    auto sec = rest.size() >= 3 ? Digits(rest.substr(1, 2)) : std::nullopt;
    if (!sec || *sec > 59) return Bad(text);
    ss = *sec;
    rest.remove_prefix(3);
    if (!rest.empty() && rest[0] == '.') {
      rest.remove_prefix(1);
      while (!rest.empty() && rest[0] >= '0' && rest[0] <= '9') rest.remove_prefix(1);
    }
  }
  SysSeconds local = SysSeconds(*day) + hours(*hh) + minutes(*mm) + seconds(ss);
  SysSeconds utc;
  if (rest.empty()) {
    utc = local - tz.OffsetAt(local - tz.OffsetAt(local));
  } else if (rest == "Z" || rest == "z") {
    utc = local;
  } else if (rest.size() == 6 && (rest[0] == '+' || rest[0] == '-') && rest[3] == ':') {
    auto oh = Digits(rest.substr(1, 2));
    auto om = Digits(rest.substr(4, 2));
    if (!oh || !om || *oh > 23 || *om > 59) return Bad(text);
    seconds offset = hours(*oh) + minutes(*om);
    utc = rest[0] == '+' ? local - offset : local + offset;
  } else {
    return Bad(text);
  }
  return DateRange{utc, utc};
}

std::string FormatHaloTime(SysSeconds utc) {
  auto day = std::chrono::floor<days>(utc);
  year_month_day ymd{day};
  std::chrono::hh_mm_ss<seconds> tod{utc - day};
  char buf[32];
  std::snprintf(buf, sizeof buf, "%04d-%02u-%02uT%02d:%02d:%02d", static_cast<int>(ymd.year()),
                static_cast<unsigned>(ymd.month()), static_cast<unsigned>(ymd.day()),
                static_cast<int>(tod.hours().count()), static_cast<int>(tod.minutes().count()),
                static_cast<int>(tod.seconds().count()));
  return buf;
}

std::string TenantDate(SysSeconds now, TimeZone const& tz) {
  return FormatHaloTime(SysSeconds(TenantDay(now, tz))).substr(0, 10);
}

std::string FormatOffset(seconds offset) {
  auto total = offset.count();
  char sign = total < 0 ? '-' : '+';
  if (total < 0) total = -total;
  char buf[48];
  std::snprintf(buf, sizeof buf, "%c%02lld:%02lld", sign, static_cast<long long>(total / 3600),
                static_cast<long long>(total % 3600 / 60));
  return buf;
}

}  // namespace mcp
