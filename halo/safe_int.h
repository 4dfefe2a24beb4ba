#pragma once

#include <nlohmann/json.hpp>

#include <charconv>
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <string_view>

namespace halo {

/**
 * Integer helpers for numbers that come from outside (HaloPSA's record_count and expires_in,
 * Retry-After, page numbers, limits and offsets typed by a model): parse with a range check, and
 * combine with operations that saturate instead of overflowing. Nothing here throws.
 *
 * @code
 * auto offset = halo::ParseInt64(cursor, 0, 1'000'000'000);        // nullopt if out of range
 * auto end = halo::SaturatingAdd(*offset, limit);                   // never wraps
 * auto count = halo::JsonToInt64(body["record_count"], 0, kMax);    // refuses 2.5, "x", 1e300
 * @endcode
 */

inline constexpr std::int64_t kInt64Min = std::numeric_limits<std::int64_t>::min();
inline constexpr std::int64_t kInt64Max = std::numeric_limits<std::int64_t>::max();

/// A whole decimal integer ("42", "-7") inside [min, max]. Anything else (empty, "+1", " 1",
/// "1.0", "12abc", a value beyond int64) is nullopt.
inline std::optional<std::int64_t> ParseInt64(std::string_view text, std::int64_t min = kInt64Min,
                                              std::int64_t max = kInt64Max) {
  if (text.empty()) return std::nullopt;
  std::int64_t value = 0;
  auto const* end = text.data() + text.size();
  auto [ptr, ec] = std::from_chars(text.data(), end, value);
  if (ec != std::errc() || ptr != end) return std::nullopt;
  if (value < min || value > max) return std::nullopt;
  return value;
}

/// a + b, clamped to the int64 range instead of overflowing.
inline std::int64_t SaturatingAdd(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_add_overflow(a, b, &r)) return b > 0 ? kInt64Max : kInt64Min;
  return r;
}

/// a - b, clamped to the int64 range instead of overflowing.
inline std::int64_t SaturatingSub(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_sub_overflow(a, b, &r)) return b < 0 ? kInt64Max : kInt64Min;
  return r;
}

/// a * b, clamped to the int64 range instead of overflowing.
inline std::int64_t SaturatingMul(std::int64_t a, std::int64_t b) {
  std::int64_t r = 0;
  if (__builtin_mul_overflow(a, b, &r)) return (a < 0) != (b < 0) ? kInt64Min : kInt64Max;
  return r;
}

/// A JSON number as an int64 inside [min, max]: integers, and floating-point values without a
/// fractional part (12.0, 1e3). Strings, booleans, 2.5, 1e300 and out-of-range values are nullopt.
inline std::optional<std::int64_t> JsonToInt64(nlohmann::json const& value,
                                               std::int64_t min = kInt64Min,
                                               std::int64_t max = kInt64Max) {
  std::int64_t n = 0;
  if (value.is_number_unsigned()) {
    auto u = value.get<std::uint64_t>();
    if (u > static_cast<std::uint64_t>(kInt64Max)) return std::nullopt;
    n = static_cast<std::int64_t>(u);
  } else if (value.is_number_integer()) {
    n = value.get<std::int64_t>();
  } else if (value.is_number_float()) {
    double d = value.get<double>();
    // 2^63 is exactly representable; every double below it (and >= -2^63) fits in an int64.
    constexpr double kTwo63 = 9223372036854775808.0;
    if (!std::isfinite(d) || std::trunc(d) != d || d < -kTwo63 || d >= kTwo63) return std::nullopt;
    n = static_cast<std::int64_t>(d);
  } else {
    return std::nullopt;
  }
  if (n < min || n > max) return std::nullopt;
  return n;
}

/// JsonToInt64, also accepting a string holding a whole decimal integer ("42"), as HaloPSA sends
/// some counts.
inline std::optional<std::int64_t> JsonToInt64OrString(nlohmann::json const& value,
                                                       std::int64_t min = kInt64Min,
                                                       std::int64_t max = kInt64Max) {
  if (value.is_string()) return ParseInt64(value.get_ref<std::string const&>(), min, max);
  return JsonToInt64(value, min, max);
}

}  // namespace halo
