#include "server/json_schema.h"

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <atomic>
#include <string>
#include <thread>
#include <vector>

namespace mcp {
namespace {

using nlohmann::json;

// The single error of validating `instance` against `schema`, as "path: message".
std::string OneError(json const& schema, json const& instance) {
  auto errors = ValidateJson(schema, instance);
  if (errors.size() != 1) {
    std::string all = std::to_string(errors.size()) + " errors:";
    for (auto const& e : errors) all += " [" + e.path + ": " + e.message + "]";
    return all;
  }
  return errors[0].path + ": " + errors[0].message;
}

bool Valid(json const& schema, json const& instance) {
  return ValidateJson(schema, instance).empty();
}

TEST_CASE("type accepts matching values and names both sides otherwise", "[json_schema]") {
  CHECK(Valid({{"type", "string"}}, "abc"));
  CHECK(Valid({{"type", "object"}}, json::object()));
  CHECK(Valid({{"type", "array"}}, json::array()));
  CHECK(Valid({{"type", "boolean"}}, false));
  CHECK(Valid({{"type", "null"}}, nullptr));
  CHECK(Valid({{"type", "number"}}, 1.5));
  CHECK(Valid({{"type", "number"}}, 7));
  CHECK(OneError({{"type", "integer"}}, "abc") == R"(: expected integer, got string "abc")");
  CHECK(OneError({{"type", "string"}}, nullptr) == ": expected string, got null");
  CHECK(OneError({{"type", "boolean"}}, 1) == ": expected boolean, got integer 1");
  CHECK(OneError({{"type", "object"}}, json::array({1, 2})) ==
        ": expected object, got array [1,2]");
  CHECK(OneError({{"type", json::array({"string", "null"})}}, 5) ==
        ": expected string or null, got integer 5");
  CHECK(OneError({{"type", json::array({"integer", "string", "null"})}}, true) ==
        ": expected integer, string or null, got boolean true");
  CHECK(Valid({{"type", json::array({"string", "null"})}}, nullptr));
}

TEST_CASE("integer accepts integral numbers, including 3.0", "[json_schema]") {
  json const schema = {{"type", "integer"}};
  CHECK(Valid(schema, 3));
  CHECK(Valid(schema, -3));
  CHECK(Valid(schema, 3.0));
  CHECK(Valid(schema, json::parse("18446744073709551615")));
  CHECK(Valid(schema, json::parse("1e300")));
  CHECK(OneError(schema, 3.5) == ": expected integer, got number 3.5");
  CHECK(OneError(schema, "3") == R"(: expected integer, got string "3")");
}

TEST_CASE("a failing type stops the other keywords for that value", "[json_schema]") {
  json const schema = {{"type", "string"}, {"minLength", 3}, {"enum", {"abc", "def"}}};
  CHECK(OneError(schema, 1) == ": expected string, got integer 1");
}

TEST_CASE("enum and const compare JSON values", "[json_schema]") {
  json const schema = {{"enum", {"open", "closed", 3, nullptr}}};
  CHECK(Valid(schema, "open"));
  CHECK(Valid(schema, 3.0));  // 3 == 3.0
  CHECK(Valid(schema, nullptr));
  CHECK(OneError(schema, "pending") ==
        R"(: must be one of "open", "closed", 3, null; got "pending")");
  CHECK(OneError({{"enum", {false}}}, 0) == ": must be one of false; got 0");
  CHECK(Valid({{"enum", {json{{"a", 1}, {"b", {1, 2}}}}}}, json::parse(R"({"b":[1,2.0],"a":1})")));

  CHECK(Valid({{"const", "v1"}}, "v1"));
  CHECK(OneError({{"const", "v1"}}, "v2") == R"(: must be "v1", got "v2")");
  CHECK(OneError({{"const", json::array({1})}}, json::array({true})) ==
        ": must be [1], got [true]");
}

TEST_CASE("numeric bounds name the bound and the value", "[json_schema]") {
  CHECK(OneError({{"maximum", 100}}, 500) == ": must be <= 100, got 500");
  CHECK(OneError({{"minimum", 1}}, 0) == ": must be >= 1, got 0");
  CHECK(OneError({{"exclusiveMinimum", 0}}, 0) == ": must be > 0, got 0");
  CHECK(OneError({{"exclusiveMaximum", 10}}, 10.0) == ": must be < 10, got 10.0");
  CHECK(Valid({{"minimum", 1}, {"maximum", 100}}, 100));
  CHECK(Valid({{"minimum", 1}, {"maximum", 100}}, 1));
  CHECK(Valid({{"exclusiveMinimum", 0.5}}, 0.6));
  CHECK(Valid({{"maximum", 5}}, "not a number"));  // numeric keywords ignore other types
  // Exact comparison of large integers of mixed signedness.
  CHECK(Valid({{"maximum", json::parse("18446744073709551615")}}, -1));
  CHECK(OneError({{"maximum", -1}}, json::parse("18446744073709551615")) ==
        ": must be <= -1, got 18446744073709551615");
  CHECK(OneError({{"minimum", json::parse("9007199254740993")}}, json::parse("9007199254740992")) ==
        ": must be >= 9007199254740993, got 9007199254740992");
}

TEST_CASE("multipleOf handles integers and decimal fractions", "[json_schema]") {
  CHECK(Valid({{"multipleOf", 5}}, 15));
  CHECK(Valid({{"multipleOf", 5}}, -15));
  CHECK(OneError({{"multipleOf", 5}}, 7) == ": must be a multiple of 5, got 7");
  CHECK(Valid({{"multipleOf", 0.01}}, 19.99));
  CHECK(Valid({{"multipleOf", 0.0001}}, 0.0075));
  CHECK_FALSE(Valid({{"multipleOf", 0.0001}}, 0.00751));
  CHECK_FALSE(Valid({{"multipleOf", 0.123456789}}, 1e308));  // overflow is not a multiple
}

TEST_CASE("string lengths count Unicode code points", "[json_schema]") {
  json const schema = {{"minLength", 2}, {"maxLength", 3}};
  CHECK(Valid(schema, "h\xC3\xA9"));                         // "hé": 2 code points, 3 bytes
  CHECK(Valid(schema, "\xF0\x9F\x98\x80\xF0\x9F\x98\x80"));  // two emoji, 8 bytes
  CHECK(OneError(schema, "\xC3\xA9") == ": must be at least 2 characters, got 1 (\"\xC3\xA9\")");
  CHECK(OneError(schema, "abcd") == R"(: must be at most 3 characters, got 4 ("abcd"))");
  CHECK(OneError({{"maxLength", 1}}, "ab") == R"(: must be at most 1 character, got 2 ("ab"))");
}

TEST_CASE("pattern searches unanchored with ECMAScript syntax", "[json_schema]") {
  CHECK(Valid({{"pattern", "b+"}}, "abbbc"));
  CHECK(Valid({{"pattern", "^\\d{4}$"}}, "2026"));
  CHECK(OneError({{"pattern", "^\\d{4}$"}}, "20x6") ==
        R"(: must match pattern "^\\d{4}$", got "20x6")");
  CHECK(Valid({{"pattern", "^a"}}, 5));  // only strings are checked
}

TEST_CASE("an invalid pattern is a schema error, not a crash", "[json_schema]") {
  auto errors = ValidateJson({{"pattern", "(unclosed"}}, "x");
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].path.empty());
  CHECK_THAT(errors[0].message, Catch::Matchers::StartsWith("schema error: "));
  CHECK_THAT(errors[0].message, Catch::Matchers::Contains("(unclosed"));
  // Cached: the second use reports the same.
  CHECK(ValidateJson({{"pattern", "(unclosed"}}, "y").size() == 1);
  auto unsupported = UnsupportedKeywords({{"properties", {{"code", {{"pattern", "[z-a]"}}}}}});
  REQUIRE(unsupported.size() == 1);
  CHECK_THAT(
      unsupported[0],
      Catch::Matchers::StartsWith(
          "/properties/code/pattern (must be a valid ECMAScript regular expression (\"[z-a]\": "));
}

