#include "halo/safe_int.h"

#include <catch2/catch.hpp>

using halo::JsonToInt64;
using halo::JsonToInt64OrString;
using halo::kInt64Max;
using halo::kInt64Min;
using halo::ParseInt64;
using halo::SaturatingAdd;
using halo::SaturatingMul;
using halo::SaturatingSub;
using nlohmann::json;

TEST_CASE("ParseInt64 takes whole decimal integers inside the range", "[halo][safe_int]") {
  CHECK(ParseInt64("42") == 42);
  CHECK(ParseInt64("-7") == -7);
  CHECK(ParseInt64("0", 0, 10) == 0);
  CHECK(ParseInt64("10", 0, 10) == 10);
  CHECK(ParseInt64("9223372036854775807") == kInt64Max);
  CHECK(ParseInt64("-9223372036854775808") == kInt64Min);

  CHECK_FALSE(ParseInt64("11", 0, 10));
  CHECK_FALSE(ParseInt64("-1", 0, 10));
  CHECK_FALSE(ParseInt64("9223372036854775808"));  // one past int64
  CHECK_FALSE(ParseInt64("99999999999999999999999"));
  for (char const* bad : {"", " 1", "1 ", "+1", "1.0", "1e3", "12abc", "0x10", "-", "--1"}) {
    INFO(bad);
    CHECK_FALSE(ParseInt64(bad));
  }
}

TEST_CASE("Saturating arithmetic clamps instead of wrapping", "[halo][safe_int]") {
  CHECK(SaturatingAdd(2, 3) == 5);
  CHECK(SaturatingAdd(kInt64Max, 1) == kInt64Max);
  CHECK(SaturatingAdd(kInt64Max - 5, 100) == kInt64Max);
  CHECK(SaturatingAdd(kInt64Min, -1) == kInt64Min);
  CHECK(SaturatingAdd(kInt64Max, kInt64Min) == -1);

  CHECK(SaturatingSub(5, 3) == 2);
  CHECK(SaturatingSub(kInt64Min, 1) == kInt64Min);
  CHECK(SaturatingSub(kInt64Max, -1) == kInt64Max);
  CHECK(SaturatingSub(0, kInt64Min) == kInt64Max);

  CHECK(SaturatingMul(6, 7) == 42);
  CHECK(SaturatingMul(kInt64Max, 2) == kInt64Max);
  CHECK(SaturatingMul(kInt64Min, 2) == kInt64Min);
  CHECK(SaturatingMul(kInt64Max, -2) == kInt64Min);
  CHECK(SaturatingMul(kInt64Min, -1) == kInt64Max);
  CHECK(SaturatingMul(std::int64_t{1} << 40, std::int64_t{1} << 40) == kInt64Max);
  CHECK(SaturatingMul(0, kInt64Min) == 0);
}

TEST_CASE("JsonToInt64 refuses non-integral and out-of-range numbers", "[halo][safe_int]") {
  CHECK(JsonToInt64(json(12)) == 12);
  CHECK(JsonToInt64(json(-12)) == -12);
  CHECK(JsonToInt64(json(12.0)) == 12);
  CHECK(JsonToInt64(json::parse("1e3")) == 1000);
  CHECK(JsonToInt64(json(std::uint64_t{9223372036854775807ULL})) == kInt64Max);
  CHECK(JsonToInt64(json(5), 0, 10) == 5);

  CHECK_FALSE(JsonToInt64(json(2.5)));
  CHECK_FALSE(JsonToInt64(json::parse("1e300")));
  CHECK_FALSE(JsonToInt64(json::parse("-1e300")));
  CHECK_FALSE(JsonToInt64(json(9223372036854775808.0)));  // 2^63
  CHECK_FALSE(JsonToInt64(json(std::uint64_t{9223372036854775808ULL})));
  CHECK_FALSE(JsonToInt64(json::parse("18446744073709551615")));
  CHECK_FALSE(JsonToInt64(json(11), 0, 10));
  CHECK_FALSE(JsonToInt64(json(-1), 0, 10));
  CHECK_FALSE(JsonToInt64(json("12")));
  CHECK_FALSE(JsonToInt64(json(true)));
  CHECK_FALSE(JsonToInt64(json(nullptr)));
  CHECK_FALSE(JsonToInt64(json::array({1})));
}

TEST_CASE("JsonToInt64OrString also reads decimal strings", "[halo][safe_int]") {
  CHECK(JsonToInt64OrString(json("42")) == 42);
  CHECK(JsonToInt64OrString(json(42)) == 42);
  CHECK_FALSE(JsonToInt64OrString(json("4.2")));
  CHECK_FALSE(JsonToInt64OrString(json("99999999999999999999")));
  CHECK_FALSE(JsonToInt64OrString(json("-1"), 0, 100));
  CHECK_FALSE(JsonToInt64OrString(json("")));
}
