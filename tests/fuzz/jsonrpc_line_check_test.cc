#include "tests/fuzz/jsonrpc_line_check.h"

#include <catch2/catch.hpp>

using halo_fuzz::CheckJsonRpcLine;

TEST_CASE("Fuzz line check: accepts one JSON-RPC message or a non-empty batch of them", "[fuzz]") {
  CHECK(CheckJsonRpcLine(R"({"id":1,"jsonrpc":"2.0","result":{"jsonrpc":1}})").error.empty());
  CHECK(CheckJsonRpcLine(R"([{"jsonrpc":"2.0","id":1},{"id":2,"jsonrpc":"2.0","error":{}}])")
            .error.empty());
  auto single = CheckJsonRpcLine(R"({"id":"s-1","jsonrpc":"2.0","result":{"id":"inner"}})");
  CHECK(single.string_id == "s-1");
  CHECK(CheckJsonRpcLine(R"([{"id":"s-1","jsonrpc":"2.0"}])").string_id.empty());
}

TEST_CASE("Fuzz line check: refuses anything else, saying what", "[fuzz]") {
  auto error = [](std::string_view line) { return CheckJsonRpcLine(line).error; };
  CHECK(error("") == "output line is not one JSON value");
  CHECK(error(R"({"jsonrpc":"2.0"}{"jsonrpc":"2.0"})") == "output line is not one JSON value");
  CHECK(error(R"({"jsonrpc":"2.0")") == "output line is not one JSON value");
  CHECK(error("42") == "output line is not a JSON-RPC message");
  CHECK(error(R"({"jsonrpc":"1.0"})") == "output line is not a JSON-RPC message");
  CHECK(error(R"({"jsonrpc":["2.0"]})") == "output line is not a JSON-RPC message");
  CHECK(error(R"({"result":{"jsonrpc":"2.0"}})") == "output line is not a JSON-RPC message");
  CHECK(error("[]") == "empty batch response");
  CHECK(error(R"([{"jsonrpc":"2.0"},3])") == "batch member is not a JSON-RPC message");
  CHECK(error(R"([{"jsonrpc":"2.0"},{"id":1}])") == "batch member is not a JSON-RPC message");
  CHECK(error(R"([[{"jsonrpc":"2.0"}]])") == "batch member is not a JSON-RPC message");
  CHECK(CheckJsonRpcLine(R"({"id":"x","jsonrpc":"1"})").string_id.empty());
  CHECK(CheckJsonRpcLine(R"({"id":"x","id":1,"jsonrpc":"2.0"})").string_id.empty());  // the last
  CHECK(CheckJsonRpcLine(R"({"id":1,"id":"y","jsonrpc":"2.0"})").string_id == "y");
}