TEST_CASE("very long strings are not fed to std::regex", "[json_schema]") {
  auto errors = ValidateJson({{"pattern", "^(a|b)*$"}}, std::string(100000, 'a'));
  REQUIRE(errors.size() == 1);
  CHECK_THAT(errors[0].message, Catch::Matchers::StartsWith("too long to check against pattern"));
  CHECK(Valid({{"pattern", "^(a|b)*$"}}, std::string(1000, 'a')));
}

TEST_CASE("patterns are safe to use from several threads", "[json_schema]") {
  std::atomic<int> failures{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&failures, t] {
      for (int i = 0; i < 200; ++i) {
        json const schema = {{"pattern", "^id-" + std::to_string(i % 7) + "-[0-9]+$"}};
        bool ok =
            ValidateJson(schema, "id-" + std::to_string(i % 7) + "-" + std::to_string(t)).empty();
        bool bad = ValidateJson(schema, "id-x").empty();
        if (!ok || bad) ++failures;
      }
    });
  }
  for (auto& th : threads) th.join();
  CHECK(failures == 0);
}

TEST_CASE("format date and date-time", "[json_schema]") {
  json const date = {{"format", "date"}};
  CHECK(Valid(date, "2026-01-05"));
  CHECK(Valid(date, "2024-02-29"));
  CHECK(Valid(date, 20260105));  // only strings are checked
  CHECK(OneError(date, "2026-02-29") == R"(: must be a date (YYYY-MM-DD), got "2026-02-29")");
  CHECK_FALSE(Valid(date, "1900-02-29"));
  CHECK_FALSE(Valid(date, "2026-13-01"));
  CHECK_FALSE(Valid(date, "2026-1-5"));
  CHECK_FALSE(Valid(date, "2026-01-05T09:12:00"));

  json const date_time = {{"format", "date-time"}};
  CHECK(Valid(date_time, "2026-01-05T09:12:00Z"));
  CHECK(Valid(date_time, "2026-01-05t09:12:00.123z"));
  CHECK(Valid(date_time, "2026-01-05T09:12:00+01:00"));
  CHECK(Valid(date_time, "2026-01-05T09:12:00.5-08:00"));
  // HaloPSA sends UTC timestamps without an offset; accepted by design.
  CHECK(Valid(date_time, "2026-01-05T09:12:00"));
  CHECK(Valid(date_time, "2026-01-05T09:12:00.857"));
  CHECK(Valid(date_time, "2016-12-31T23:59:60Z"));
  CHECK(Valid(date_time, "2016-12-31T15:59:60-08:00"));
  CHECK_FALSE(Valid(date_time, "2016-12-31T23:58:60Z"));
  CHECK_FALSE(Valid(date_time, "2026-01-05T24:00:00Z"));
  CHECK_FALSE(Valid(date_time, "2026-01-05T09:12:00+24:00"));
  CHECK_FALSE(Valid(date_time, "2026-01-05T09:12:00."));
  CHECK_FALSE(Valid(date_time, "2026-01-05 09:12:00"));
  CHECK_FALSE(Valid(date_time, "2026-01-05T09:12"));
  CHECK_FALSE(Valid(date_time, "2026-02-30T09:12:00Z"));
  CHECK(OneError(date_time, "yesterday") ==
        ": must be a date-time (YYYY-MM-DDThh:mm:ss, optional fraction and offset), "
        "got \"yesterday\"");
  CHECK(Valid({{"format", "email"}}, "not checked"));
}

