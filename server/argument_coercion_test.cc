#include "server/argument_coercion.h"

#include <catch2/catch.hpp>

using nlohmann::json;

namespace {

json const kSchema = json::parse(R"({"type":"object","properties":{
  "id":{"type":"integer"},
  "limit":{"type":"integer","minimum":1,"maximum":1000},
  "ticket":{"type":"integer","minimum":1},
  "client":{"type":["string","integer"]},
  "hours":{"type":"number"},
  "confirm":{"type":"boolean"},
  "status":{"type":"array","items":{"type":["string","integer"]}},
  "ids":{"type":"array","items":{"type":"integer"}},
  "note":{"type":"string"},
  "anything":{}
}})");

json Coerced(json args) {
  auto problems = mcp::CoerceArguments(kSchema, args);
  REQUIRE(problems.empty());
  return args;
}

std::string Problem(json args) {
  auto problems = mcp::CoerceArguments(kSchema, args);
  REQUIRE(problems.size() == 1);
  return mcp::DescribeArgumentError(problems[0]);
}

}  // namespace

TEST_CASE("Exact conversions from strings", "[server][arguments]") {
  json a = Coerced({{"id", "1105"}, {"hours", "2.5"}, {"confirm", "true"}, {"note", "12"}});
  CHECK(a["id"] == 1105);
  CHECK(a["id"].is_number_integer());
  CHECK(a["hours"] == 2.5);
  CHECK(a["confirm"] == true);
  CHECK(a["note"] == "12");  // a string stays a string where strings are allowed
  CHECK(Coerced({{"client", "1105"}})["client"] == "1105");  // names and ids: left to resolve
  CHECK(Coerced({{"confirm", "false"}})["confirm"] == false);
  CHECK(Coerced({{"id", "-3"}})["id"] == -3);
}

TEST_CASE("Inexact strings are left for the validator to refuse", "[server][arguments]") {
  CHECK(Coerced({{"id", "12abc"}})["id"] == "12abc");
  CHECK(Coerced({{"id", "1.5"}})["id"] == "1.5");
  CHECK(Coerced({{"id", " 12"}})["id"] == " 12");
  CHECK(Coerced({{"confirm", "yes"}})["confirm"] == "yes");
  CHECK(Coerced({{"confirm", "TRUE"}})["confirm"] == "TRUE");
  CHECK(Coerced({{"hours", "nan"}})["hours"] == "nan");
  CHECK(Coerced({{"hours", "0x10"}})["hours"] == "0x10");
}

TEST_CASE("Integers must be exact and fit in 64 bits", "[server][arguments]") {
  CHECK(Coerced({{"id", 3.0}})["id"].is_number_integer());
  CHECK(Coerced({{"id", 9223372036854775807LL}})["id"] == 9223372036854775807LL);
  // 2^64 as sent by a client parses as a float; it must not reach HaloPSA as 1.8e19.
  CHECK_THAT(Problem(json::parse(R"({"id":18446744073709551616})")),
             Catch::Matchers::Contains("argument 'id': must be a 64-bit integer"));
  CHECK_THAT(Problem(json::parse(R"({"id":18446744073709551615})")),
             Catch::Matchers::Contains("64-bit integer"));
  CHECK_THAT(Problem(json::parse(R"({"client":1e300})")),
             Catch::Matchers::Contains("argument 'client'"));
  CHECK_THAT(Problem(json::parse(R"({"ids":[1,9223372036854775808]})")),
             Catch::Matchers::Contains("argument 'ids[1]'"));
  CHECK(Problem(json::parse(R"({"id":"99999999999999999999"})")) ==
        "argument 'id': must be a 64-bit integer (-9223372036854775808 to 9223372036854775807), "
        "got string \"99999999999999999999\"");
  // With bounds in the schema, those are what the caller can act on.
  CHECK(Problem(json::parse(R"({"limit":1e30})")) ==
        "argument 'limit': must be an integer from 1 to 1000, got 1e+30");
  CHECK(Problem(json::parse(R"({"ticket":-1e30})")) ==
        "argument 'ticket': must be an integer from 1 to 9223372036854775807, got -1e+30");
  CHECK(Problem(json::parse(R"({"limit":"1e30"})")) ==
        "argument 'limit': must be an integer from 1 to 1000, got string \"1e30\"");
  // Not integral: left for the validator ("expected integer, got number 3.5").
  CHECK(Coerced({{"id", 3.5}})["id"] == 3.5);
  // Plain numbers keep their value.
  CHECK(Coerced({{"hours", 1e300}})["hours"] == 1e300);
}

TEST_CASE("A single value where a list is expected becomes a list", "[server][arguments]") {
  CHECK(Coerced({{"status", "Open"}})["status"] == json::array({"Open"}));
  CHECK(Coerced({{"ids", "42"}})["ids"] == json::array({42}));
  CHECK(Coerced({{"ids", json::array({"1", 2.0})}})["ids"] == json::array({1, 2}));
  CHECK(Coerced({{"anything", "x"}})["anything"] == "x");
}
