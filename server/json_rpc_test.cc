#include "server/json_rpc.h"

#include <catch2/catch.hpp>

using mcp::DecodeMessage;
using mcp::Message;
using nlohmann::json;

TEST_CASE("Requests keep their id exactly as sent", "[server][jsonrpc]") {
  auto d = DecodeMessage(json::parse(R"({"jsonrpc":"2.0","id":"abc","method":"ping"})"));
  REQUIRE(d.message);
  CHECK(d.message->kind == Message::Kind::kRequest);
  CHECK(d.message->id == "abc");
  auto n = DecodeMessage(json::parse(R"({"jsonrpc":"2.0","id":9007199254740993,"method":"ping"})"));
  REQUIRE(n.message);
  CHECK(mcp::Serialize(n.message->id) == "9007199254740993");
}

TEST_CASE("Notifications and responses are told apart", "[server][jsonrpc]") {
  auto n = DecodeMessage(json::parse(R"({"jsonrpc":"2.0","method":"notifications/initialized"})"));
  REQUIRE(n.message);
  CHECK(n.message->kind == Message::Kind::kNotification);
  auto r = DecodeMessage(json::parse(R"({"jsonrpc":"2.0","id":1,"result":{}})"));
  REQUIRE(r.message);
  CHECK(r.message->kind == Message::Kind::kResponse);
}

TEST_CASE("Invalid requests get -32600 with a reason", "[server][jsonrpc]") {
  struct Case {
    char const* text;
    char const* fragment;
  };
  for (auto c : {Case{R"({"jsonrpc":"2.0","id":null,"method":"ping"})", "string or an integer"},
                 Case{R"({"jsonrpc":"1.0","id":1,"method":"ping"})", "\"2.0\""},
                 Case{R"({"jsonrpc":"2.0","id":1})", "missing \"method\""},
                 Case{R"({"jsonrpc":"2.0","id":1.5,"method":"ping"})", "string or an integer"},
                 Case{R"({"jsonrpc":"2.0","id":2,"method":7})", "non-empty string"},
                 Case{R"("hello")", "must be an object"}}) {
    INFO(c.text);
    auto d = DecodeMessage(json::parse(c.text));
    REQUIRE(d.error);
    CHECK(d.error->code == mcp::kInvalidRequest);
    CHECK_THAT(d.error->message, Catch::Matchers::Contains(c.fragment));
  }
  auto keeps_id = DecodeMessage(json::parse(R"({"jsonrpc":"2.0","id":5})"));
  CHECK(keeps_id.error_id == 5);
}

TEST_CASE("Params that are not an object are invalid params", "[server][jsonrpc]") {
  auto d = DecodeMessage(json::parse(R"({"jsonrpc":"2.0","id":1,"method":"ping","params":3})"));
  REQUIRE(d.error);
  CHECK(d.error->code == mcp::kInvalidParams);
  CHECK(d.error_id == 1);
}

TEST_CASE("Malformed JSON and invalid UTF-8 fail to parse without throwing", "[server][jsonrpc]") {
  std::string error;
  CHECK_FALSE(mcp::ParseJson("{\"a\":", &error));
  CHECK_FALSE(error.empty());
  CHECK_FALSE(mcp::ParseJson("{\"a\":\"\xff\xfe\"}", &error));
  CHECK(mcp::ParseJson(R"({"a":"caf\u00e9"})", &error));
}

TEST_CASE("Messages over the nesting or size limits get -32600, bad JSON -32700",
          "[server][jsonrpc]") {
  mcp::ErrorObject error;
  std::string deep = std::string(100'000, '[') + std::string(100'000, ']');
  CHECK_FALSE(mcp::ParseMessage(deep, &error));
  CHECK(error.code == mcp::kInvalidRequest);
  CHECK_THAT(error.message, Catch::Matchers::Contains("nested deeper than 64 levels"));
  std::string many = "[" + std::string(200'000 * 2 - 1, ',') + "]";
  for (std::size_t i = 1; i < many.size(); i += 2) many[i] = '0';
  CHECK_FALSE(mcp::ParseMessage(many, &error));
  CHECK(error.code == mcp::kInvalidRequest);
  CHECK_THAT(error.message, Catch::Matchers::Contains("values"));
  CHECK_FALSE(mcp::ParseMessage("{\"a\":", &error));
  CHECK(error.code == mcp::kParseError);
  CHECK_THAT(error.message, Catch::Matchers::StartsWith("Parse error: "));
  CHECK(mcp::ParseMessage(R"({"jsonrpc":"2.0","id":1,"method":"ping"})", &error));
}

TEST_CASE("Serialisation stays on one line and never throws on bad UTF-8", "[server][jsonrpc]") {
  json v{{"text", "line1\nline2"}, {"bad", std::string("\xff")}};
  std::string s = mcp::Serialize(v);
  CHECK(s.find('\n') == std::string::npos);
}

TEST_CASE("A response over the size limit becomes an error with the same id", "[server][jsonrpc]") {
  json big = mcp::MakeResult(9, json{{"text", std::string(5000, 'x')}});
  std::string text = mcp::SerializeBounded(big, 1000);
  json parsed = json::parse(text);
  CHECK(parsed["id"] == 9);
  CHECK(parsed["error"]["code"] == mcp::kInternalError);
  CHECK_THAT(parsed["error"]["message"].get<std::string>(),
             Catch::Matchers::Contains("over this server's limit of 1000 bytes"));
  CHECK(mcp::SerializeBounded(big, 100000) == mcp::Serialize(big));
  // Notifications are not responses: they pass (their size is the sender's business).
  json note =
      mcp::MakeNotification("notifications/message", json{{"data", std::string(5000, 'y')}});
  CHECK(mcp::SerializeBounded(note, 1000) == mcp::Serialize(note));
}