TEST_CASE("items, tuples and additionalItems", "[json_schema]") {
  json const schema = {{"items", {{"type", "integer"}}}};
  CHECK(Valid(schema, json::array({1, 2, 3})));
  CHECK(OneError(schema, json::array({1, "x", 3})) == R"(/1: expected integer, got string "x")");

  json const tuple = {{"items", {{{"type", "string"}}, {{"type", "integer"}}}},
                      {"additionalItems", false}};
  CHECK(Valid(tuple, json::array({"a", 1})));
  CHECK(Valid(tuple, json::array({"a"})));
  CHECK(OneError(tuple, json::array({1, 1})) == "/0: expected string, got integer 1");
  CHECK(OneError(tuple, json::array({"a", 1, 2})) ==
        "/2: unexpected item; at most 2 items are allowed");
  CHECK(OneError({{"items", false}}, json::array({1})) ==
        "/0: no value is allowed here, got integer 1");
}

TEST_CASE("minItems, maxItems and uniqueItems", "[json_schema]") {
  CHECK(OneError({{"minItems", 1}}, json::array()) == ": must have at least 1 item, got 0");
  CHECK(OneError({{"maxItems", 2}}, json::array({1, 2, 3})) ==
        ": must have at most 2 items, got 3");
  json const unique = {{"uniqueItems", true}};
  CHECK(Valid(unique, json::array({1, "1", true, nullptr, json::array({1})})));
  CHECK(OneError(unique, json::array({"a", "b", "a"})) ==
        R"(: must not contain duplicates; items 0 and 2 are both "a")");
  CHECK(OneError(unique, json::array({1, 1.0})) ==
        ": must not contain duplicates; items 0 and 1 are both 1.0");
  CHECK_FALSE(Valid(unique, json::parse(R"([{"a":1,"b":2},{"b":2,"a":1}])")));
  CHECK(Valid({{"uniqueItems", false}}, json::array({1, 1})));
}

