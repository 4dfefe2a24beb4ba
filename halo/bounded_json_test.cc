#include "halo/bounded_json.h"

#include <catch2/catch.hpp>

#include <string>

namespace halo {
namespace {

std::string Nested(std::size_t depth, char open = '[', char close = ']') {
  return std::string(depth, open) + std::string(depth, close);
}

TEST_CASE("ParseBoundedJson parses ordinary documents", "[json]") {
  auto r = ParseBoundedJson(R"({"a":[1,2,{"b":null}],"c":"d","e":1.5,"f":18446744073709551615})");
  REQUIRE(r.ok());
  CHECK(r.value["a"][2]["b"].is_null());
  CHECK(r.value["c"] == "d");
  CHECK(r.value["f"].is_number_unsigned());
}

TEST_CASE("ParseBoundedJson refuses nesting beyond the limit before building it", "[json]") {
  JsonLimits limits;
  limits.max_depth = 64;
  CHECK(ParseBoundedJson(Nested(64), limits).ok());
  auto deep = ParseBoundedJson(Nested(65), limits);
  REQUIRE_FALSE(deep.ok());
  CHECK(deep.error == JsonError::kTooDeep);
  CHECK(deep.value.is_discarded());
  CHECK_THAT(deep.message, Catch::Matchers::Contains("deeper than 64"));
  // The attack from the issue: 100,000 levels, objects and arrays mixed. No stack overflow.
  std::string hostile;
  for (int i = 0; i < 100'000; ++i) hostile += (i % 2) ? "{\"a\":" : "[";
  auto r = ParseBoundedJson(hostile, limits);
  CHECK(r.error == JsonError::kTooDeep);
}

TEST_CASE("ParseBoundedJson counts values", "[json]") {
  JsonLimits limits;
  limits.max_values = 5;
  CHECK(ParseBoundedJson("[1,2,3,4]", limits).ok());  // the array counts too
  auto r = ParseBoundedJson("[1,2,3,4,5]", limits);
  CHECK(r.error == JsonError::kTooLarge);
  CHECK_THAT(r.message, Catch::Matchers::Contains("more than 5"));
}

TEST_CASE("ParseBoundedJson reports syntax errors and invalid UTF-8 without throwing", "[json]") {
  for (std::string bad : {"", "{", "[1,]", "{\"a\" 1}", "\"\xff\"", "nul", "1 2"}) {
    auto r = ParseBoundedJson(bad);
    INFO(bad);
    CHECK_FALSE(r.ok());
    CHECK(r.error == JsonError::kSyntax);
    CHECK_FALSE(r.message.empty());
    CHECK(r.message.find("json.exception") == std::string::npos);
  }
}

}  // namespace
}  // namespace halo
