#include "halo/bounded_json.h"

#include <catch2/catch.hpp>

#include <string>
#include <vector>

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

TEST_CASE("ParseBoundedJson keeps only the wanted members of list records", "[json]") {
  std::vector<std::string> const keep{"id", "summary", "tags"};
  SECTION("wrapped list: other members of the document and nested objects stay whole") {
    auto r = ParseBoundedJson(
        R"({"record_count":2,"extra":{"a":1},"tickets":[)"
        R"({"id":1,"summary":"x","details":{"deep":[1,{"b":2}],"more":"y"},"agent_id":3},)"
        R"({"notes":[[1],[2]],"id":2,"tags":[{"name":"n","colour":"red"}],"flag":true}]})",
        {}, keep);
    REQUIRE(r.ok());
    CHECK(r.value == nlohmann::json::parse(
                         R"({"record_count":2,"extra":{"a":1},"tickets":[{"id":1,"summary":"x"},)"
                         R"({"id":2,"tags":[{"name":"n","colour":"red"}]}]})"));
  }
  SECTION("bare list") {
    auto r = ParseBoundedJson(R"([{"id":1,"x":null},{"y":{}},{"id":3,"summary":"s"}])", {}, keep);
    REQUIRE(r.ok());
    CHECK(r.value == nlohmann::json::parse(R"([{"id":1},{},{"id":3,"summary":"s"}])"));
  }
  SECTION("a single record (not in a list) is not filtered") {
    auto r = ParseBoundedJson(R"({"id":1,"details":"d"})", {}, keep);
    REQUIRE(r.ok());
    CHECK(r.value.contains("details"));
  }
  SECTION("skipped members still count against the limits") {
    JsonLimits limits;
    limits.max_depth = 4;
    auto deep = ParseBoundedJson(R"([{"skip":[[[[1]]]]}])", limits, keep);
    CHECK(deep.error == JsonError::kTooDeep);
    limits = {};
    limits.max_values = 4;
    auto many = ParseBoundedJson(R"([{"id":1,"skip":[1,2,3]}])", limits, keep);
    CHECK(many.error == JsonError::kTooLarge);
  }
  SECTION("syntax errors inside skipped members are still errors") {
    CHECK_FALSE(ParseBoundedJson(R"([{"skip":[1,}])", {}, keep).ok());
  }
  SECTION("no keys: everything is kept") {
    auto r = ParseBoundedJson(R"([{"id":1,"details":"d"}])");
    REQUIRE(r.ok());
    CHECK(r.value[0].contains("details"));
  }
}

}  // namespace
}  // namespace halo