TEST_CASE("properties, required and additionalProperties", "[json_schema]") {
  json const schema = json::parse(R"({
    "type": "object",
    "properties": {
      "client_id": {"type": "integer"},
      "limit": {"type": "integer", "maximum": 100},
      "search": {"type": "string"}
    },
    "required": ["client_id"],
    "additionalProperties": false
  })");
  CHECK(Valid(schema, {{"client_id", 12}}));
  CHECK(OneError(schema, json::object()) == "/client_id: required argument missing");
  CHECK(OneError(schema, {{"client_id", 1}, {"serach", "x"}}) ==
        "/serach: unknown argument; allowed: client_id, limit, search");
  CHECK(OneError(schema, {{"client_id", 1}, {"limit", 500}}) == "/limit: must be <= 100, got 500");
  CHECK(OneError({{"additionalProperties", false}}, {{"a", 1}}) ==
        "/a: unknown argument; no arguments are allowed");

  json const nested = json::parse(R"({
    "properties": {"filter": {"properties": {"id": {}}, "required": ["id"],
                              "additionalProperties": false}}
  })");
  CHECK(OneError(nested, {{"filter", {{"x", 1}, {"id", 2}}}}) ==
        "/filter/x: unknown property; allowed: id");
  CHECK(OneError(nested, {{"filter", json::object()}}) == "/filter/id: required property missing");

  json const typed_extra = {{"properties", {{"a", json::object()}}},
                            {"additionalProperties", {{"type", "string"}}}};
  CHECK(Valid(typed_extra, {{"a", 1}, {"b", "x"}}));
  CHECK(OneError(typed_extra, {{"a", 1}, {"b", 2}}) == "/b: expected string, got integer 2");
}

TEST_CASE("minProperties and maxProperties", "[json_schema]") {
  CHECK(OneError({{"minProperties", 1}}, json::object()) ==
        ": must have at least 1 property, got 0");
  CHECK(OneError({{"maxProperties", 1}}, {{"a", 1}, {"b", 2}}) ==
        ": must have at most 1 property, got 2");
  CHECK(Valid({{"minProperties", 1}}, json::array()));
}

TEST_CASE("pointers escape ~ and / in property names", "[json_schema]") {
  json const schema = {{"properties", {{"a/b~c", {{"type", "string"}}}}}};
  CHECK(OneError(schema, {{"a/b~c", 1}}) == "/a~1b~0c: expected string, got integer 1");
}

TEST_CASE("errors come in a deterministic order and are capped by max_errors", "[json_schema]") {
  json const schema = json::parse(R"({
    "properties": {"b": {"type": "string"}, "a": {"type": "string"}, "c": {"minimum": 5}},
    "required": ["z", "y"],
    "additionalProperties": false
  })");
  json const instance = {{"c", 1}, {"b", 1}, {"a", 1}, {"d", 1}};
  auto errors = ValidateJson(schema, instance);
  std::vector<std::string> paths;
  for (auto const& e : errors) paths.push_back(e.path);
  CHECK(paths == std::vector<std::string>{"/z", "/y", "/a", "/b", "/c", "/d"});
  CHECK(ValidateJson(schema, instance).size() == 6);
  CHECK(ValidateJson(schema, instance, 2).size() == 2);
  CHECK(ValidateJson(schema, instance, 2)[1].path == "/y");
  CHECK(ValidateJson(schema, instance, 0).size() == 1);  // 0 never means "valid"

  json many = json::array();
  for (int i = 0; i < 100; ++i) many.push_back("x");
  CHECK(ValidateJson({{"items", {{"type", "integer"}}}}, many).size() == 8);
}

TEST_CASE("long values are abbreviated in messages", "[json_schema]") {
  std::string long_text(200, 'a');
  auto errors = ValidateJson({{"type", "integer"}}, long_text);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "expected integer, got string \"" + std::string(37, 'a') + "\"...");
  json big = json::array();
  for (int i = 0; i < 100; ++i) big.push_back(i);
  errors = ValidateJson({{"type", "object"}}, big);
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "expected object, got array [0,1,2,3,4,5,6,7,8,9,10,11,12,13,14,1...");
  // Invalid UTF-8 is shown with a replacement character instead of throwing.
  errors = ValidateJson({{"type", "integer"}}, std::string("ab\xFF"));
  REQUIRE(errors.size() == 1);
  CHECK(errors[0].message == "expected integer, got string \"ab\xEF\xBF\xBD\"");
}

TEST_CASE("deeply nested instances are rejected without recursion", "[json_schema]") {
  std::string deep(100000, '[');
  deep += std::string(100000, ']');
  json const instance = json::parse(deep);
  for (json const& schema : {json::object(), json{{"enum", {1}}}, json{{"uniqueItems", true}},
                             json{{"type", "object"}}}) {
    auto errors = ValidateJson(schema, instance);
    REQUIRE(errors.size() == 1);
    CHECK(errors[0].message == "nested too deeply (more than 64 levels)");
    std::string expected_path;
    for (int i = 0; i < 65; ++i) expected_path += "/0";
    CHECK(errors[0].path == expected_path);
  }

  // 65 nested arrays: the innermost is 64 levels below the root, the limit.
  std::string ok_text = std::string(65, '[') + std::string(65, ']');
  CHECK(Valid({{"items", {{"items", json::object()}}}}, json::parse(ok_text)));
  std::string too_deep_text = std::string(66, '[') + std::string(66, ']');
  CHECK_FALSE(Valid(json::object(), json::parse(too_deep_text)));

  // A deeply nested schema is cut off too.
  json schema = json::object();
  for (int i = 0; i < 100; ++i) schema = json{{"items", schema}};
  CHECK(UnsupportedKeywords(schema).size() == 1);
}

TEST_CASE("boolean schemas and malformed schemas", "[json_schema]") {
  CHECK(Valid(true, 1));
  CHECK(OneError(false, 1) == ": no value is allowed here, got integer 1");
  CHECK(OneError({{"properties", {{"a", false}}}}, {{"a", "x"}}) ==
        R"(/a: no value is allowed here, got string "x")");
  CHECK(OneError({{"minimum", "5"}}, 3) == ": schema error: 'minimum' must be a number");
  CHECK(OneError({{"type", "int"}}, 3) ==
        ": schema error: 'type' must be a type name or a non-empty array of type names");
  CHECK(OneError({{"multipleOf", 0}}, 3) == ": schema error: 'multipleOf' must be a number > 0");
  CHECK(OneError(json::array(), 3) == ": schema error: a schema must be an object or a boolean");
  CHECK(Valid({{"title", "t"}, {"description", "d"}, {"default", 5}, {"examples", {1}}}, 3));
}

TEST_CASE("UnsupportedKeywords lists unenforced keywords as pointers", "[json_schema]") {
  json const tool_schema = json::parse(R"({
    "$schema": "http://json-schema.org/draft-07/schema#",
    "title": "List tickets",
    "type": "object",
    "properties": {
      "client_id": {"type": "integer", "description": "Client.", "minimum": 1},
      "status": {"type": "string", "enum": ["open", "closed"], "default": "open"},
      "since": {"type": "string", "format": "date-time", "deprecated": true},
      "tags": {"type": "array", "items": {"type": "string", "maxLength": 20}, "uniqueItems": true},
      "code": {"type": "string", "pattern": "^[A-Z]{3}$", "$comment": "x", "readOnly": false,
               "writeOnly": false, "examples": ["ABC"]}
    },
    "required": ["client_id"],
    "additionalProperties": false
  })");
  CHECK(UnsupportedKeywords(tool_schema).empty());

  json const bad = json::parse(R"({
    "allOf": [{"$ref": "#/definitions/x"}],
    "properties": {
      "a": {"anyOf": [{}], "minimum": "1"},
      "b": {"items": [{"not": {}}], "additionalItems": {"contains": {}}},
      "c": {"format": "email"},
      "d": {"additionalProperties": {"patternProperties": {}}},
      "e/f": {"x-extension": 1}
    },
    "exclusiveMinimum": true
  })");
  CHECK(UnsupportedKeywords(bad) == std::vector<std::string>{
                                        "/allOf",
                                        "/exclusiveMinimum (must be a number (the draft-4 boolean "
                                        "form is not supported))",
                                        "/properties/a/anyOf",
                                        "/properties/a/minimum (must be a number)",
                                        "/properties/b/additionalItems/contains",
                                        "/properties/b/items/0/not",
                                        "/properties/c/format (unsupported format \"email\")",
                                        "/properties/d/additionalProperties/patternProperties",
                                        "/properties/e~1f/x-extension",
                                    });
  CHECK(UnsupportedKeywords(true).empty());
  CHECK(UnsupportedKeywords(5) ==
        std::vector<std::string>{" (a schema must be an object or a boolean)"});
}

TEST_CASE("DescribeArgumentError names the argument", "[json_schema]") {
  CHECK(DescribeArgumentError({"/limit", "must be <= 100, got 500"}) ==
        "argument 'limit': must be <= 100, got 500");
  CHECK(DescribeArgumentError({"/items/2/id", "required property missing"}) ==
        "argument 'items[2].id': required property missing");
  CHECK(DescribeArgumentError({"/a~1b/c~0d", "x"}) == "argument 'a/b.c~d': x");
  CHECK(DescribeArgumentError({"", "expected object, got array []"}) ==
        "arguments: expected object, got array []");

  auto errors = ValidateJson(
      json::parse(
          R"({"properties": {"lines": {"items": {"properties": {"qty": {"minimum": 1}}}}}})"),
      json::parse(R"({"lines": [{"qty": 1}, {"qty": 0}]})"));
  REQUIRE(errors.size() == 1);
  CHECK(DescribeArgumentError(errors[0]) == "argument 'lines[1].qty': must be >= 1, got 0");
}

}  // namespace
}  // namespace mcp
